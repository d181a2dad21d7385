using System.Diagnostics;
using ContainerLogger.Benchmarks.Receivers;

namespace ContainerLogger.Benchmarks;

/// <summary>One measured burst: the workload through the logger into a receiver.</summary>
internal sealed record BurstResult(string Receiver, bool Lossless, string Mode, long Sent, long Received, long Duplicates, long Foreign,
    double LinesPerSecond, double CpuSecondsPerMillion, long PeakRssKiB, int ExitCode, IReadOnlyList<string> Missing)
{
    /// <param name="logOptions">Options added to the receiver's (--log-opt).</param>
    public static BurstResult Measure(string logger, Func<Receiver> makeReceiver, Workload workload, string mode, TimeSpan stallLimit,
        IReadOnlyDictionary<string, string>? logOptions = null)
    {
        using var receiver = makeReceiver();
        var ledger = new ArrivalLedger(workload.StdoutLines, workload.StderrLines, joinedLines: workload.LinesPerRecord > 1);
        receiver.Start(ledger);
        var intake = receiver.StartIntake(workload.StdoutLines, workload.StderrLines);
        using var process = LoggerUnderTest.Start(logger, receiver.Driver,
            Config.Json(receiver.LogOptions, mode, logOptions ?? new Dictionary<string, string>(), workload.LogOptions));
        long begin = Stopwatch.GetTimestamp();
        var writer = new Thread(() => workload.WriteAll(process)) { Name = "workload" };
        writer.Start();
        WaitForArrivals(ledger, stallLimit);
        receiver.Settle(TimeSpan.FromSeconds(30));
        // Read /proc while the logger still runs: its inputs are open, so it has not exited.
        var stats = process.Stats();
        // Lines/s at the intake when the receiver has one (s3: into staging); the CPU figure waits for the receiver.
        long last = (intake ?? ledger).LastArrival;
        int exit = process.CloseAndWait(TimeSpan.FromSeconds(30));
        writer.Join();
        long received = ledger.Unique;
        double seconds = Stopwatch.GetElapsedTime(begin, Math.Max(last, begin)).TotalSeconds;
        var missing = ledger.MissingRanges(stderr: false, 5).Select(r => "stdout " + r)
            .Concat(ledger.MissingRanges(stderr: true, 5).Select(r => "stderr " + r)).ToList();
        return new BurstResult(receiver.Name, receiver.Lossless, mode, workload.Lines, received, ledger.Duplicates, ledger.Foreign,
            seconds > 0 ? received / seconds : 0,
            (double)stats.CpuTicks / ProcessStats.TicksPerSecond / Math.Max(1, received) * 1_000_000,
            stats.PeakRssKiB, exit, missing);
    }

    /// <summary>Until every line arrived, or nothing new arrived for <paramref name="stallLimit"/>.</summary>
    private static void WaitForArrivals(ArrivalLedger ledger, TimeSpan stallLimit)
    {
        long seen = -1;
        var quiet = Stopwatch.StartNew();
        while (true)
        {
            long unique = ledger.Unique;
            if (unique >= ledger.Expected) return;
            if (unique != seen)
            {
                seen = unique;
                quiet.Restart();
            }
            else if (quiet.Elapsed > stallLimit) return;
            Thread.Sleep(1);
        }
    }
}
