namespace ContainerLogger.Text;

/// <summary>Go's RFC 3339 time layouts written as UTF-8, for UTC times given as <see cref="DateTime.Ticks"/>.</summary>
public static class Rfc3339
{
    /// <summary>Longest <see cref="FormatNano"/> output: 2006-01-02T15:04:05.1234567Z.</summary>
    public const int MaxNanoLength = 28;

    /// <summary>
    /// Go's RFC3339Nano in UTC: the fraction's trailing zeros are trimmed and a whole second has none
    /// (…05.123456789Z, …05.12Z, …05Z). Ticks are 100 ns, so at most 7 fractional digits.
    /// </summary>
    /// <returns>Bytes written, at most <see cref="MaxNanoLength"/>.</returns>
    public static int FormatNano(long ticks, Span<byte> destination)
    {
        new DateTime(ticks, DateTimeKind.Utc).Deconstruct(out int year, out int month, out int day);
        long ofDay = ticks % TimeSpan.TicksPerDay;
        int seconds = (int)(ofDay / TimeSpan.TicksPerSecond);
        int fraction = (int)(ofDay % TimeSpan.TicksPerSecond);

        WriteDigits(destination, 0, year, 4);
        destination[4] = (byte)'-';
        WriteDigits(destination, 5, month, 2);
        destination[7] = (byte)'-';
        WriteDigits(destination, 8, day, 2);
        destination[10] = (byte)'T';
        WriteDigits(destination, 11, seconds / 3600, 2);
        destination[13] = (byte)':';
        WriteDigits(destination, 14, seconds / 60 % 60, 2);
        destination[16] = (byte)':';
        WriteDigits(destination, 17, seconds % 60, 2);
        int length = 19;
        if (fraction != 0)
        {
            int digits = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            destination[length++] = (byte)'.';
            WriteDigits(destination, length, fraction, digits);
            length += digits;
        }
        destination[length++] = (byte)'Z';
        return length;
    }

    private static void WriteDigits(Span<byte> destination, int at, int value, int count)
    {
        for (int i = at + count - 1; i >= at; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
