using ContainerLogger.Files;

namespace ContainerLogger.Drivers.S3;

/// <summary>Lines and bytes of each stream in a staged file, for the dropped counters if it is ever dropped.</summary>
internal sealed class StreamTally
{
    private readonly long[] _lines = new long[2];
    private readonly long[] _bytes = new long[2];

    public void Add(LogStream stream, int lineBytes)
    {
        _lines[(int)stream]++;
        _bytes[(int)stream] += lineBytes;
    }

    public long Lines(LogStream stream) => _lines[(int)stream];
    public long Bytes(LogStream stream) => _bytes[(int)stream];
}

/// <summary>
/// A rotated file waiting for upload: the plain records (stdio.log.&lt;stamp&gt;) and, once compressed, its object
/// (stdio.log.&lt;stamp&gt;.gz, or .gz.age when encrypted; complete: it is renamed into place only after it was synced).
/// </summary>
internal sealed class StagedFile(string directory, RotationStamp stamp, string objectSuffix, long plainBytes, long objectBytes, StreamTally? tally)
{
    public const string GzipSuffix = ".gz", EncryptedSuffix = ".gz.age", PartialSuffix = ".tmp";
    private const string NamePrefix = "stdio.log.";

    /// <summary>stdio.log.20240102T030405Z or stdio.log.20240102T030405Z_001.</summary>
    public static string FileName(RotationStamp stamp) => NamePrefix + stamp.Text;

    /// <summary>RFD 10's object key: &lt;prefix&gt;/YYYY/mm/dd/HH/&lt;file name&gt;&lt;suffix&gt; (.gz, or .gz.age when encrypted).</summary>
    public static string ObjectKey(RotationStamp stamp, string prefix, string suffix = GzipSuffix) =>
        $"{prefix}/{stamp.Time.ToString("yyyy'/'MM'/'dd'/'HH", System.Globalization.CultureInfo.InvariantCulture)}/{FileName(stamp)}{suffix}";

    /// <summary>Reads a <see cref="FileName"/> back; false for any other name.</summary>
    public static bool TryParseFileName(ReadOnlySpan<char> name, out RotationStamp stamp)
    {
        stamp = default;
        return name.StartsWith(NamePrefix, StringComparison.Ordinal) && RotationStamp.TryParse(name[NamePrefix.Length..], out stamp);
    }

    public RotationStamp Stamp { get; } = stamp;
    public string PlainPath { get; } = Path.Combine(directory, FileName(stamp));
    public string ObjectSuffix { get; } = objectSuffix;
    public string ObjectPath => PlainPath + ObjectSuffix;
    /// <summary>Where the object is written before it is complete; removed at start, never uploaded.</summary>
    public string PartialObjectPath => ObjectPath + PartialSuffix;
    public long PlainBytes { get; set; } = plainBytes;
    public long ObjectBytes { get; set; } = objectBytes;
    /// <summary>Per stream lines of this run; null for a file an earlier run left.</summary>
    public StreamTally? Tally { get; } = tally;
    /// <summary>An upload attempt is running: the file is not dropped under it.</summary>
    public bool InFlight { get; set; }
    public bool HasObject => ObjectBytes > 0;
    public long DiskBytes => PlainBytes + ObjectBytes;
}
