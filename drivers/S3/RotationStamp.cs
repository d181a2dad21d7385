using System.Globalization;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// The name of a rotated file, RFD 10's: stdio.log.YYYYmmddTHHMMSSZ, the UTC second of rotation, with _001 to _999
/// added only when an earlier rotation took that second ('_' sorts after '.', so names sort in rotation order,
/// with or without .gz). Stamps only grow: a rotation never reuses a name an earlier one (or an earlier run) had,
/// so an object is never overwritten by a different one.
/// </summary>
internal readonly record struct RotationStamp(long UnixSecond, int Counter) : IComparable<RotationStamp>
{
    public const string Prefix = "stdio.log.";
    private const string SecondFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int MaxCounter = 999;

    public DateTime Time => DateTime.UnixEpoch.AddSeconds(UnixSecond);

    /// <summary>stdio.log.20240102T030405Z or stdio.log.20240102T030405Z_001.</summary>
    public string FileName => Prefix + Time.ToString(SecondFormat, CultureInfo.InvariantCulture) +
                              (Counter == 0 ? "" : "_" + Counter.ToString("D3", CultureInfo.InvariantCulture));

    /// <summary>RFD 10's object key: &lt;prefix&gt;/YYYY/mm/dd/HH/&lt;file name&gt;&lt;suffix&gt; (.gz, or .gz.age when encrypted).</summary>
    public string ObjectKey(string prefix, string suffix = StagedFile.GzipSuffix) =>
        $"{prefix}/{Time.ToString("yyyy'/'MM'/'dd'/'HH", CultureInfo.InvariantCulture)}/{FileName}{suffix}";

    /// <summary>The stamp of a rotation at <paramref name="utcNow"/>, later than <paramref name="last"/>.</summary>
    public static RotationStamp Next(RotationStamp? last, DateTime utcNow)
    {
        long second = (long)Math.Floor((utcNow - DateTime.UnixEpoch).TotalSeconds);
        if (last is not { } previous || second > previous.UnixSecond) return new RotationStamp(second, 0);
        // The same second again, or a clock that went back: count on from the last name rather than reuse one.
        return previous.Counter < MaxCounter ? previous with { Counter = previous.Counter + 1 } : new RotationStamp(previous.UnixSecond + 1, 0);
    }

    /// <summary>Reads a <see cref="FileName"/> back; false for any other name.</summary>
    public static bool TryParse(ReadOnlySpan<char> fileName, out RotationStamp stamp)
    {
        stamp = default;
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = fileName[Prefix.Length..];
        int counter = 0;
        if (rest.Length == 20 && rest[16] == '_')
        {
            if (!int.TryParse(rest[17..], NumberStyles.None, CultureInfo.InvariantCulture, out counter) || counter == 0) return false;
            rest = rest[..16];
        }
        if (rest.Length != 16 || !DateTime.TryParseExact(rest, SecondFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            return false;
        stamp = new RotationStamp((long)(time - DateTime.UnixEpoch).TotalSeconds, counter);
        return true;
    }

    public int CompareTo(RotationStamp other) =>
        UnixSecond != other.UnixSecond ? UnixSecond.CompareTo(other.UnixSecond) : Counter.CompareTo(other.Counter);
}
