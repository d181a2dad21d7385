namespace ContainerLogger.Templates;

/// <summary>Where something starts in the template text, 1-based, for error messages.</summary>
internal readonly record struct TextPosition(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}

internal static class TemplateError
{
    /// <summary>Parse and execution errors are FormatExceptions: the configuration reports them as a bad tag value.</summary>
    public static FormatException At(TextPosition position, string message) => new($"{position}: {message}");
}

/// <summary>A template function's failure; the evaluator adds the function's name and position.</summary>
internal sealed class FunctionException(string message) : Exception(message);
