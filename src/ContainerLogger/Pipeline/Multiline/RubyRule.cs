using System.Text.RegularExpressions;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// Ruby backtraces as the interpreter prints an uncaught exception (and Exception#full_message): "path:line:in
/// `method': message (Class)", then "\tfrom" lines and "\t ... N levels..."; the cause's backtrace follows in the
/// same shape and joins the record. Lines between the first line and the first "from" (the rest of a multi-line
/// message, error_highlight's code and caret, "Did you mean?") are held tentatively until a caret, a suggestion or
/// a "from" line confirms them.
/// </summary>
internal sealed partial class RubyRule : MultilineRule
{
    private const int Header = 1, Frames = 2;

    public override int Begin(ReadOnlySpan<byte> line, LineText text)
    {
        int space = line.IndexOf((byte)' ');
        return space > 4 && line[..space].EndsWith(":in"u8) && FirstLine().IsMatch(text.Of(line)) ? Header : 0;
    }

    public override LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text)
    {
        if (line.StartsWith("\t"u8) && FromLine().IsMatch(text.Of(line)))
        {
            state = Frames;
            return LineVerdict.Continue;
        }
        if (Begin(line, text) != 0)
        {
            state = Header;
            return LineVerdict.Continue;
        }
        if (state != Header) return LineVerdict.End;
        if (line.StartsWith("Did you mean?"u8) || IsCaretLine(line)) return LineVerdict.Continue;
        return MessageLine(tentative);
    }

    /// <summary>"app.rb:3:in `parse': message (ArgumentError)"; Ruby 3.4 quotes with ' and names the class ('Object#parse').</summary>
    [GeneratedRegex(@"^\S+:\d+:in [`'].*$", RegexOptions.CultureInvariant)]
    private static partial Regex FirstLine();

    [GeneratedRegex(@"^\t(?:from \S+:\d+:in .*| \.\.\. \d+ levels\.\.\.)$", RegexOptions.CultureInvariant)]
    private static partial Regex FromLine();
}
