namespace ContainerLogger.Text;

/// <summary>UTF-8 decoding by Go's rules (unicode/utf8.DecodeRune), which JSON encoders of Docker's drivers follow.</summary>
public static class Utf8Rune
{
    /// <summary>
    /// Length of the valid UTF-8 sequence that starts <paramref name="source"/> (1 to 4), or 0 when its first byte
    /// does not start one: a stray continuation byte, 0xC0/0xC1/0xF5-0xFF, an overlong form, a surrogate, a code
    /// point above U+10FFFF, or a sequence cut short. As in Go, an invalid sequence then consumes one byte.
    /// </summary>
    public static int ValidLength(ReadOnlySpan<byte> source)
    {
        byte first = source[0];
        if (first < 0x80) return 1;
        if (first < 0xC2 || first > 0xF4) return 0;
        if (first < 0xE0) return source.Length >= 2 && IsContinuation(source[1]) ? 2 : 0;

        // The second byte's range rules out overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
        byte low = first switch { 0xE0 => 0xA0, 0xF0 => 0x90, _ => 0x80 };
        byte high = first switch { 0xED => 0x9F, 0xF4 => 0x8F, _ => 0xBF };
        int length = first < 0xF0 ? 3 : 4;
        if (source.Length < length || source[1] < low || source[1] > high || !IsContinuation(source[2])) return 0;
        return length == 3 || IsContinuation(source[3]) ? length : 0;
    }

    private static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;
}
