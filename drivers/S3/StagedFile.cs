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

    public RotationStamp Stamp { get; } = stamp;
    public string PlainPath { get; } = Path.Combine(directory, stamp.FileName);
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
