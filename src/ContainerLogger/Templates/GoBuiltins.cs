namespace ContainerLogger.Templates;

/// <summary>The builtins of Go's text/template a tag can use (not html, js, urlquery, call).</summary>
internal static class GoBuiltins
{
    public static readonly IReadOnlyList<TemplateFunction> All =
    [
        new("and", 1, TemplateFunction.Variadic, args => FirstDeciding(args, decidingTruth: false)),
        new("or", 1, TemplateFunction.Variadic, args => FirstDeciding(args, decidingTruth: true)),
        new("not", 1, 1, args => BoolValue.Of(!args[0].IsTrue)),
        new("len", 1, 1, args => new IntValue(Length(args[0]))),
        new("index", 1, TemplateFunction.Variadic, Index),
        new("slice", 1, TemplateFunction.Variadic, Slice),
        new("print", 0, TemplateFunction.Variadic, args => new StringValue(GoFormat.Sprint(args.From(0)))),
        new("println", 0, TemplateFunction.Variadic, args => new StringValue(GoFormat.Sprintln(args.From(0)))),
        new("printf", 1, TemplateFunction.Variadic, args => new StringValue(GoFormat.Sprintf(args.String(0), args.From(1)))),
        new("eq", 1, TemplateFunction.Variadic, args => BoolValue.Of(Equal(args))),
        new("ne", 2, 2, args => BoolValue.Of(!Equal(args))),
        new("lt", 2, 2, args => BoolValue.Of(Less(args[0], args[1]))),
        new("le", 2, 2, args => BoolValue.Of(Less(args[0], args[1]) || Equal(args))),
        new("gt", 2, 2, args => BoolValue.Of(!(Less(args[0], args[1]) || Equal(args)))),
        new("ge", 2, 2, args => BoolValue.Of(!Less(args[0], args[1]))),
    ];

    /// <summary>and/or: the first argument whose truth decides the result, else the last; later ones are not evaluated.</summary>
    private static TemplateValue FirstDeciding(FunctionArguments args, bool decidingTruth)
    {
        for (int i = 0; i < args.Count - 1; i++)
            if (args[i].IsTrue == decidingTruth) return args[i];
        return args[args.Count - 1];
    }

    private static long Length(TemplateValue value) => value switch
    {
        StringValue s => GoText.ByteLength(s.Value),
        ListValue list => list.Items.Count,
        MapValue map => map.Entries.Count,
        _ => throw new FunctionException($"len of type {value.GoType}"),
    };

    /// <summary><c>index x 1 2</c> is x[1][2]: list elements, bytes of a string (as uint8), map values ("" when missing).</summary>
    private static TemplateValue Index(FunctionArguments args)
    {
        var item = args[0];
        for (int i = 1; i < args.Count; i++)
        {
            item = item switch
            {
                ListValue list => new StringValue(list.Items[(int)Position(args[i], list.Items.Count, exclusive: true)]),
                StringValue s => new IntValue(GoText.ByteAt(s.Value, (int)Position(args[i], GoText.ByteLength(s.Value), exclusive: true)), "uint8"),
                MapValue map => args[i] is StringValue key
                    ? new StringValue(map.Entries.GetValueOrDefault(key.Value, ""))
                    : throw new FunctionException($"value has type {args[i].GoType}; should be string"),
                NilValue => throw new FunctionException("index of untyped nil"),
                _ => throw new FunctionException($"can't index item of type {item.GoType}"),
            };
        }
        return item;
    }

    /// <summary><c>slice x i j</c> is x[i:j], in bytes for a string; a list also takes x[i:j:k].</summary>
    private static TemplateValue Slice(FunctionArguments args)
    {
        var item = args[0];
        int length = item switch
        {
            StringValue s => GoText.ByteLength(s.Value),
            ListValue list => list.Items.Count,
            _ => throw new FunctionException($"can't slice item of type {item.GoType}"),
        };
        if (args.Count > 4) throw new FunctionException($"too many slice indexes: {args.Count - 1}");
        if (args.Count == 4 && item is StringValue) throw new FunctionException("cannot 3-index slice a string");
        long[] bounds = [0, length, length];
        for (int i = 1; i < args.Count; i++)
        {
            bounds[i - 1] = Position(args[i], length, exclusive: false);
            if (i > 1 && bounds[i - 2] > bounds[i - 1]) throw new FunctionException($"invalid slice index: {bounds[i - 2]} > {bounds[i - 1]}");
        }
        int start = (int)bounds[0], end = (int)bounds[1];
        return item is StringValue text
            ? new StringValue(GoText.ByteSlice(text.Value, start, end))
            : new ListValue(((ListValue)item).Items.Skip(start).Take(end - start).ToArray());
    }

    /// <summary>An index argument: an integer in [0, length) for index, [0, length] for slice bounds.</summary>
    private static long Position(TemplateValue value, int length, bool exclusive)
    {
        if (value is not IntValue n) throw new FunctionException($"cannot index slice/array with type {value.GoType}");
        if (n.Value < 0 || n.Value > length || (exclusive && n.Value == length)) throw new FunctionException($"index out of range: {n.Value}");
        return n.Value;
    }

    /// <summary>eq a b c...: a equals any of the others. Values of different kinds are an error unless one is nil.</summary>
    private static bool Equal(FunctionArguments args)
    {
        if (args.Count < 2) throw new FunctionException("missing argument for comparison");
        for (int i = 1; i < args.Count; i++)
        {
            TemplateValue a = args[0], b = args[i];
            string kind = Kind(a);
            if (kind != Kind(b))
            {
                if (a is NilValue || b is NilValue) continue;
                throw new FunctionException("incompatible types for comparison");
            }
            bool equal = (a, b) switch
            {
                (BoolValue x, BoolValue y) => x.Value == y.Value,
                (IntValue x, IntValue y) => x.Value == y.Value,
                (StringValue x, StringValue y) => x.Value == y.Value,
                (TimeValue x, TimeValue y) => x.Time.ToRfc3339Nano() == y.Time.ToRfc3339Nano(),
                (InfoValue x, InfoValue y) => ReferenceEquals(x.Info, y.Info),
                (NilValue, NilValue) => true,
                _ => throw new FunctionException($"non-comparable type {a.GoType}"),
            };
            if (equal) return true;
        }
        return false;
    }

    private static bool Less(TemplateValue a, TemplateValue b)
    {
        if (a is not (IntValue or StringValue) || b is not (IntValue or StringValue)) throw new FunctionException("invalid type for comparison");
        return (a, b) switch
        {
            (IntValue x, IntValue y) => x.Value < y.Value,
            (StringValue x, StringValue y) => GoText.CompareCodePoints(x.Value, y.Value) < 0,
            _ => throw new FunctionException("incompatible types for comparison"),
        };
    }

    // Go compares integers across int and uint8; every other type only with its own.
    private static string Kind(TemplateValue value) => value is IntValue ? "int" : value.GoType;
}
