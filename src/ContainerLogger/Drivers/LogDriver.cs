namespace ContainerLogger.Drivers;

/// <summary>
/// A destination. The host fills a batch with <see cref="TryAdd"/> and hands it over with <see cref="TryFlush"/>,
/// all on one thread. A batch that fails to flush is kept and flushed again after a backoff, so a record
/// leaves the host only once the destination has it. Neither path allocates once warmed up, failures included
/// (except where the runtime does: a TLS handshake, a name lookup), since 2,000 sidecars share a host.
/// </summary>
public abstract class LogDriver : IDisposable
{
    /// <summary>
    /// Encodes a record into the pending batch. Returns false, taking nothing, when the batch is full;
    /// an empty batch always takes a record.
    /// </summary>
    public abstract bool TryAdd(in LogRecord record);

    /// <summary>Records in the pending batch.</summary>
    public abstract int PendingCount { get; }

    /// <summary>
    /// Hands the pending batch to the destination, connecting if needed. True once all of it is handed over (the
    /// batch is then empty); false on failure, keeping whatever was not handed over, with <paramref name="failure"/>
    /// saying why (the host reports it and retries).
    /// </summary>
    public abstract bool TryFlush(out DeliveryFailure failure);

    /// <summary>The first wait after a failed flush; zero leaves it to the host (50 ms, doubling up to 1 s).</summary>
    public virtual TimeSpan FirstRetryDelay => TimeSpan.Zero;

    /// <summary>
    /// At shutdown, after the last flush: finish background work (the s3 driver's uploads) until
    /// <paramref name="deadlineMs"/> (an <see cref="Environment.TickCount64"/> value); what is not finished by then
    /// is the driver's to keep for the next start.
    /// </summary>
    public virtual void Complete(long deadlineMs) { }

    /// <summary>SIGHUP: reopen files, reconnect sockets.</summary>
    public virtual void Reopen() { }

    public virtual void Dispose() { }
}
