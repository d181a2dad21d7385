namespace ContainerLogger.Config;

/// <summary>
/// One log option (a DOCKERLOG_CONFIG key), declared once. The same declaration parses and validates
/// the value, supplies the default, and is printed by <c>--list-drivers --json</c>.
/// </summary>
public abstract class OptionSpec
{
    protected OptionSpec(string name, string type, string? defaultText, string description,
        IReadOnlyList<string>? allowed, IReadOnlyList<string>? aliases)
    {
        Name = name;
        Type = type;
        DefaultText = defaultText;
        Description = description;
        Allowed = allowed ?? [];
        Aliases = aliases ?? [];
    }

    public string Name { get; }
    /// <summary>Type shown to orchestrators: string, bool, size, duration, int, enum, template, regex, list, path, address.</summary>
    public string Type { get; }
    /// <summary>Default as written in an option value; null when the option has no default.</summary>
    public string? DefaultText { get; }
    public string Description { get; }
    public IReadOnlyList<string> Allowed { get; }
    /// <summary>Other keys accepted for this option (legacy dockerlogger names); <see cref="Name"/> wins when both are set.</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>Parses a raw value; returns null and sets <paramref name="error"/> (what is allowed) when it is bad.</summary>
    internal abstract object? Parse(string raw, out string? error);
    internal abstract object? DefaultValue { get; }
}

/// <summary>An option whose parsed value has type <typeparamref name="T"/>.</summary>
public sealed class Option<T> : OptionSpec
{
    private readonly Parser<T> _parse;
    private readonly T _default;

    /// <summary>Parses a raw value or throws <see cref="FormatException"/> whose message says what is allowed.</summary>
    public delegate T Parser<out TValue>(string raw);

    public Option(string name, string type, T defaultValue, string? defaultText, string description, Parser<T> parse,
        IReadOnlyList<string>? allowed = null, IReadOnlyList<string>? aliases = null)
        : base(name, type, defaultText, description, allowed, aliases)
    {
        _parse = parse;
        _default = defaultValue;
    }

    internal override object? DefaultValue => _default;

    internal override object? Parse(string raw, out string? error)
    {
        try
        {
            error = null;
            return _parse(raw);
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }
}
