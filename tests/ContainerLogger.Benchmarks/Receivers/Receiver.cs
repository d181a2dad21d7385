namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>A destination the logger under test writes to, counting what arrives into an <see cref="ArrivalLedger"/>.</summary>
internal abstract class Receiver : IDisposable
{
    /// <summary>The row label, e.g. "syslog/tcp".</summary>
    public abstract string Name { get; }

    /// <summary>The driver argument given to the logger.</summary>
    public abstract string Driver { get; }

    /// <summary>Whether every line must arrive in blocking mode: UDP has no flow control, so datagrams may be dropped by the kernel.</summary>
    public virtual bool Lossless => true;

    /// <summary>Driver options pointing the logger at this receiver (DOCKERLOG_CONFIG, before common options are added).</summary>
    public abstract IReadOnlyDictionary<string, string> LogOptions { get; }

    /// <summary>
    /// For a driver that takes lines in long before they reach the receiver (s3 stages them, then uploads every few
    /// seconds): counts them where they are taken in, from the logger's start; lines/s is measured there. Null: none.
    /// </summary>
    public virtual ArrivalLedger? StartIntake(long stdoutLines, long stderrLines) => null;

    /// <summary>Starts accepting and counting; called before the logger starts.</summary>
    public abstract void Start(ArrivalLedger ledger);

    /// <summary>
    /// Called once every line arrived, before the logger's CPU time is read: waits (at most <paramref name="limit"/>)
    /// for work the logger still does for lines already delivered.
    /// </summary>
    public virtual void Settle(TimeSpan limit)
    {
    }

    public abstract void Dispose();
}
