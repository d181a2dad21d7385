using System.Diagnostics;
using ContainerLogger.Benchmarks.Receivers;

namespace ContainerLogger.Benchmarks;

/// <summary>
/// The idle figures: one line written at exec (time to its arrival), then open but silent inputs for a while,
/// measuring resident and private dirty memory, threads and CPU ticks used.
/// </summary>
internal sealed record IdleResult(string Receiver, double FirstRecordMs, long RssKiB, long PssKiB, long PrivateDirtyKiB, int Threads, long CpuTicks, double IdleSeconds)
{
    /// <param name="logOptions">Options added to the receiver's (--log-opt).</param>
    public static IdleResult Measure(string logger, Func<Receiver> makeReceiver, TimeSpan idle, IReadOnlyDictionary<string, string>? logOptions = null)
    {
        // A binary just written has dirty page-cache pages, which smaps counts as the process's private dirty memory.
        using (var sync = Process.Start("sync", [logger])) sync.WaitForExit();
        using var receiver = makeReceiver();
        var ledger = new ArrivalLedger(1, 0);
        receiver.Start(ledger);
        using var process = LoggerUnderTest.Start(logger, receiver.Driver, Config.Json(receiver.LogOptions, "non-blocking", logOptions ?? new Dictionary<string, string>()));
        Span<byte> line = stackalloc byte[64];
        LineSequence.Write(line, stderr: false, 0, line.Length);
        process.Stdout.Write(line);
        var wait = Stopwatch.StartNew();
        while (ledger.Unique == 0)
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException($"{receiver.Name}: the first record never arrived");
            Thread.SpinWait(100);
        }
        double firstMs = Stopwatch.GetElapsedTime(process.StartedAt, ledger.FirstArrival).TotalMilliseconds;
        Thread.Sleep(500); // let start-up work (the first flush, the first connection) settle
        var before = process.Stats();
        Thread.Sleep(idle);
        var after = process.Stats();
        process.CloseAndWait(TimeSpan.FromSeconds(30));
        return new IdleResult(receiver.Name, firstMs, after.RssKiB, after.PssKiB, after.PrivateDirtyKiB, after.Threads, after.CpuTicks - before.CpuTicks, idle.TotalSeconds);
    }
}
