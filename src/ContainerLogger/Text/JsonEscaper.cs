using System.Buffers;

namespace ContainerLogger.Text;

/// <summary>
/// JSON string escapers over UTF-8 bytes; they write the string's content, not its quotes. Runs of bytes that
/// need nothing are found with a vectorized search and copied whole, so a plain ASCII line costs one search and
/// one copy. Invalid UTF-8 follows Go's utf8.DecodeRune: each byte that does not start a valid sequence
/// (overlong forms, surrogates, truncated sequences included) becomes \ufffd on its own.
/// </summary>
public static class JsonEscaper
{
    /// <summary>The most one source byte can grow to: a control byte becomes \u00XX, an invalid byte \ufffd.</summary>
    public const int MaxExpansion = 6;

    // Both styles pass the same bytes through: printable ASCII (DEL included) except " \ < > &.
    private static readonly SearchValues<byte> NeedsAttention = SearchValues.Create(BytesNeedingAttention());

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>
    /// Docker json-file's escaper (jsonlog): LF and CR as \n \r, every other control byte (tab included) as
    /// \u00XX, &lt; &gt; &amp; as \u003c \u003e \u0026, U+2028/U+2029 escaped, invalid bytes \ufffd.
    /// </summary>
    /// <returns>Bytes written; <paramref name="destination"/> needs <see cref="MaxExpansion"/> bytes per source byte.</returns>
    public static int EscapeDocker(ReadOnlySpan<byte> source, Span<byte> destination) => Escape(source, destination, goShortEscapes: false);

    /// <summary>
    /// Go encoding/json (with its default HTML escaping), Go 1.22 and later: \b \f \n \r \t short, other
    /// control bytes \u00XX, otherwise as <see cref="EscapeDocker"/>.
    /// </summary>
    public static int EscapeGo(ReadOnlySpan<byte> source, Span<byte> destination) => Escape(source, destination, goShortEscapes: true);

    private static int Escape(ReadOnlySpan<byte> source, Span<byte> destination, bool goShortEscapes)
    {
        int written = 0;
        while (true)
        {
            int plain = source.IndexOfAny(NeedsAttention);
            if (plain < 0)
            {
                source.CopyTo(destination.Slice(written));
                return written + source.Length;
            }
            source.Slice(0, plain).CopyTo(destination.Slice(written));
            written += plain;
            source = source.Slice(plain);
            if (source[0] < 0x80)
            {
                written += EscapeAscii(source[0], destination.Slice(written), goShortEscapes);
                source = source.Slice(1);
            }
            else
            {
                int consumed = EscapeNonAscii(source, destination.Slice(written), out int produced);
                written += produced;
                source = source.Slice(consumed);
            }
        }
    }

    private static int EscapeAscii(byte b, Span<byte> destination, bool goShortEscapes)
    {
        byte shortForm = b switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'\n' => (byte)'n',
            (byte)'\r' => (byte)'r',
            (byte)'\t' when goShortEscapes => (byte)'t',
            (byte)'\b' when goShortEscapes => (byte)'b',
            (byte)'\f' when goShortEscapes => (byte)'f',
            _ => 0,
        };
        destination[0] = (byte)'\\';
        if (shortForm != 0)
        {
            destination[1] = shortForm;
            return 2;
        }
        destination[1] = (byte)'u';
        destination[2] = (byte)'0';
        destination[3] = (byte)'0';
        destination[4] = Hex[b >> 4];
        destination[5] = Hex[b & 0xF];
        return 6;
    }

    /// <summary>Handles the run of non-ASCII bytes at the start of <paramref name="source"/>; returns how many it consumed.</summary>
    private static int EscapeNonAscii(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        int start = 0, i = 0;
        while (i < source.Length && source[i] >= 0x80)
        {
            int size = Utf8Rune.ValidLength(source.Slice(i));
            bool separator = size == 3 && source[i] == 0xE2 && source[i + 1] == 0x80 && (source[i + 2] == 0xA8 || source[i + 2] == 0xA9);
            if (size != 0 && !separator)
            {
                i += size;
                continue;
            }
            source.Slice(start, i - start).CopyTo(destination.Slice(written));
            written += i - start;
            // U+2028 / U+2029 end lines in JavaScript; both escapers spell them \u2028 \u2029.
            var escape = separator ? (source[i + 2] == 0xA8 ? "\\u2028"u8 : "\\u2029"u8) : "\\ufffd"u8;
            escape.CopyTo(destination.Slice(written));
            written += escape.Length;
            i += separator ? 3 : 1;
            start = i;
        }
        source.Slice(start, i - start).CopyTo(destination.Slice(written));
        written += i - start;
        return i;
    }

    private static byte[] BytesNeedingAttention()
    {
        var bytes = new List<byte> { (byte)'"', (byte)'\\', (byte)'<', (byte)'>', (byte)'&' };
        for (int b = 0; b < 0x20; b++) bytes.Add((byte)b);
        for (int b = 0x80; b <= 0xFF; b++) bytes.Add((byte)b);
        return [.. bytes];
    }
}
