using System.Globalization;

namespace ContainerLogger.Files;

/// <summary>
/// The stamp of a rotated file, RFD 10's: YYYYmmddTHHMMSSZ, the UTC second of rotation, with _001 to _999 added only
/// when an earlier rotation took that second ('_' sorts after '.', so names sort in rotation order, with or without
/// .gz or .age). Stamps only grow: a rotation never reuses a name an earlier one (or an earlier run) had, even when
/// the clock went back. json-file's timestamp naming and the s3 driver's staged files are named with it.
/// </summary>
internal readonly record struct RotationStamp(long UnixSecond, int Counter) : IComparable<RotationStamp>
{
    private const string SecondFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int SecondLength = 16, CounterLength = 4;
    private const int MaxCounter = 999;
    /// <summary>The longest <see cref="Text"/>.</summary>
    public const int MaxLength = SecondLength + CounterLength;

    public DateTime Time => DateTime.UnixEpoch.AddSeconds(UnixSecond);

    /// <summary>20240102T030405Z or 20240102T030405Z_001.</summary>
    public string Text => Time.ToString(SecondFormat, CultureInfo.InvariantCulture) +
                          (Counter == 0 ? "" : "_" + Counter.ToString("D3", CultureInfo.InvariantCulture));

    /// <summary>Writes <see cref="Text"/> as ASCII into <paramref name="into"/> (at least <see cref="MaxLength"/> long), allocating nothing; returns its length.</summary>
    public int Write(Span<byte> into)
    {
        var time = Time;
        Digits(into, time.Year, 4);
        Digits(into[4..], time.Month, 2);
        Digits(into[6..], time.Day, 2);
        into[8] = (byte)'T';
        Digits(into[9..], time.Hour, 2);
        Digits(into[11..], time.Minute, 2);
        Digits(into[13..], time.Second, 2);
        into[15] = (byte)'Z';
        if (Counter == 0) return SecondLength;
        into[SecondLength] = (byte)'_';
        Digits(into[(SecondLength + 1)..], Counter, CounterLength - 1);
        return MaxLength;
    }

    /// <summary>The stamp of a rotation at <paramref name="utcNow"/>, later than <paramref name="last"/>.</summary>
    public static RotationStamp Next(RotationStamp? last, DateTime utcNow)
    {
        long second = (long)Math.Floor((utcNow - DateTime.UnixEpoch).TotalSeconds);
        if (last is not { } previous || second > previous.UnixSecond) return new RotationStamp(second, 0);
        // The same second again, or a clock that went back: count on from the last name rather than reuse one.
        return previous.Counter < MaxCounter ? previous with { Counter = previous.Counter + 1 } : new RotationStamp(previous.UnixSecond + 1, 0);
    }

    /// <summary>Reads a <see cref="Text"/> back; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out RotationStamp stamp)
    {
        stamp = default;
        int counter = 0;
        if (text.Length == MaxLength && text[SecondLength] == '_')
        {
            if (!int.TryParse(text[(SecondLength + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out counter) || counter == 0) return false;
            text = text[..SecondLength];
        }
        if (text.Length != SecondLength || !DateTime.TryParseExact(text, SecondFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            return false;
        stamp = new RotationStamp((long)(time - DateTime.UnixEpoch).TotalSeconds, counter);
        return true;
    }

    public int CompareTo(RotationStamp other) =>
        UnixSecond != other.UnixSecond ? UnixSecond.CompareTo(other.UnixSecond) : Counter.CompareTo(other.Counter);

    private static void Digits(Span<byte> into, int value, int count)
    {
        for (int i = count - 1; i >= 0; i--, value /= 10) into[i] = (byte)('0' + value % 10);
    }
}
