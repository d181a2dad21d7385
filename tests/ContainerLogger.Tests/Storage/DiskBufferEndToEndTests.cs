using System.Diagnostics;
using System.Text.Json;
using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Fluentd;
using ContainerLogger.Tests.Support;
using ContainerLogger.Tests.Syslog;

namespace ContainerLogger.Tests.Storage;

/// <summary>
/// buffer=disk (CONTRACT.md section 10) with the published binary, FIFOs on fds 3 and 4, and independent receivers:
/// rsyslog over tcp, and the python3-msgpack forward receiver with acks.
/// </summary>
[NonParallelizable]
public class DiskBufferEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const string Tag = "diskbuffer";

    /// <summary>
    /// The receiver of one test: rsyslog over tcp, or fluentd forward with acks. It may start down (a relay whose port
    /// refuses connections until <see cref="Up"/>), so that it can come up on the very address the sidecar retries.
    /// </summary>
    private sealed class Destination : IDisposable
    {
        private readonly RsyslogServer? _rsyslog;
        private readonly ForwardReceiver? _fluentd;
        private readonly TcpRelay? _relay;

        public Destination(string kind, bool down = false)
        {
            if (kind == "syslog") _rsyslog = new RsyslogServer();
            else _fluentd = ForwardReceiver.Start("tcp");
            int port = _rsyslog?.TcpPort ?? int.Parse(_fluentd!.Address);
            if (down) _relay = new TcpRelay(port);
            int address = _relay?.Port ?? port;
            Driver = kind;
            Options = kind == "syslog"
                ? new() { ["syslog-address"] = $"tcp://127.0.0.1:{address}", ["syslog-format"] = "rfc5424", ["tag"] = Tag }
                : new() { ["fluentd-address"] = $"127.0.0.1:{address}", ["fluentd-request-ack"] = "true", ["tag"] = Tag };
        }

        public string Driver { get; }
        public Dictionary<string, string> Options { get; }

        public void Up() => _relay!.Up();

        /// <summary>Every message received so far, in arrival order.</summary>
        public List<string> Messages() =>
            _rsyslog is not null
                ? _rsyslog.Messages(Tag).Select(m => m.Msg).ToList()
                : _fluentd!.Events.Select(e => e.GetProperty("record").GetProperty("log").GetString()!).ToList();

        public List<JsonElement> FluentdEvents() => _fluentd!.Events.ToList();

        /// <summary>Waits until <paramref name="done"/> holds for the messages received.</summary>
        public List<string> WaitFor(Func<List<string>, bool> done, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var messages = Messages();
                if (done(messages) || clock.Elapsed > timeout) return messages;
                Thread.Sleep(250);
            }
        }

        public void Dispose()
        {
            _relay?.Dispose();
            _rsyslog?.Dispose();
            _fluentd?.Dispose();
        }
    }

    private static string Line(string stream, long n) => $"{stream}-{n:D8}-" + new string('x', 60);

    private static IEnumerable<string> Lines(string stream, long from, long count) =>
        Enumerable.Range(0, (int)count).Select(i => Line(stream, from + i));

    private static byte[] Chunk(string stream, long from, long count) =>
        System.Text.Encoding.ASCII.GetBytes(string.Concat(Lines(stream, from, count).Select(l => l + "\n")));

    /// <summary>
    /// Every numbered line of <paramref name="stream"/> below <paramref name="count"/> arrived at least once, and their
    /// first arrivals are in order. Fragments (a line cut by a kill) match no whole line and are ignored.
    /// </summary>
    private static void AssertAtLeastOnceInOrder(List<string> messages, string stream, long count)
    {
        var firsts = new List<long>();
        var seen = new HashSet<long>();
        foreach (var message in messages)
        {
            if (!message.StartsWith(stream + "-", StringComparison.Ordinal) || message.Length != Line(stream, 0).Length) continue;
            long n = long.Parse(message.AsSpan(stream.Length + 1, 8));
            if (message != Line(stream, n)) continue;
            if (seen.Add(n)) firsts.Add(n);
        }
        var missing = Enumerable.Range(0, (int)count).Where(i => !seen.Contains(i)).Take(10).ToList();
        Assert.That(missing, Is.Empty, $"{stream}: {count - seen.Count(n => n < count)} of {count} lines never arrived (first: {string.Join(", ", missing)})");
        Assert.That(firsts, Is.Ordered, $"{stream}: first arrivals out of order");
    }

    private static Dictionary<string, string> DiskOptions(Destination destination, TempDir dir, params (string Key, string Value)[] more)
    {
        var options = new Dictionary<string, string>(destination.Options)
        {
            ["buffer"] = "disk",
            ["buffer-path"] = dir["queue"],
            ["shutdown-timeout"] = "2s",
        };
        foreach (var (key, value) in more) options[key] = value;
        return options;
    }

    [TestCase("syslog")]
    [TestCase("fluentd")]
    public async Task A_receiver_down_for_the_whole_input_gets_every_line_once_it_comes_up(string kind)
    {
        using var dir = new TempDir();
        using var destination = new Destination(kind, down: true);
        await using var sidecar = await LoggerProcess.StartDriverAsync(destination.Driver, dir, DiskOptions(destination, dir));
        // 100,000 lines (about 8 MB): a hundred times what the memory ring would hold.
        for (int i = 0; i < 100; i++)
        {
            sidecar.Input(3).Write(Chunk("out", i * 900L, 900));
            sidecar.Input(4).Write(Chunk("err", i * 100L, 100));
        }
        var counters = await sidecar.WaitForCountersAsync(c => c.ReadLines("stdout") == 90_000 && c.ReadLines("stderr") == 10_000, "every line read");
        Assert.That(counters.Delivered, Is.Zero);
        Assert.That(counters["disk.queued.lines"], Is.EqualTo(100_000));

        destination.Up();
        var messages = destination.WaitFor(m => m.Count >= 100_000, Timeout);
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        messages = destination.Messages();
        AssertAtLeastOnceInOrder(messages, "out", 90_000);
        AssertAtLeastOnceInOrder(messages, "err", 10_000);
        var summary = sidecar.Summary();
        Assert.That((summary.Delivered, summary.Undelivered, summary["disk.queued.lines"]), Is.EqualTo((100_000L, 0L, 0L)), summary.Text);
        Assert.That(summary.DroppedLines("stdout") + summary.DroppedLines("stderr"), Is.Zero);
    }

    [TestCase("fluentd")]
    [TestCase("syslog")]
    public async Task Killed_with_sigkill_ten_times_during_a_flood_every_line_arrives_at_least_once_and_in_order(string kind)
    {
        using var dir = new TempDir();
        using var destination = new Destination(kind);
        // The container init's side: the pipes outlive each sidecar (a reader is held open), the program keeps writing.
        using var pipes = new HeldPipes(dir);
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.Add(destination.Driver);
        // The last start drains everything the killed ones left: a generous shutdown-timeout after EOF.
        foreach (var (key, value) in DiskOptions(destination, dir, ("shutdown-timeout", "60s"))) start.Config[key] = value;
        start.InputFifos[3] = pipes.Stdout;
        start.InputFifos[4] = pipes.Stderr;

        long outWritten = 0, errWritten = 0;
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(() =>
        {
            // About 100,000 lines a second, in writes of 64 KiB and less, so that reads cut lines anywhere.
            while (!stop.IsCancellationRequested)
            {
                pipes.StdoutWriter.Write(Chunk("out", outWritten, 900));
                outWritten += 900;
                pipes.StderrWriter.Write(Chunk("err", errWritten, 100));
                errWritten += 100;
                Thread.Sleep(10);
            }
        });

        var random = new Random(20261201);
        int kills = 0;
        while (kills < 10)
        {
            await using var sidecar = LoggerProcess.Start(start);
            await WaitForExec(sidecar);
            await Task.Delay(random.Next(50, 400));
            Assert.That(sidecar.HasExited, Is.False, sidecar.Describe());
            sidecar.Signal(Posix.SIGKILL);
            await sidecar.WaitForExitAsync(TimeSpan.FromSeconds(20));
            kills++;
        }
        await using (var last = LoggerProcess.Start(start))
        {
            await WaitForExec(last);
            stop.Cancel();
            await flood;
            pipes.CloseWriters(); // the program ends: EOF once the pipes are read out
            Assert.That(await last.WaitForExitAsync(Timeout), Is.Zero, last.Describe());
            Assert.That(last.Summary()["disk.queued.lines"], Is.Zero, last.Summary().Text);
        }
        var messages = destination.WaitFor(m => m.Count >= outWritten + errWritten, Timeout);
        AssertAtLeastOnceInOrder(messages, "out", outWritten);
        AssertAtLeastOnceInOrder(messages, "err", errWritten);
    }

    /// <summary>Waits until the shell has exec'd the logger (so a SIGKILL hits the sidecar, not the shell opening the FIFOs).</summary>
    private static async Task WaitForExec(LoggerProcess sidecar)
    {
        var clock = Stopwatch.StartNew();
        while (!File.ReadAllText($"/proc/{sidecar.Pid}/comm").StartsWith("containerlogger", StringComparison.Ordinal))
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "the shell did not exec the logger" + sidecar.Describe());
            await Task.Delay(5);
        }
    }

    [Test]
    public async Task A_torn_record_written_by_hand_is_skipped_and_reported_and_the_rest_delivered()
    {
        using var dir = new TempDir();
        using var destination = new Destination("syslog", down: true);
        await using (var first = await LoggerProcess.StartDriverAsync("syslog", dir, DiskOptions(destination, dir, ("shutdown-timeout", "500ms"))))
        {
            first.Input(3).Write(Chunk("out", 0, 1000));
            first.CloseInputs();
            Assert.That(await first.WaitForExitAsync(Timeout), Is.Zero, first.Describe());
            Assert.That(first.Summary()["disk.queued.lines"], Is.EqualTo(1000));
        }
        // A crash in the middle of a record's write: its first 40 bytes, header included, and nothing more.
        var segment = Directory.GetFiles(dir["queue"], "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        int lastRecord = bytes.AsSpan().LastIndexOf("CLQR"u8);
        File.AppendAllBytes(segment, bytes.AsSpan(lastRecord, 40).ToArray());

        destination.Up();
        var drain = new LoggerStart();
        drain.Arguments.Clear();
        drain.Arguments.AddRange(["syslog", "--stdout", "none", "--stderr", "none"]);
        foreach (var (key, value) in DiskOptions(destination, dir)) drain.Config[key] = value;
        var (code, _, stderr) = await LoggerProcess.RunToExitAsync(drain, Timeout);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stderr, Does.Contain("discarded a torn record of 40 bytes"));
        Assert.That(stderr, Does.Contain("summary").And.Contain("disk.leftover.lines=1000"));
        var messages = destination.WaitFor(m => m.Count >= 1000, Timeout);
        Assert.That(messages, Is.EqualTo(Lines("out", 0, 1000)));
        Assert.That(Directory.GetFiles(dir["queue"], "*.seg"), Is.Empty, "delivered segments are deleted");
    }

    [Test]
    public async Task A_full_budget_in_non_blocking_mode_drops_the_oldest_and_keeps_the_newest()
    {
        using var dir = new TempDir();
        using var destination = new Destination("syslog", down: true);
        await using var sidecar = await LoggerProcess.StartDriverAsync("syslog", dir, DiskOptions(destination, dir, ("max-disk-buffer-size", "16m")));
        // 300,000 lines of about 100 bytes on disk: nearly twice the budget.
        for (int i = 0; i < 300; i++) sidecar.Input(3).Write(Chunk("out", i * 1000L, 1000));
        var counters = await sidecar.WaitForCountersAsync(c => c.ReadLines("stdout") == 300_000, "every line read");
        Assert.That(counters.DroppedLines("stdout"), Is.GreaterThan(50_000), counters.Text);
        Assert.That(counters["disk.bytes"], Is.LessThanOrEqualTo(16 << 20), counters.Text);

        destination.Up();
        long kept = 300_000 - counters.DroppedLines("stdout");
        var messages = destination.WaitFor(m => m.Count >= kept + 1, Timeout);
        Assert.That(messages.Count, Is.EqualTo(kept + 1), $"every kept line and one drop notice; counters at the outage: {counters.Text}");
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        messages = destination.Messages();
        var notice = messages.Single(m => m.StartsWith("containerlogger: dropped", StringComparison.Ordinal));
        Assert.That(notice, Does.Contain($"dropped {counters.DroppedLines("stdout")} lines").And.Contain("disk buffer full (max-disk-buffer-size 16777216 bytes)"));
        var lines = messages.Where(m => m.StartsWith("out-", StringComparison.Ordinal)).ToList();
        Assert.That(lines.Count, Is.EqualTo(kept));
        // The batch already in the driver's hands when the budget filled is sent (as with the memory ring); after it,
        // the oldest lines went and the newest are all there, in order.
        int head = lines.TakeWhile((line, i) => line == Line("out", i)).Count();
        Assert.That(head, Is.LessThan(5000), "at most one batch of the oldest lines");
        Assert.That(lines.Skip(head), Is.EqualTo(Lines("out", 300_000 - (lines.Count - head), lines.Count - head)));
        Assert.That(sidecar.Summary().DroppedLines("stdout"), Is.EqualTo(counters.DroppedLines("stdout")));
    }

    [Test]
    public async Task A_second_sidecar_on_the_same_buffer_path_is_refused_and_the_first_carries_on()
    {
        using var dir = new TempDir();
        using var destination = new Destination("syslog");
        await using var first = await LoggerProcess.StartDriverAsync("syslog", dir, DiskOptions(destination, dir));
        await first.WaitForSignalHandlersAsync();
        using var other = new TempDir();
        var second = new LoggerStart();
        second.Arguments.Clear();
        second.Arguments.AddRange(["syslog", "--stdout", "none", "--stderr", "none"]);
        foreach (var (key, value) in DiskOptions(destination, dir)) second.Config[key] = value;
        var (code, _, stderr) = await LoggerProcess.RunToExitAsync(second);
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("buffer-path").And.Contain("in use by another containerlogger"));

        first.Input(3).Write(Chunk("out", 0, 10));
        first.CloseInputs();
        Assert.That(await first.WaitForExitAsync(Timeout), Is.Zero, first.Describe());
        Assert.That(destination.WaitFor(m => m.Count >= 10, Timeout), Is.EqualTo(Lines("out", 0, 10)));
    }

    [TestCase("fluentd", "interval")]
    [TestCase("syslog", "interval")]
    [TestCase("syslog", "always")]
    [TestCase("syslog", "none")]
    public async Task A_leftover_queue_drains_with_no_inputs_and_the_run_exits(string kind, string sync)
    {
        using var dir = new TempDir();
        using var destination = new Destination(kind, down: true);
        await using (var first = await LoggerProcess.StartDriverAsync(destination.Driver, dir,
                         DiskOptions(destination, dir, ("shutdown-timeout", "500ms"), ("buffer-sync", sync))))
        {
            first.Input(3).Write(Chunk("out", 0, 5000));
            first.Input(4).Write(Chunk("err", 0, 500));
            first.CloseInputs();
            Assert.That(await first.WaitForExitAsync(Timeout), Is.Zero, first.Describe());
            var summary = first.Summary();
            Assert.That((summary["disk.queued.lines"], summary.Undelivered), Is.EqualTo((5500L, 0L)), "kept for the next start, not lost: " + summary.Text);
            Assert.That(first.StderrLines, Has.Some.Contains("5500 lines stay in the disk buffer for the next start"));
        }
        destination.Up();
        var drain = new LoggerStart();
        drain.Arguments.Clear();
        drain.Arguments.AddRange([destination.Driver, "--stdout", "none", "--stderr", "none"]);
        foreach (var (key, value) in DiskOptions(destination, dir, ("shutdown-timeout", "500ms"))) drain.Config[key] = value;
        var (code, _, stderr) = await LoggerProcess.RunToExitAsync(drain, Timeout);
        Assert.That(code, Is.Zero, stderr);
        var drained = LoggerCounters.Parse(stderr.Split('\n').Single(l => l.StartsWith("containerlogger: summary", StringComparison.Ordinal)));
        Assert.That((drained.Delivered, drained["disk.leftover.lines"], drained["disk.replayed.lines"], drained["disk.queued.lines"]),
            Is.EqualTo((5500L, 5500L, 5500L, 0L)), drained.Text);
        var messages = destination.WaitFor(m => m.Count >= 5500, Timeout);
        Assert.That(messages.Where(m => m.StartsWith("out-", StringComparison.Ordinal)), Is.EqualTo(Lines("out", 0, 5000)));
        Assert.That(messages.Where(m => m.StartsWith("err-", StringComparison.Ordinal)), Is.EqualTo(Lines("err", 0, 500)));
        if (kind == "fluentd")
        {
            // The replayed lines keep the time they were read at, not the time of the second run.
            var times = destination.FluentdEvents().Select(e => e.GetProperty("time")[0].GetInt64()).ToList();
            Assert.That(times.Max() - times.Min(), Is.LessThan(30));
        }
    }

    [Test]
    public async Task A_disk_that_fails_mid_stream_keeps_lines_flowing_through_memory()
    {
        using var dir = new TempDir();
        using var destination = new Destination("syslog");
        // A file size limit of 1 MiB (in 512-byte blocks), its signal ignored: writes past it fail with EFBIG, as on a full disk.
        await using var sidecar = await LoggerProcess.StartDriverAsync("syslog", dir, DiskOptions(destination, dir, ("max-disk-buffer-size", "64m")),
            start => start.ShellPrefix = "ulimit -f 2048; trap '' XFSZ; ");
        for (int i = 0; i < 50; i++)
        {
            sidecar.Input(3).Write(Chunk("out", i * 1000L, 1000));
            Thread.Sleep(5);
        }
        var messages = destination.WaitFor(m => m.Count >= 50_000, Timeout);
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        Assert.That(sidecar.StderrLines, Has.Some.Contains("queuing in memory"), sidecar.Describe());
        var summary = sidecar.Summary();
        Assert.That(summary["disk.memory.lines"], Is.GreaterThan(0), summary.Text);
        Assert.That(summary.Delivered + summary.DroppedLines("stdout"), Is.EqualTo(50_000), summary.Text);
        // Lines the memory ring had to drop are counted above; what arrived is in order.
        var lines = destination.Messages().Where(m => m.StartsWith("out-", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Is.Ordered.Using<string>(StringComparer.Ordinal));
        Assert.That(lines.Count, Is.EqualTo(summary.Delivered));
    }

    [Test]
    public async Task A_disk_budget_under_16m_is_a_configuration_error()
    {
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.AddRange(["syslog", "--stdout", "none", "--stderr", "none"]);
        start.Config["buffer"] = "disk";
        start.Config["max-disk-buffer-size"] = "8m";
        start.Config["buffer-sync"] = "sometimes";
        var (code, _, stderr) = await LoggerProcess.RunToExitAsync(start);
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("\"max-disk-buffer-size\" has a bad value \"8m\""));
        Assert.That(stderr, Does.Contain("\"buffer-sync\" has a bad value \"sometimes\"").And.Contain("interval, always, none"));
    }

    [TestCase("json-file")]
    [TestCase("none")]
    [TestCase("s3")]
    public async Task Drivers_without_a_disk_buffer_refuse_buffer_disk(string driver)
    {
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.AddRange([driver, "--stdout", "none", "--stderr", "none"]);
        start.Config["buffer"] = "disk";
        var (code, _, stderr) = await LoggerProcess.RunToExitAsync(start);
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("option \"buffer\" has a bad value \"disk\"").And.Contain($"the {driver} driver has no disk buffer"));
    }

    /// <summary>FIFOs whose read ends the test holds (as a container init holds its pipes), with the program's writers.</summary>
    private sealed class HeldPipes : IDisposable
    {
        private readonly int _stdoutHold, _stderrHold;

        public HeldPipes(TempDir dir)
        {
            Stdout = Fifo.Create(dir["stdout.fifo"]);
            Stderr = Fifo.Create(dir["stderr.fifo"]);
            _stdoutHold = Posix.open(Stdout, Posix.O_RDONLY | Posix.O_NONBLOCK);
            _stderrHold = Posix.open(Stderr, Posix.O_RDONLY | Posix.O_NONBLOCK);
            StdoutWriter = new FifoWriter(Stdout);
            StderrWriter = new FifoWriter(Stderr);
        }

        public string Stdout { get; }
        public string Stderr { get; }
        public FifoWriter StdoutWriter { get; }
        public FifoWriter StderrWriter { get; }

        public void CloseWriters()
        {
            StdoutWriter.Dispose();
            StderrWriter.Dispose();
        }

        public void Dispose()
        {
            CloseWriters();
            Posix.close(_stdoutHold);
            Posix.close(_stderrHold);
        }
    }
}
