namespace ContainerLogger.Storage;

/// <summary>One segment file of the disk buffer as the queue tracks it (under the queue's lock).</summary>
internal sealed class QueueSegment(long number, string path, long size, bool fromEarlierRun)
{
    public long Number { get; } = number;
    public string Path { get; } = path;
    /// <summary>Bytes in the file that readers may read: the header and every record written so far.</summary>
    public long Size { get; set; } = size;
    /// <summary>Where the line records end: before the seal of a sealed segment, else <see cref="Size"/>.</summary>
    public long LinesEnd
    {
        get => _linesEnd ?? Size;
        set => _linesEnd = value;
    }

    private long? _linesEnd;

    /// <summary>No more records will be added: the writer moved on, or the segment is left from an earlier run.</summary>
    public bool Sealed { get; set; } = fromEarlierRun;
    public bool FromEarlierRun { get; } = fromEarlierRun;
    /// <summary>Every line record in the segment.</summary>
    public StreamTotals Lines;
    /// <summary>Line records the sender took into batches (from an earlier run: those its cursor had passed).</summary>
    public StreamTotals Taken;

    public override string ToString() => System.IO.Path.GetFileName(Path);
}
