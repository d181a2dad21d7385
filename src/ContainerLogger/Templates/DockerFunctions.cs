namespace ContainerLogger.Templates;

/// <summary>Docker's template functions (daemon/logger/templates), with Go's semantics: strings are bytes to len and truncate.</summary>
internal static class DockerFunctions
{
    public static readonly IReadOnlyList<TemplateFunction> All =
    [
        new("json", 1, 1, args => new StringValue(GoJson.Marshal(args[0]))),
        new("split", 2, 2, args => new ListValue(GoText.Split(args.String(0), args.String(1)))),
        new("join", 2, 2, Join),
        new("title", 1, 1, args => new StringValue(GoText.Title(args.String(0)))),
        new("lower", 1, 1, args => new StringValue(GoText.ToLower(args.String(0)))),
        new("upper", 1, 1, args => new StringValue(GoText.ToUpper(args.String(0)))),
        new("pad", 3, 3, Pad),
        new("truncate", 2, 2, Truncate),
    ];

    private static TemplateValue Join(FunctionArguments args)
    {
        // Arguments are checked in order, as Go converts them.
        var items = args.List(0);
        return new StringValue(string.Join(args.String(1), items));
    }

    /// <summary><c>pad s prefix suffix</c>: that many spaces before and after s, but an empty s stays empty.</summary>
    private static TemplateValue Pad(FunctionArguments args)
    {
        string source = args.String(0);
        long prefix = args.Int(1), suffix = args.Int(2);
        if (source.Length == 0) return StringValue.Empty;
        // strings.Repeat panics on a negative count; text/template reports the panic as the call's error.
        if (prefix < 0 || suffix < 0) throw new FunctionException("strings: negative Repeat count");
        // Go would build any size; a tag this long is a mistake, and refusing it keeps memory bounded.
        if (prefix > TagTemplate.MaxLength || suffix > TagTemplate.MaxLength || prefix + suffix > TagTemplate.MaxLength - source.Length)
            throw new FunctionException($"the result would be longer than {TagTemplate.MaxLength} characters");
        return new StringValue(new string(' ', (int)prefix) + source + new string(' ', (int)suffix));
    }

    /// <summary>
    /// <c>truncate s n</c>: s when it is shorter than n bytes, else its first n bytes (which may cut a character in
    /// two). A negative n is Go's slice-bounds panic.
    /// </summary>
    private static TemplateValue Truncate(FunctionArguments args)
    {
        string source = args.String(0);
        long length = args.Int(1);
        if (length < 0) throw new FunctionException($"runtime error: slice bounds out of range [:{length}]");
        int bytes = GoText.ByteLength(source);
        return bytes < length ? new StringValue(source) : new StringValue(GoText.ByteSlice(source, 0, (int)length));
    }
}
