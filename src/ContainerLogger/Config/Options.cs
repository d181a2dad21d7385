namespace ContainerLogger.Config;

/// <summary>Factories for the option kinds every driver uses; each fixes the parser and the type shown in the listing.</summary>
public static class Options
{
    public static Option<string?> String(string name, string? defaultValue, string description, string[]? aliases = null) =>
        new(name, "string", defaultValue, defaultValue, description, raw => raw, aliases: aliases);

    public static Option<string?> Path(string name, string? defaultText, string description) =>
        new(name, "path", null, defaultText, description, raw => raw.Length == 0 ? throw new FormatException("a path is required") : raw);

    public static Option<bool> Bool(string name, bool defaultValue, string description) =>
        new(name, "bool", defaultValue, defaultValue ? "true" : "false", description, ValueParsers.Bool);

    /// <summary>A byte size in binary units (k = 1024), Docker's RAMInBytes.</summary>
    public static Option<long> Size(string name, long defaultValue, string? defaultText, string description, long min = 0, long max = long.MaxValue) =>
        new(name, "size", defaultValue, defaultText, description, raw => ValueParsers.Range(ValueParsers.RamSize(raw), min, max, raw));

    /// <summary>A byte size in decimal units (k = 1000), Docker's FromHumanSize.</summary>
    public static Option<long> DecimalSize(string name, long defaultValue, string? defaultText, string description, long min = 1) =>
        new(name, "size", defaultValue, defaultText, description, raw => ValueParsers.Range(ValueParsers.HumanSize(raw), min, long.MaxValue, raw));

    public static Option<TimeSpan> Duration(string name, TimeSpan defaultValue, string defaultText, string description, TimeSpan? min = null, TimeSpan? max = null) =>
        new(name, "duration", defaultValue, defaultText, description, raw => ValueParsers.Range(ValueParsers.Duration(raw), min ?? TimeSpan.Zero, max ?? TimeSpan.MaxValue, raw));

    public static Option<int> Int(string name, int defaultValue, string description, int min = int.MinValue, int max = int.MaxValue) =>
        new(name, "int", defaultValue, defaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture), description,
            raw => ValueParsers.Int(raw, min, max));

    public static Option<string> Enum(string name, string defaultValue, string description, params string[] allowed) =>
        new(name, "enum", defaultValue, defaultValue, description,
            raw => Array.IndexOf(allowed, raw) >= 0 ? raw : throw new FormatException("allowed: " + string.Join(", ", allowed)),
            allowed: allowed);

    /// <summary>Accepted and ignored (Docker's dual-logging cache keys).</summary>
    public static Option<string?> Ignored(string name, string description) =>
        new(name, "string", null, null, description, raw => raw);
}
