namespace ContainerLogger.Config;

/// <summary>The parsed log options of one run, looked up by their declarations.</summary>
public sealed class OptionValues
{
    private readonly Dictionary<OptionSpec, object?> _values = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<OptionSpec, string> _raw = new(ReferenceEqualityComparer.Instance);

    internal void Set(OptionSpec option, string raw, object? value)
    {
        _raw[option] = raw;
        _values[option] = value;
    }

    /// <summary>The value given, or the option's default.</summary>
    public T Get<T>(Option<T> option) => _values.TryGetValue(option, out var v) ? (T)v! : (T)option.DefaultValue!;

    public bool IsSet(OptionSpec option) => _raw.ContainsKey(option);

    public string? Raw(OptionSpec option) => _raw.GetValueOrDefault(option);
}
