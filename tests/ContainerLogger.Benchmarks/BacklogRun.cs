using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ContainerLogger.Benchmarks.Receivers;

namespace ContainerLogger.Benchmarks;

/// <summary>
/// A backlog on the disk buffer (buffer=disk), built and delivered: the logger takes the workload while its receiver is
/// down (its port refuses connections), exits leaving the lines on disk, then a second run with
/// `--stdout none --stderr none` delivers them to the receiver, up by then. Both runs' peak RSS and CPU are read;
/// the replay's rate is the backlog's bytes on disk over the time from exec to the last line's arrival.
/// </summary>
internal sealed record BacklogResult(string Receiver, long Lines, long DiskBytes, double FillSeconds, long FillPeakRssKiB, double FillCpuSecondsPerMillion,
    double ReplaySeconds, long ReplayPeakRssKiB, double ReplayCpuSecondsPerMillion, long Received, long Duplicates, int ReplayExitCode)
{
    public double ReplayMiBPerSecond => DiskBytes / 1048576.0 / ReplaySeconds;
    public double ReplayLinesPerSecond => Received / ReplaySeconds;

    /// <summary>Measures a backlog of about <paramref name="bytes"/> bytes on disk in front of the receiver <paramref name="makeReceiver"/> makes.</summary>
    public static BacklogResult Measure(string logger, Func<Receiver> makeReceiver, long bytes, int lineSize, double stderrShare)
    {
        string queue = Directory.CreateTempSubdirectory("clbench-backlog-").FullName;
        try
        {
            // Each line costs its bytes without the newline plus a 28-byte record header on disk.
            var workload = new Workload(bytes / (lineSize - 1 + 28), lineSize, stderrShare);
            var options = new Dictionary<string, string>
            {
                ["buffer"] = "disk",
                ["buffer-path"] = Path.Combine(queue, "queue"),
                ["max-disk-buffer-size"] = $"{Math.Max(16, 2 * bytes >> 20)}m",
                ["shutdown-timeout"] = "1s",
            };
            var (fillSeconds, fillStats, name) = Fill(logger, makeReceiver, workload, options);
            long diskBytes = Directory.GetFiles(options["buffer-path"], "*.seg").Sum(f => new FileInfo(f).Length);

            using var receiver = makeReceiver();
            var ledger = new ArrivalLedger(workload.StdoutLines, workload.StderrLines);
            receiver.Start(ledger);
            var config = new Dictionary<string, string>(receiver.LogOptions);
            foreach (var (key, value) in options) config[key] = value;
            var start = new ProcessStartInfo(logger) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { receiver.Driver, "--stdout", "none", "--stderr", "none" }) start.ArgumentList.Add(arg);
            start.Environment["DOCKERLOG_CONTAINERID"] = "b0e1c2d3a4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff";
            start.Environment["DOCKERLOG_CONFIG"] = Config.Json(config, "blocking", new Dictionary<string, string>());
            long begin = Stopwatch.GetTimestamp();
            using var replay = Process.Start(start)!;
            replay.BeginErrorReadLine();
            replay.BeginOutputReadLine();
            ProcessStats stats = default;
            while (ledger.Unique < ledger.Expected && !replay.HasExited)
            {
                stats = ProcessStats.Read(replay.Id);
                Thread.Sleep(20);
            }
            if (!replay.HasExited) stats = ProcessStats.Read(replay.Id);
            // An exit does not mean the receiver has read the last bytes from its socket yet.
            for (long seen = -1; ledger.Unique != seen && ledger.Unique < ledger.Expected;)
            {
                seen = ledger.Unique;
                Thread.Sleep(500);
            }
            double replaySeconds = Stopwatch.GetElapsedTime(begin, Math.Max(ledger.LastArrival, begin)).TotalSeconds;
            if (!replay.WaitForExit(TimeSpan.FromSeconds(60))) replay.Kill();
            replay.WaitForExit();
            return new BacklogResult(name, workload.Lines, diskBytes, fillSeconds, fillStats.PeakRssKiB,
                CpuPerMillion(fillStats.CpuTicks, workload.Lines), replaySeconds, stats.PeakRssKiB, CpuPerMillion(stats.CpuTicks, ledger.Unique),
                ledger.Unique, ledger.Duplicates, replay.ExitCode);
        }
        finally
        {
            Directory.Delete(queue, recursive: true);
        }
    }

    /// <summary>The first run: every line into the disk buffer while the receiver's address refuses connections.</summary>
    private static (double Seconds, ProcessStats Stats, string Name) Fill(string logger, Func<Receiver> makeReceiver, Workload workload,
        Dictionary<string, string> options)
    {
        using var down = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        down.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never listening: connections are refused
        int downPort = ((IPEndPoint)down.LocalEndPoint!).Port;
        string driver, name;
        var config = new Dictionary<string, string>();
        using (var receiver = makeReceiver())
        {
            driver = receiver.Driver;
            name = receiver.Name + " disk";
            foreach (var (key, value) in receiver.LogOptions) config[key] = Regex.Replace(value, @"127\.0\.0\.1:\d+", $"127.0.0.1:{downPort}");
        }
        foreach (var (key, value) in options) config[key] = value;
        using var process = LoggerUnderTest.Start(logger, driver, Config.Json(config, "blocking", new Dictionary<string, string>()));
        long begin = Stopwatch.GetTimestamp();
        workload.WriteAll(process);
        double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        Thread.Sleep(200); // the last reads reach the queue
        var stats = process.Stats();
        process.CloseAndWait(TimeSpan.FromSeconds(30));
        return (seconds, stats, name);
    }

    private static double CpuPerMillion(long ticks, long lines) => (double)ticks / ProcessStats.TicksPerSecond / Math.Max(1, lines) * 1_000_000;
}
