using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline;

/// <summary>
/// What happened to the lines, for the exit summary and SIGUSR1. A line longer than max-line-size counts
/// once per piece. With multiline, delivered and dropped count records: a record of n lines adds n - 1 to joined
/// (a record cut into p pieces takes p - 1 back). undelivered = read + left by an earlier run - joined - delivered
/// - dropped - kept on disk for the next run. gc.allocated.bytes and gc.collections say what the process allocated on
/// its managed heap since it started and how many collections that took: flat while lines flow (issue 15).
/// </summary>
internal sealed class Counters
{
    private readonly long[] _readLines = new long[2];
    private readonly long[] _readBytes = new long[2];
    private readonly long[] _droppedLines = new long[2];
    private readonly long[] _droppedBytes = new long[2];
    private long _delivered;
    private long _joined;
    private long _retried;

    public void AddRead(LogStream stream, long lines, long bytes)
    {
        Interlocked.Add(ref _readLines[(int)stream], lines);
        Interlocked.Add(ref _readBytes[(int)stream], bytes);
    }

    public void AddDropped(LogStream stream, long lines, long bytes)
    {
        Interlocked.Add(ref _droppedLines[(int)stream], lines);
        Interlocked.Add(ref _droppedBytes[(int)stream], bytes);
    }

    public void AddDelivered(long lines) => Interlocked.Add(ref _delivered, lines);
    public void AddRetried() => Interlocked.Increment(ref _retried);
    public void AddJoined(long lines) => Interlocked.Add(ref _joined, lines);

    public long ReadLines(LogStream s) => Volatile.Read(ref _readLines[(int)s]);
    public long DroppedLines(LogStream s) => Volatile.Read(ref _droppedLines[(int)s]);
    public long Delivered => Volatile.Read(ref _delivered);
    public long Joined => Volatile.Read(ref _joined);

    /// <summary>The run's buffer, whose backlog (the disk buffer's) is neither delivered nor lost.</summary>
    public IRecordQueue? Queue { get; set; }

    public long Undelivered =>
        ReadLines(LogStream.Stdout) + ReadLines(LogStream.Stderr) + (Queue?.LeftoverLines ?? 0) - Joined
        - Delivered - DroppedLines(LogStream.Stdout) - DroppedLines(LogStream.Stderr) - (Queue?.KeptLines ?? 0);

    /// <summary>One line of key=value pairs, stable so that platforms can parse it; the disk buffer adds its own at the end.</summary>
    public string Format(string label)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"{label} read.stdout.lines={ReadLines(LogStream.Stdout)} read.stdout.bytes={Volatile.Read(ref _readBytes[0])} ");
        text.Append($"read.stderr.lines={ReadLines(LogStream.Stderr)} read.stderr.bytes={Volatile.Read(ref _readBytes[1])} ");
        text.Append($"delivered={Delivered} dropped.stdout.lines={DroppedLines(LogStream.Stdout)} dropped.stdout.bytes={Volatile.Read(ref _droppedBytes[0])} ");
        text.Append($"dropped.stderr.lines={DroppedLines(LogStream.Stderr)} dropped.stderr.bytes={Volatile.Read(ref _droppedBytes[1])} ");
        text.Append($"retried={Volatile.Read(ref _retried)} undelivered={Undelivered} multiline.joined={Joined} ");
        text.Append($"gc.allocated.bytes={GC.GetTotalAllocatedBytes(precise: true)} gc.collections={GC.CollectionCount(0)}");
        Queue?.AppendCounters(text);
        return text.ToString();
    }
}
