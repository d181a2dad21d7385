using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.Syslog;
using ContainerLogger.Pipeline;

using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Syslog;

/// <summary>
/// The published executable, fed through real pipes on fds 3 and 4, against rsyslog: what rsyslog parses out of
/// each message must be what was sent, on every transport and in every format.
/// </summary>
[NonParallelizable]
[Category("EndToEnd")]
public class SyslogRsyslogEndToEndTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(15);
    private const string Hostname = "e2e-host.example";
    private const int Local3 = 19;
    private RsyslogServer _rsyslog = null!;

    [OneTimeSetUp]
    public void StartRsyslog() => _rsyslog = new RsyslogServer();

    [OneTimeTearDown]
    public void StopRsyslog() => _rsyslog?.Dispose();

    private Dictionary<string, string> Options(string transport, string format, string tag)
    {
        var options = new Dictionary<string, string>
        {
            ["syslog-address"] = _rsyslog.Address(transport),
            ["syslog-format"] = format,
            ["syslog-hostname"] = Hostname,
            ["syslog-facility"] = "local3",
            ["tag"] = tag,
        };
        if (transport == "tcp+tls") options["syslog-tls-ca-cert"] = _rsyslog.CaCert;
        return options;
    }

    private static async Task ExitsCleanly(SyslogSidecar logger)
    {
        int status = await logger.WaitForExitAsync(ExitTimeout);
        Assert.That(status, Is.Zero, logger.Stderr);
        Assert.That(logger.Process.Summary().Undelivered, Is.Zero, logger.Stderr);
    }

    [Test, Combinatorial]
    public async Task FieldsArriveAsSent(
        [Values("udp", "tcp", "tcp+tls", "unix", "unixgram")] string transport,
        [Values("", "rfc3164", "rfc5424", "rfc5424micro")] string format)
    {
        string tag = $"e2e-{transport.Replace('+', '-')}-{(format.Length == 0 ? "unix" : format)}";
        const string stdoutLine = "hello from stdout: grüße, [brackets] and a tab\tend";
        const string stderrLine = "trouble on stderr";
        var before = DateTimeOffset.UtcNow;
        int pid;
        await using (var logger = await SyslogSidecar.StartAsync(Options(transport, format, tag)))
        {
            pid = logger.Pid;
            logger.WriteStdout(stdoutLine + "\n\n");
            logger.WriteStderr(stderrLine + "\n");
            await ExitsCleanly(logger);
        }
        var after = DateTimeOffset.UtcNow;

        var messages = _rsyslog.WaitFor(tag, 2, ArrivalTimeout);
        Assert.That(messages, Has.Count.EqualTo(2), "the empty line is skipped; the other two arrive");
        bool rfc5424 = format.StartsWith("rfc5424", StringComparison.Ordinal);
        // rsyslog keeps the space after "TAG[PID]:" in MSG; rsyslog escapes a tab as #011.
        string prefix = rfc5424 ? "" : " ";
        var stdout = messages.SingleOrDefault(m => m.Msg == prefix + stdoutLine.Replace("\t", "#011"));
        var stderr = messages.SingleOrDefault(m => m.Msg == prefix + stderrLine);
        Assert.That(stdout, Is.Not.Null, string.Join("\n", messages));
        Assert.That(stderr, Is.Not.Null, string.Join("\n", messages));

        Assert.Multiple(() =>
        {
            Assert.That(stdout!.Pri, Is.EqualTo(Local3 * 8 + 6));
            Assert.That(stderr!.Pri, Is.EqualTo(Local3 * 8 + 3));
            foreach (var m in messages)
            {
                Assert.That(m.AppName, Is.EqualTo(tag));
                Assert.That(m.ProcId, Is.EqualTo(pid.ToString(CultureInfo.InvariantCulture)));
                Assert.That(m.MsgId, Is.EqualTo(rfc5424 ? tag : "-"));
                // Docker's "" format carries no hostname: rsyslog fills in the sender's.
                if (format.Length == 0) Assert.That(m.Hostname, Is.Not.EqualTo(Hostname));
                else Assert.That(m.Hostname, Is.EqualTo(Hostname));
                // Capture time, in the sidecar's zone (UTC here); whole seconds except for rfc5424micro.
                Assert.That(m.Time, Is.InRange(Floor(before), after), m.TimeText);
                if (format == "rfc5424micro") Assert.That(m.TimeText, Does.Match(@"T\d\d:\d\d:\d\d\.\d{6}Z$"));
                if (format == "rfc5424") Assert.That(m.TimeText, Does.Match(@"T\d\d:\d\d:\d\dZ$"));
            }
        });
    }

    private static DateTimeOffset Floor(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);

    [Test]
    public async Task TenThousandLinesOverTcpArriveCompleteAndInOrder()
    {
        const int Lines = 10_000;
        const string tag = "e2e-tcp-bulk";
        var text = new StringBuilder();
        for (int i = 1; i <= Lines; i++) text.Append(CultureInfo.InvariantCulture, $"line {i:D5} of the bulk run, padded to look like a real log line\n");
        await using (var logger = await SyslogSidecar.StartAsync(Options("tcp", "rfc5424", tag)))
        {
            logger.WriteStdout(text.ToString());
            await ExitsCleanly(logger);
            Assert.That(logger.Process.Summary().Delivered, Is.EqualTo(Lines));
        }
        var messages = _rsyslog.WaitFor(tag, Lines, TimeSpan.FromSeconds(60));
        Assert.That(messages, Has.Count.EqualTo(Lines));
        var numbers = messages.Select(m => int.Parse(m.Msg.AsSpan(5, 5), CultureInfo.InvariantCulture)).ToList();
        Assert.That(numbers, Is.EqualTo(Enumerable.Range(1, Lines)));
    }

    [TestCase("tcp", "octet-counted")]
    [TestCase("tcp", "non-transparent")]
    [TestCase("tcp+tls", null)]
    [TestCase("tcp+tls", "non-transparent")]
    [TestCase("unix", "octet-counted")]
    [TestCase("unix", "non-transparent")]
    public async Task BothFramingsParse(string transport, string? framing)
    {
        string tag = $"e2e-framing-{transport.Replace('+', '-')}-{framing ?? "default"}";
        string[] lines = ["42 looks like an octet count", "<13>1 looks like a header", "plain", new string('x', 3000)];
        var options = Options(transport, "rfc5424micro", tag);
        if (framing is not null) options["syslog-tcp-framing"] = framing;
        await using (var logger = await SyslogSidecar.StartAsync(options))
        {
            logger.WriteStdout(string.Join("\n", lines) + "\n");
            await ExitsCleanly(logger);
        }
        var messages = _rsyslog.WaitFor(tag, lines.Length, ArrivalTimeout);
        Assert.That(messages.Select(m => m.Msg), Is.EqualTo(lines));
    }

    [Test]
    public async Task TlsWithTheWrongCaDeliversNothingAndSaysWhy()
    {
        const string tag = "e2e-tls-wrong-ca";
        var options = Options("tcp+tls", "rfc5424", tag);
        options["syslog-tls-ca-cert"] = _rsyslog.WrongCaCert;
        options["shutdown-timeout"] = "1s";
        await using var logger = await SyslogSidecar.StartAsync(options);
        logger.WriteStdout("must not arrive\n");
        await logger.WaitForStderr("TLS server certificate rejected", ArrivalTimeout);
        int status = await logger.WaitForExitAsync(ExitTimeout);
        Assert.That(status, Is.Zero);
        Assert.That(logger.Stderr, Does.Contain("TLS server certificate rejected").And.Contain("not trusted"));
        Assert.That(logger.Process.Summary().Undelivered, Is.EqualTo(1));
        Assert.That(logger.Stderr, Does.Not.Contain("PRIVATE KEY"));
        Assert.That(_rsyslog.Messages(tag), Is.Empty);
    }

    /// <summary>The empty syslog-address: the local socket, here rsyslog's imuxsock (in process: /dev/log is not ours to take).</summary>
    [Test]
    public void LocalSyslogReachesRsyslog()
    {
        const string tag = "e2e-local";
        var counters = new Counters();
        var context = SyslogConfig.Context(counters, new StringWriter(), ("tag", tag), ("syslog-format", "rfc5424"), ("syslog-hostname", Hostname));
        using (var driver = new SyslogDriver(context, [Path.Combine(_rsyslog.Directory, "no-such-log"), _rsyslog.DatagramSocket], TimeZoneInfo.Utc))
        {
            driver.TryAdd(new LogRecord("to the local syslog"u8, LogStream.Stderr, DateTime.UtcNow.Ticks));
            driver.Flush();
        }
        var messages = _rsyslog.WaitFor(tag, 1, ArrivalTimeout);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Is.EqualTo(messages[0] with
        {
            Pri = 3 * 8 + 3, Hostname = Hostname, ProcId = Environment.ProcessId.ToString(CultureInfo.InvariantCulture), MsgId = tag, Msg = "to the local syslog",
        }));
    }
}

/// <summary>rsyslog killed and restarted under a running sidecar; it has a server of its own to kill.</summary>
[NonParallelizable]
[Category("EndToEnd")]
public class SyslogRestartEndToEndTests
{
    [Test]
    public async Task SidecarSurvivesARestartAndResumesWithinTwoSecondsOfTheServerListening()
    {
        const string tag = "e2e-restart";
        using var rsyslog = new RsyslogServer();
        await using var logger = await SyslogSidecar.StartAsync(new Dictionary<string, string>
        {
            ["syslog-address"] = rsyslog.Address("tcp"),
            ["syslog-format"] = "rfc5424",
            ["tag"] = tag,
        });
        int written = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                logger.WriteStdout($"seq {Interlocked.Increment(ref written)}\n");
                Thread.Sleep(10);
            }
        });
        try
        {
            Assert.That(rsyslog.WaitFor(tag, 20, TimeSpan.FromSeconds(15)), Has.Count.GreaterThanOrEqualTo(20), logger.Stderr);

            rsyslog.Kill();
            int writtenAtKill = Volatile.Read(ref written);
            Thread.Sleep(1500);
            Assert.That(logger.HasExited, Is.False, "the sidecar must keep running while the server is down\n" + logger.Stderr);

            rsyslog.Start();
            var sinceListening = Stopwatch.StartNew();
            int Seq(ParsedMessage m) => int.Parse(m.Msg.AsSpan(4), CultureInfo.InvariantCulture);
            while (!rsyslog.Messages(tag).Any(m => Seq(m) > writtenAtKill) && sinceListening.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
            var resumedAfter = sinceListening.Elapsed;
            TestContext.Out.WriteLine($"delivery resumed {resumedAfter.TotalMilliseconds:0} ms after rsyslog listened again");
            Assert.That(resumedAfter, Is.LessThan(TimeSpan.FromSeconds(2)), "delivery resumed this long after rsyslog listened again\n" + logger.Stderr);
            Assert.That(logger.HasExited, Is.False);
        }
        finally
        {
            stop.Cancel();
            writer.Wait(TimeSpan.FromSeconds(10));
        }
        Assert.That(await logger.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Zero, logger.Stderr);
        // Lines queued while the server was down are delivered once it is back, in order.
        int last = Volatile.Read(ref written);
        var clock = Stopwatch.StartNew();
        List<int> after;
        do
        {
            Thread.Sleep(50);
            after = rsyslog.Messages(tag).Select(m => int.Parse(m.Msg.AsSpan(4), CultureInfo.InvariantCulture)).ToList();
        }
        while (after[^1] != last && clock.Elapsed < TimeSpan.FromSeconds(15));
        Assert.That(after, Is.Ordered);
        Assert.That(after[^1], Is.EqualTo(last));
    }
}
