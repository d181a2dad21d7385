using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline;

/// <summary>
/// The one buffer between the readers and the driver: the memory ring, or the disk buffer. Readers append lines
/// (through <see cref="ILineSink"/>) under <see cref="Gate"/>; the sender reserves what is queued, reads it without
/// the lock into the driver's batch, commits, and once the destination has the batch says so with
/// <see cref="Delivered"/>.
/// </summary>
internal interface IRecordQueue : ILineSink, IDisposable
{
    /// <summary>The lock readers hold while framing a chunk.</summary>
    object Gate { get; }

    /// <summary>
    /// True while appended lines survive the process once <see cref="EndOfRead"/> returns (the disk buffer): a reader
    /// may then leave input it has not yet made durable in its pipe, for a restart to read again.
    /// </summary>
    bool Durable { get; }

    /// <summary>Reader side: the lines framed from one read are all appended; a disk buffer writes them out (and syncs, if asked to).</summary>
    void EndOfRead();

    /// <summary>No more lines will come (EOF on every input, or shutdown).</summary>
    void CompleteAdding();

    /// <summary>Shutdown began: waits for room end at this <see cref="Environment.TickCount64"/> time.</summary>
    void SetDeadline(long deadlineMs);

    long? DeadlineMs { get; }

    /// <summary>Wakes a waiting sender, say to reopen its destination.</summary>
    void Wake();

    /// <summary>Sleeps up to <paramref name="milliseconds"/>; shutdown and wake-ups end it early.</summary>
    void Sleep(int milliseconds);

    /// <summary>
    /// Sender side: waits until there is work, then reserves a run of queued lines [start, end). Returns false when
    /// there is nothing left to do: complete and empty, or the shutdown deadline passed. <paramref name="interrupted"/>
    /// ends the wait early (checked under the lock).
    /// </summary>
    bool Reserve(Func<bool> interrupted, out long start, out long end, out DropNotice notice);

    /// <summary>Reads the line at <paramref name="position"/> inside a reservation; no lock needed.</summary>
    LogRecord Read(long position, out long size);

    /// <summary>Ends a reservation: lines before <paramref name="position"/> are in the driver's batch now.</summary>
    void Commit(long position, long entries);

    /// <summary>The batch filled since the last call reached the destination: a disk buffer may forget it now.</summary>
    void Delivered();

    /// <summary>Counter fields of this buffer for the summary and SIGUSR1 (empty for the memory ring).</summary>
    void AppendCounters(System.Text.StringBuilder text);

    /// <summary>Lines this buffer still holds for a later run (the disk buffer's backlog), and those it found at start.</summary>
    long KeptLines { get; }
    long LeftoverLines { get; }
}
