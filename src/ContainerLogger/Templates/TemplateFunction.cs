namespace ContainerLogger.Templates;

/// <summary>A function a template can call. The parser checks the argument count; the function checks types.</summary>
internal sealed record TemplateFunction(string Name, int MinArgs, int MaxArgs, Func<FunctionArguments, TemplateValue> Invoke)
{
    public const int Variadic = int.MaxValue;

    public string Arity => MinArgs == MaxArgs ? $"{MinArgs}" : MaxArgs == Variadic ? $"at least {MinArgs}" : $"{MinArgs} to {MaxArgs}";

    /// <summary>Docker's functions and the Go builtins a tag can use. Unknown names fail at parse time, as in Go.</summary>
    public static TemplateFunction? Find(string name) => ByName.GetValueOrDefault(name);

    public static string Names => string.Join(", ", ByName.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, TemplateFunction> ByName =
        DockerFunctions.All.Concat(GoBuiltins.All).ToDictionary(f => f.Name, StringComparer.Ordinal);
}

/// <summary>
/// A call's arguments, evaluated on first use: and/or stop at the first deciding value, as Go's do. The typed
/// getters check what Go checks when it converts an argument to the parameter type.
/// </summary>
internal sealed class FunctionArguments(int count, Func<int, TemplateValue> evaluate)
{
    private readonly TemplateValue?[] _values = new TemplateValue?[count];

    public int Count => count;

    public TemplateValue this[int index] => _values[index] ??= evaluate(index);

    public IReadOnlyList<TemplateValue> From(int first) => Enumerable.Range(first, count - first).Select(i => this[i]).ToArray();

    public string String(int index) => this[index] is StringValue s ? s.Value : throw WrongType(index, "string");

    public long Int(int index) => this[index] is IntValue n ? n.Value : throw WrongType(index, "int");

    public IReadOnlyList<string> List(int index) => this[index] is ListValue list ? list.Items : throw WrongType(index, "[]string");

    private FunctionException WrongType(int index, string expected) => new(this[index] is NilValue
        ? $"argument {index + 1} has no value; expected {expected}"
        : $"argument {index + 1} has type {this[index].GoType}; expected {expected}");
}
