namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>A receiver with the logger's disk buffer in front of it (buffer=disk in a directory of its own).</summary>
internal sealed class DiskBufferedReceiver(Receiver inner, string sync = "interval") : Receiver
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clbench-queue-").FullName;

    public override string Name => $"{inner.Name} disk" + (sync == "interval" ? "" : $" sync={sync}");
    public override string Driver => inner.Driver;
    public override bool Lossless => inner.Lossless;

    /// <summary>Where the queue is: a backlog run fills it, then replays it into another receiver.</summary>
    public string QueuePath => Path.Combine(_directory, "queue");

    public override IReadOnlyDictionary<string, string> LogOptions =>
        new Dictionary<string, string>(inner.LogOptions) { ["buffer"] = "disk", ["buffer-path"] = QueuePath, ["buffer-sync"] = sync };

    public override void Start(ArrivalLedger ledger) => inner.Start(ledger);

    public override void Settle(TimeSpan limit) => inner.Settle(limit);

    public override void Dispose()
    {
        inner.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
