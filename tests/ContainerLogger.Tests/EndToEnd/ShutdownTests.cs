using System.Diagnostics;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>CONTRACT.md sections 1 and 7: SIGTERM drains what was read and exits, bounded by shutdown-timeout.</summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ShutdownTests
{
    [TestCase(Posix.SIGTERM)]
    [TestCase(Posix.SIGINT)]
    public async Task SigtermOrSigintWithInputStillOpenDrainsWhatWasReadAndExits(int signal)
    {
        using var dir = new TempDir();
        var start = new LoggerStart();
        start.Config["path"] = dir["container-json.log"];
        // Long, so that waiting it out (instead of exiting once drained) shows.
        start.Config["shutdown-timeout"] = "30s";
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync(null, Posix.SIGHUP, Posix.SIGTERM, Posix.SIGINT, Posix.SIGUSR1);

        var stdout = BufferTests.Lines("out", 2_000, new Random(3));
        var stderr = BufferTests.Lines("err", 500, new Random(4));
        await BufferTests.WriteConcurrently(logger, (3, stdout), (4, stderr));
        logger.Input(3).Write("stdout tail without a newline");
        long expectedStdoutBytes = stdout.Sum(l => l.Length + 1) + "stdout tail without a newline".Length;
        await logger.WaitForCountersAsync(c => c.ReadBytes("stdout") == expectedStdoutBytes && c.ReadLines("stderr") == 500, "everything read");

        // The application has not closed its end: only the signal ends the run.
        var clock = Stopwatch.StartNew();
        logger.Signal(signal);
        int exit = await logger.WaitForExitAsync(TimeSpan.FromSeconds(40));
        var elapsed = clock.Elapsed;
        Assert.That(exit, Is.EqualTo(0), $"exit code{logger.Describe()}");
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(15)),
            "with nothing left to deliver the logger exits after draining, well within shutdown-timeout (30s), not at its end");

        var records = JsonFileOutput.Read(start.Config["path"]);
        var stdoutLines = JsonFileOutput.Reassemble(records.Where(r => r.Stream == "stdout"));
        JsonFileOutput.AssertSameLines([.. stdout, "stdout tail without a newline"], stdoutLines.Select(l => l.Text).ToList(), "stdout");
        Assert.That(stdoutLines[^1].Terminated, Is.False, "the tail is shipped without a '\\n' (none was read)");
        JsonFileOutput.AssertSameLines(stderr, JsonFileOutput.Reassemble(records.Where(r => r.Stream == "stderr")).Select(l => l.Text).ToList(), "stderr");

        var summary = logger.Summary();
        Assert.That(summary.Delivered, Is.EqualTo(2_000 + 500 + 1), "summary: delivered (the tail included)");
        Assert.That(summary.Undelivered, Is.Zero, "summary: undelivered");
        Assert.That(logger.StderrLines.Where(l => l.Contains("shutdown-timeout reached")), Is.Empty, "no timeout: everything was drained");
    }

    [Test]
    public async Task SigtermWithAStalledDestinationExitsAtShutdownTimeoutReportingUndelivered()
    {
        using var dir = new TempDir();
        var stall = new StalledDestination(dir.Path);
        var start = new LoggerStart();
        start.Config["path"] = stall.LogPath;
        start.Config["shutdown-timeout"] = "2s";
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync();

        await BufferTests.WriteConcurrently(logger, (3, BufferTests.Lines("out", 300, new Random(5))), (4, BufferTests.Lines("err", 100, new Random(6))));
        await logger.WaitForCountersAsync(c => c.ReadLines("stdout") == 300 && c.ReadLines("stderr") == 100, "everything read");

        var clock = Stopwatch.StartNew();
        logger.Signal(Posix.SIGTERM);
        int exit = await logger.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var elapsed = clock.Elapsed;
        Assert.That(exit, Is.EqualTo(0), $"trouble with the destination is never a reason to fail{logger.Describe()}");
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(2 + 3)), "exits within shutdown-timeout (2s) plus a margin");
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.5)), "keeps trying to deliver for (about) shutdown-timeout first");

        var summary = logger.Summary();
        Assert.That(summary.Delivered, Is.Zero, "summary: delivered");
        Assert.That(summary.Undelivered, Is.EqualTo(400), "summary: every line read is reported undelivered");
        Assert.That(summary.DroppedLines("stdout") + summary.DroppedLines("stderr"), Is.Zero, "summary: nothing dropped (the buffer was big enough)");
        Assert.That(logger.StderrLines.Any(l => l.StartsWith("containerlogger: ") && l.Contains("shutdown-timeout reached")),
            $"says the timeout cut delivery short{logger.Describe()}");
        Assert.That(File.Exists(stall.LogPath), Is.False, "nothing could be written");
    }
}
