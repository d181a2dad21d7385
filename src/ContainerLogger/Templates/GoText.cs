using System.Text;
using ContainerLogger.Text;

namespace ContainerLogger.Templates;

/// <summary>
/// Go's string semantics over .NET strings. A Go string is UTF-8 bytes: len, slicing, indexing and truncate count
/// bytes, and ordering is bytewise. Cutting inside a multi-byte character leaves bytes that are not UTF-8; a .NET
/// string cannot hold them, so each becomes U+FFFD, which is also what Go's JSON encoders make of them.
/// </summary>
internal static class GoText
{
    /// <summary>Go's string order. UTF-8 byte order is code point order; UTF-16 order differs past the surrogates.</summary>
    public static readonly IComparer<string> CodePointComparer = Comparer<string>.Create(CompareCodePoints);

    public static int CompareCodePoints(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            bool hasLeft = left.MoveNext(), hasRight = right.MoveNext();
            if (!hasLeft || !hasRight) return hasLeft == hasRight ? 0 : hasLeft ? 1 : -1;
            int order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0) return order;
        }
    }

    public static int ByteLength(string s) => Encoding.UTF8.GetByteCount(s);

    public static byte ByteAt(string s, int index) => Encoding.UTF8.GetBytes(s)[index];

    /// <summary>Go's <c>s[start:end]</c>, in bytes.</summary>
    public static string ByteSlice(string s, int start, int end) => FromUtf8(Encoding.UTF8.GetBytes(s).AsSpan(start, end - start));

    /// <summary>Decodes like Go's utf8.DecodeRune: each byte that does not start a valid sequence becomes one U+FFFD.</summary>
    public static string FromUtf8(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            int length = Utf8Rune.ValidLength(bytes);
            if (length == 0)
            {
                text.Append('\uFFFD');
                length = 1;
            }
            else
            {
                text.Append(Encoding.UTF8.GetString(bytes[..length]));
            }
            bytes = bytes[length..];
        }
        return text.ToString();
    }

    /// <summary>strings.Split: an empty separator splits after each character, and an empty string then gives no parts.</summary>
    public static IReadOnlyList<string> Split(string s, string separator) =>
        separator.Length == 0 ? s.EnumerateRunes().Select(r => r.ToString()).ToArray() : s.Split(separator);

    /// <summary>strings.ToUpper: unicode.ToUpper on each character.</summary>
    public static string ToUpper(string s) => MapRunes(s, static (r, _) => ToUpper(r));

    /// <summary>strings.ToLower: unicode.ToLower on each character.</summary>
    public static string ToLower(string s) => MapRunes(s, static (r, _) => ToLower(r));

    /// <summary>strings.Title: unicode.ToTitle on each letter that follows a separator or starts the string.</summary>
    public static string Title(string s) => MapRunes(s, static (r, previous) => IsWordSeparator(previous) ? ToTitle(r) : r);

    // .NET's invariant casing leaves dotless i, dotted I and long s alone; Go's unicode tables map them to ASCII.
    private static Rune ToUpper(Rune r) => r.Value switch
    {
        0x0131 => new Rune('I'),
        0x017F => new Rune('S'),
        _ => Rune.ToUpperInvariant(r),
    };

    private static Rune ToLower(Rune r) => r.Value == 0x0130 ? new Rune('i') : Rune.ToLowerInvariant(r);

    // Title case equals upper case except for the Latin digraphs (DŽ Dž dž → Dž) and Georgian letters, which have
    // upper-case forms but are their own title case.
    private static Rune ToTitle(Rune r) => r.Value switch
    {
        >= 0x01C4 and <= 0x01C6 => new Rune(0x01C5),
        >= 0x01C7 and <= 0x01C9 => new Rune(0x01C8),
        >= 0x01CA and <= 0x01CC => new Rune(0x01CB),
        >= 0x01F1 and <= 0x01F3 => new Rune(0x01F2),
        (>= 0x10D0 and <= 0x10FA) or (>= 0x10FD and <= 0x10FF) => r,
        _ => ToUpper(r),
    };

    /// <summary>strings.Title's isSeparator: ASCII other than letters, digits and '_', and Unicode white space.</summary>
    private static bool IsWordSeparator(Rune r)
    {
        if (r.IsAscii) return !(Rune.IsLetterOrDigit(r) || r.Value == '_');
        if (Rune.IsLetter(r) || Rune.GetUnicodeCategory(r) == System.Globalization.UnicodeCategory.DecimalDigitNumber) return false;
        return Rune.IsWhiteSpace(r);
    }

    private static string MapRunes(string s, Func<Rune, Rune, Rune> map)
    {
        var text = new StringBuilder(s.Length);
        var previous = new Rune(' ');
        Span<char> buffer = stackalloc char[2];
        foreach (var r in s.EnumerateRunes())
        {
            int length = map(r, previous).EncodeToUtf16(buffer);
            text.Append(buffer[..length]);
            previous = r;
        }
        return text.ToString();
    }
}
