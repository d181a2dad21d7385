using System.Text.RegularExpressions;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// Node.js errors. An uncaught exception starts with its code frame: "file:line", the source line and a caret
/// line (the source line is held tentatively until the caret confirms it); everything node prints after that,
/// up to its closing "Node.js vN" line, is the record. An error printed by the program (console.error) starts with
/// its "Name: message" line and continues with "    at" frames and the "{ ... }" block of its properties and cause.
/// </summary>
internal sealed partial class NodeRule : MultilineRule
{
    private const int SourceLine = 1, Caret = 2, Fatal = 3, Frames = 4, Properties = 5;

    public override int Begin(ReadOnlySpan<byte> line, LineText text)
    {
        if (line.IsEmpty) return 0;
        if (char.IsAsciiDigit((char)line[^1]) && line.IndexOfAny((byte)' ', (byte)'\t') < 0 && CodeFrameHeader().IsMatch(text.Of(line)))
            return SourceLine;
        var word = FirstWord(line);
        return line[0] is >= (byte)'A' and <= (byte)'Z' && (word.EndsWith("Error"u8) || word.EndsWith("Exception"u8))
            && ErrorLine().IsMatch(text.Of(line))
            ? Frames
            : 0;
    }

    public override LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text)
    {
        switch (state)
        {
            case SourceLine:
                state = Caret;
                return LineVerdict.Tentative;
            case Caret when IsCaretLine(line):
                state = Fatal;
                return LineVerdict.Continue;
            case Fatal:
                return line.StartsWith("Node.js v"u8) ? LineVerdict.Complete : LineVerdict.Continue;
            case Frames when FrameLine().IsMatch(text.Of(line)):
                if (line.EndsWith(" {"u8)) state = Properties;
                return LineVerdict.Continue;
            case Properties when line.SequenceEqual("}"u8):
                state = Frames;
                return LineVerdict.Continue;
            case Properties when IsIndented(line):
                return LineVerdict.Continue;
            default:
                return LineVerdict.End;
        }
    }

    /// <summary>"/app/server.js:12", "node:fs:573", "file:///app/main.mjs:3".</summary>
    [GeneratedRegex(@"^\S+:\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex CodeFrameHeader();

    /// <summary>"Error: boom", "TypeError [ERR_INVALID_ARG_TYPE]: ...", "DOMException [AbortError]: ...".</summary>
    [GeneratedRegex(@"^(?:[A-Z][\w$]*)?(?:Error|Exception)(?: \[[^\]]+\])?(?:: .*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"^\s+(?:at \S.*|\.\.\. \d+ lines? matching cause stack trace \.\.\.)$", RegexOptions.CultureInvariant)]
    private static partial Regex FrameLine();
}
