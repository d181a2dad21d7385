using System.Text.RegularExpressions;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>multiline-start-regex: a matching line starts a record, any other line continues the current one.</summary>
internal sealed class StartRegexRule(Regex start) : MultilineRule
{
    public const int Started = 1;

    public bool Matches(ReadOnlySpan<byte> line, LineText text) => start.IsMatch(text.Of(line));

    public override int Begin(ReadOnlySpan<byte> line, LineText text) => Matches(line, text) ? Started : 0;

    public override LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text) =>
        Matches(line, text) ? LineVerdict.End : LineVerdict.Continue;
}
