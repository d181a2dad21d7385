namespace ContainerLogger.Crypto;

/// <summary>
/// Bech32 decoding (BIP 173) as the age spec uses it for age1... recipients: no length limit, all lower or all
/// upper case, the checksum computed over the lower-case string.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private const int ChecksumLength = 6;

    /// <summary>Returns the data bytes and the human-readable part; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static byte[] Decode(string text, out string hrp)
    {
        bool hasLower = text.Any(char.IsAsciiLetterLower), hasUpper = text.Any(char.IsAsciiLetterUpper);
        if (hasLower && hasUpper) throw new FormatException("mixed upper and lower case");
        string s = text.ToLowerInvariant();
        int separator = s.LastIndexOf('1');
        if (separator < 1 || s.Length - separator - 1 < ChecksumLength)
            throw new FormatException("no bech32 separator and checksum");
        hrp = s[..separator];
        foreach (char c in hrp)
            if (c < 33 || c > 126) throw new FormatException("invalid character in the prefix");
        var values = new byte[s.Length - separator - 1];
        for (int i = 0; i < values.Length; i++)
        {
            int v = Charset.IndexOf(s[separator + 1 + i]);
            if (v < 0) throw new FormatException("invalid bech32 character");
            values[i] = (byte)v;
        }
        if (Polymod(hrp, values) != 1) throw new FormatException("bad bech32 checksum");
        return FiveToEightBits(values.AsSpan(0, values.Length - ChecksumLength));
    }

    private static uint Polymod(string hrp, ReadOnlySpan<byte> values)
    {
        uint checksum = 1;
        foreach (char c in hrp) checksum = Step(checksum, (byte)(c >> 5));
        checksum = Step(checksum, 0);
        foreach (char c in hrp) checksum = Step(checksum, (byte)(c & 31));
        foreach (byte v in values) checksum = Step(checksum, v);
        return checksum;
    }

    private static uint Step(uint checksum, byte value)
    {
        uint top = checksum >> 25;
        checksum = ((checksum & 0x1FFFFFF) << 5) ^ value;
        if ((top & 1) != 0) checksum ^= 0x3B6A57B2;
        if ((top & 2) != 0) checksum ^= 0x26508E6D;
        if ((top & 4) != 0) checksum ^= 0x1EA119FA;
        if ((top & 8) != 0) checksum ^= 0x3D4233DD;
        if ((top & 16) != 0) checksum ^= 0x2A1462B3;
        return checksum;
    }

    /// <summary>Regroups 5-bit values into bytes; the leftover bits must be fewer than 5 and zero (BIP 173).</summary>
    private static byte[] FiveToEightBits(ReadOnlySpan<byte> values)
    {
        var bytes = new byte[values.Length * 5 / 8];
        int accumulator = 0, bits = 0, n = 0;
        foreach (byte v in values)
        {
            accumulator = (accumulator << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes[n++] = (byte)(accumulator >> bits);
            }
        }
        if (bits >= 5 || (accumulator & ((1 << bits) - 1)) != 0) throw new FormatException("invalid bech32 padding");
        return bytes;
    }
}
