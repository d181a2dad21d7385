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
        DeliverFirstLine(process, ledger, receiver.Name, TimeSpan.FromSeconds(10), () => Thread.SpinWait(100));
        double firstMs = Stopwatch.GetElapsedTime(process.StartedAt, ledger.FirstArrival).TotalMilliseconds;
        var before = process.Stats();
        Thread.Sleep(idle);
        var after = process.Stats();
        process.CloseAndWait(TimeSpan.FromSeconds(30));
        return new IdleResult(receiver.Name, firstMs, after.RssKiB, after.PssKiB, after.PrivateDirtyKiB, after.Threads, after.CpuTicks - before.CpuTicks, idle.TotalSeconds);
    }

    /// <summary>
    /// Writes line 0 on stdout, waits (<paramref name="wait"/> between looks) until it arrived, then half a second more
    /// for start-up work (the first flush, the first connection) to settle.
    /// </summary>
    internal static void DeliverFirstLine(LoggerUnderTest process, ArrivalLedger ledger, string receiver, TimeSpan limit, Action wait)
    {
        Span<byte> line = stackalloc byte[64];
        LineSequence.Write(line, stderr: false, 0, line.Length);
        process.Stdout.Write(line);
        var clock = Stopwatch.StartNew();
        while (ledger.Unique == 0)
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"{receiver}: the first record never arrived\n{process.StandardError}");
            wait();
        }
        Thread.Sleep(500);
    }
}
