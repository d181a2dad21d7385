using System.Text.RegularExpressions;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// Python tracebacks as CPython 3 prints them: "Traceback (most recent call last):", indented frames (with 3.11's
/// carets), the exception line; chained exceptions ("During handling of the above exception..." and "The above
/// exception was the direct cause...") between blank lines; a SyntaxError's location block without a Traceback
/// header; exception groups ("  + Exception Group Traceback", whose "|" and "+-+---" lines are all indented and
/// hold the exception lines). A header must be followed by an indented line. The exception line ends the record
/// unless a chain follows, so the second line of a multi-line exception message is a record of its own.
/// </summary>
internal sealed partial class PythonRule : MultilineRule
{
    private const int Header = 1, GroupHeader = 2, Frames = 3, GroupFrames = 4, ExceptionLine = 5, BlankAfterException = 6,
        ChainMessage = 7, BlankAfterChain = 8;

    public override int Begin(ReadOnlySpan<byte> line, LineText text)
    {
        // Byte comparisons first: an ordinary line ("The server …") is neither decoded nor matched.
        if (line.SequenceEqual("Traceback (most recent call last):"u8)) return Header;
        if (line.SequenceEqual("  + Exception Group Traceback (most recent call last):"u8)) return GroupHeader;
        return line.StartsWith("  File \""u8) && FileLine().IsMatch(text.Of(line)) ? Header : 0;
    }

    public override LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text)
    {
        switch (state)
        {
            case Header or GroupHeader or Frames or GroupFrames when IsIndented(line):
                state = state is Header or Frames ? Frames : GroupFrames;
                return LineVerdict.Continue;
            case Frames or GroupFrames or ExceptionLine when IsBlank(line):
                state = BlankAfterException;
                return LineVerdict.Tentative;
            case Frames:
                state = ExceptionLine;
                return LineVerdict.Continue;
            case BlankAfterException when line.Length > 60 && Chain().IsMatch(text.Of(line)):
                state = ChainMessage;
                return LineVerdict.Continue;
            case ChainMessage when line.IsEmpty:
                state = BlankAfterChain;
                return LineVerdict.Continue;
            case BlankAfterChain when Begin(line, text) is var header and not 0:
                state = header;
                return LineVerdict.Continue;
            default:
                return LineVerdict.End;
        }
    }

    [GeneratedRegex(@"^  File "".*"", line \d+$", RegexOptions.CultureInvariant)]
    private static partial Regex FileLine();

    [GeneratedRegex(@"^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$", RegexOptions.CultureInvariant)]
    private static partial Regex Chain();
}
