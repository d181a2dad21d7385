using ContainerLogger.Pipeline;

namespace ContainerLogger.Drivers;

/// <summary>
/// Lines a driver gave up on without a retry (a UDP datagram the kernel refused, a message too large for the
/// protocol): counted as dropped for their stream, so no loss is silent, and not as delivered.
/// </summary>
public sealed class DriverLosses
{
    private readonly Counters _counters;
    private long _sinceLastFlush;

    internal DriverLosses(Counters counters) => _counters = counters;

    /// <summary>One line of <paramref name="bytes"/> bytes from the current batch is lost.</summary>
    public void Lost(LogStream stream, int bytes)
    {
        _counters.AddDropped(stream, 1, bytes);
        Interlocked.Increment(ref _sinceLastFlush);
    }

    /// <summary>
    /// Lines already handed over and counted as delivered that were given up on later (s3's oldest staged file,
    /// dropped to bound the backlog): counted as dropped, and taken off delivered at the next flush.
    /// </summary>
    public void Lost(LogStream stream, long lines, long bytes)
    {
        _counters.AddDropped(stream, lines, bytes);
        Interlocked.Add(ref _sinceLastFlush, lines);
    }

    /// <summary>Losses since the last call: the sender takes them off the batch it counts as delivered.</summary>
    internal long TakeSinceLastFlush() => Interlocked.Exchange(ref _sinceLastFlush, 0);
}
