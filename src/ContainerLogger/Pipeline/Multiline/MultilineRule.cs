using System.Text;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>What a line is to the record in progress.</summary>
internal enum LineVerdict : byte
{
    /// <summary>Part of the record (and so are the tentative lines before it).</summary>
    Continue,
    /// <summary>Part of the record only if a later line continues it (a blank line between Go goroutines, say).</summary>
    Tentative,
    /// <summary>Not part of it: the record ends before this line (and before any tentative lines).</summary>
    End,
    /// <summary>The record's last line: it is emitted with this line, without waiting for the next.</summary>
    Complete,
}

/// <summary>
/// One way of recognising a multi-line message: which line begins one, and which lines continue it. A rule is a
/// small state machine; its state (an int, 0 meaning "no record") lives in the stage, one per stream, so one rule
/// serves both streams. Rules look at bytes first and run their source-generated regexes only on lines that pass
/// those cheap checks, so ordinary lines cost a few byte comparisons.
/// </summary>
internal abstract class MultilineRule
{
    /// <summary>The state of a record that this line begins, or 0 when it begins none.</summary>
    public abstract int Begin(ReadOnlySpan<byte> line, LineText text);

    /// <summary>
    /// The verdict on the next line of a record in <paramref name="state"/>, which it updates.
    /// <paramref name="tentative"/> counts the tentative lines held just before this one.
    /// </summary>
    public abstract LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text);

    /// <summary>
    /// A line between an exception's first line and its first frame: the rest of a multi-line message, held
    /// tentatively (a frame confirms it), up to 8 lines before giving up on a frame following.
    /// </summary>
    protected static LineVerdict MessageLine(int tentative) => tentative < 8 ? LineVerdict.Tentative : LineVerdict.End;

    protected static bool IsBlank(ReadOnlySpan<byte> line) => line.IsEmpty || line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;

    protected static bool IsIndented(ReadOnlySpan<byte> line) => !line.IsEmpty && (line[0] == (byte)' ' || line[0] == (byte)'\t');

    /// <summary>A line of carets under the failing expression ("    ^" or "  ^^^^"), as Node and Ruby print them.</summary>
    protected static bool IsCaretLine(ReadOnlySpan<byte> line) => line.IndexOf((byte)'^') >= 0 && line.IndexOfAnyExcept(" \t^"u8) < 0;

    /// <summary>The bytes before the first space or colon: where a class name or a source path would be.</summary>
    protected static ReadOnlySpan<byte> FirstWord(ReadOnlySpan<byte> line)
    {
        int end = line.IndexOfAny((byte)' ', (byte)':');
        return end < 0 ? line : line[..end];
    }
}

/// <summary>A line decoded from UTF-8 for a regex (invalid bytes become U+FFFD), in one buffer reused for every line.</summary>
internal sealed class LineText
{
    private char[] _chars = new char[256];

    public ReadOnlySpan<char> Of(ReadOnlySpan<byte> line)
    {
        int most = Encoding.UTF8.GetMaxCharCount(line.Length);
        if (_chars.Length < most) _chars = new char[Math.Max(most, 2 * _chars.Length)];
        return _chars.AsSpan(0, Encoding.UTF8.GetChars(line, _chars));
    }
}
