using System.Text.RegularExpressions;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// JVM stack traces as Throwable.printStackTrace prints them (Java, Kotlin, Scala alike): the exception line (a
/// qualified class name, or "Exception in thread "name" "), "\tat" frames, "\t... N more", "Caused by:" and
/// indented "Suppressed:" traces. Lines between an exception line and its first frame are the rest of a multi-line
/// message: held tentatively, kept once a frame follows.
/// </summary>
internal sealed partial class JavaRule : MultilineRule
{
    private const int Header = 1, Frames = 2;

    public override int Begin(ReadOnlySpan<byte> line, LineText text)
    {
        if (line.IsEmpty || !char.IsAsciiLetter((char)line[0])) return 0;
        if (!line.StartsWith("Exception in thread \""u8))
        {
            // A qualified class name up to the first space or colon, naming an exception type.
            var word = FirstWord(line);
            if (word.IndexOf((byte)'.') < 0 || (word.IndexOf("Exception"u8) < 0 && word.IndexOf("Error"u8) < 0 && word.IndexOf("Throwable"u8) < 0))
                return 0;
        }
        return ExceptionLine().IsMatch(text.Of(line)) ? Header : 0;
    }

    public override LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text)
    {
        var chars = text.Of(line);
        if (FrameLine().IsMatch(chars))
        {
            state = Frames;
            return LineVerdict.Continue;
        }
        if (CauseLine().IsMatch(chars))
        {
            state = Header;
            return LineVerdict.Continue;
        }
        return state == Header ? MessageLine(tentative) : LineVerdict.End;
    }

    [GeneratedRegex(@"^(?:Exception in thread ""[^""]*"" [\w$.]+|(?:[\w$]+\.)+[\w$]*(?:Exception|Error|Throwable)[\w$]*)(?:: .*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionLine();

    [GeneratedRegex(@"^\s+(?:at \S.*|\.\.\. \d+ (?:more|common frames omitted))$", RegexOptions.CultureInvariant)]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"^\s*(?:Caused by|Suppressed|Wrapped by): \S.*$", RegexOptions.CultureInvariant)]
    private static partial Regex CauseLine();
}
