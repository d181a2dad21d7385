using ContainerLogger.Config;

namespace ContainerLogger.Templates;

/// <summary>
/// A value while a template runs: only the Go types a log tag can meet, so no reflection is needed.
/// <see cref="GoType"/> is the Go type name, used in error messages and fmt's %!verb(type=value) output.
/// </summary>
internal abstract class TemplateValue
{
    public abstract string GoType { get; }

    /// <summary>Go template truth: false, 0, nil and empty strings, slices and maps are false.</summary>
    public abstract bool IsTrue { get; }
}

internal sealed class StringValue(string value) : TemplateValue
{
    public static readonly StringValue Empty = new("");
    public string Value { get; } = value;
    public override string GoType => "string";
    public override bool IsTrue => Value.Length > 0;
}

/// <summary>A Go integer: <c>int</c>, or <c>uint8</c> for a byte that <c>index</c> takes out of a string.</summary>
internal sealed class IntValue(long value, string goType = "int") : TemplateValue
{
    public long Value { get; } = value;
    public override string GoType { get; } = goType;
    public override bool IsTrue => Value != 0;
}

internal sealed class BoolValue : TemplateValue
{
    public static readonly BoolValue True = new(true);
    public static readonly BoolValue False = new(false);
    private BoolValue(bool value) => Value = value;
    public static BoolValue Of(bool value) => value ? True : False;
    public bool Value { get; }
    public override string GoType => "bool";
    public override bool IsTrue => Value;
}

/// <summary>A Go <c>[]string</c>: what split returns, and the info's argument and environment lists.</summary>
internal sealed class ListValue(IReadOnlyList<string> items) : TemplateValue
{
    public IReadOnlyList<string> Items { get; } = items;
    public override string GoType => "[]string";
    public override bool IsTrue => Items.Count > 0;
}

/// <summary>A Go <c>map[string]string</c>: the container labels and the log options.</summary>
internal sealed class MapValue(IReadOnlyDictionary<string, string> entries) : TemplateValue
{
    public IReadOnlyDictionary<string, string> Entries { get; } = entries;
    public override string GoType => "map[string]string";
    public override bool IsTrue => Entries.Count > 0;

    /// <summary>Keys in Go's order for printing, ranging and JSON: by code point.</summary>
    public IEnumerable<string> SortedKeys => Entries.Keys.Order(GoText.CodePointComparer);
}

internal sealed class TimeValue(GoTime time) : TemplateValue
{
    public GoTime Time { get; } = time;
    public override string GoType => "time.Time";
    public override bool IsTrue => true;
}

/// <summary>The template's data, Docker's <c>*logger.Info</c>.</summary>
internal sealed class InfoValue(ContainerInfo info) : TemplateValue
{
    public ContainerInfo Info { get; } = info;
    public override string GoType => "*logger.Info";
    public override bool IsTrue => true;
}

/// <summary>
/// Go's nil and text/template's "no value" (a missing map key reached with field syntax). The two print
/// differently ("&lt;nil&gt;" through fmt, "&lt;no value&gt;" as an action's result) but behave alike otherwise.
/// </summary>
internal sealed class NilValue : TemplateValue
{
    public static readonly NilValue Instance = new();
    private NilValue() { }
    public override string GoType => "nil";
    public override bool IsTrue => false;
}
