using System.Diagnostics;
using System.Text.Json;
using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Fluentd;

/// <summary>The published binary, real FIFOs on fds 3 and 4, against a python3-msgpack forward receiver.</summary>
[NonParallelizable]
public class FluentdEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task<LoggerProcess> StartSidecar(TempDir dir, Dictionary<string, string> options) =>
        LoggerProcess.StartDriverAsync("fluentd", dir, options, start => start.Environment["DOCKERLOG_LABELS"] = "{\"rack\":\"r1\"}");

    private static string Log(JsonElement e) => e.GetProperty("record").GetProperty("log").GetString()!;
    private static string Source(JsonElement e) => e.GetProperty("record").GetProperty("source").GetString()!;

    [TestCase("tcp")]
    [TestCase("unix")]
    public async Task RecordsArriveWithTagTimeFieldsAndPartialMetadata(string transport)
    {
        using var dir = new TempDir();
        using var receiver = transport == "tcp" ? ForwardReceiver.Start("tcp") : ForwardReceiver.Start("unix", dir["forward.sock"]);
        string address = transport == "tcp" ? $"127.0.0.1:{receiver.Address}" : $"unix://{receiver.Address}";
        await using var sidecar = await StartSidecar(dir, new()
        {
            ["fluentd-address"] = address,
            ["max-line-size"] = "1k",
            ["labels"] = "rack",
            ["tag"] = "app.{{.Name}}",
        });
        var before = DateTimeOffset.UtcNow;
        string longLine = new string('p', 1500);
        sidecar.Input(3).Write($"hello\n\n{longLine}\n");
        sidecar.Input(4).Write("on stderr\n");
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());

        var events = receiver.WaitFor(5, Timeout);
        Assert.That(events, Has.Count.EqualTo(5));
        var hello = events.Single(e => Log(e) == "hello");
        var record = hello.GetProperty("record");
        Assert.Multiple(() =>
        {
            Assert.That(hello.GetProperty("tag").GetString(), Is.EqualTo("app.e2e-container"));
            Assert.That(record.GetProperty("container_id").GetString(), Is.EqualTo(LoggerStart.ContainerId));
            Assert.That(record.GetProperty("container_name").GetString(), Is.EqualTo("/e2e-container"));
            Assert.That(record.GetProperty("source").GetString(), Is.EqualTo("stdout"));
            Assert.That(record.GetProperty("rack").GetString(), Is.EqualTo("r1"));
            Assert.That(record.TryGetProperty("partial_message", out _), Is.False);
            var time = hello.GetProperty("time");
            var sent = DateTimeOffset.FromUnixTimeSeconds(time[0].GetInt64()).AddTicks(time[1].GetInt64() / 100);
            Assert.That(sent, Is.EqualTo(before).Within(TimeSpan.FromSeconds(30)));
            Assert.That(events.Select(e => e.GetProperty("time")[1].GetInt64()), Has.Some.Not.Zero, "sub-second EventTime");
            Assert.That(events.Count(e => Log(e) == ""), Is.EqualTo(1), "the empty line is sent");
            Assert.That(Source(events.Single(e => Log(e) == "on stderr")), Is.EqualTo("stderr"));
        });
        var pieces = events.Where(e => e.GetProperty("record").TryGetProperty("partial_message", out _)).ToList();
        Assert.That(pieces, Has.Count.EqualTo(2));
        var first = pieces[0].GetProperty("record");
        var last = pieces[1].GetProperty("record");
        Assert.Multiple(() =>
        {
            Assert.That(string.Concat(pieces.Select(Log)), Is.EqualTo(longLine));
            Assert.That(first.GetProperty("partial_message").GetString(), Is.EqualTo("true"));
            Assert.That(first.GetProperty("partial_id").GetString(), Does.Match("^[0-9a-f]{64}$"));
            Assert.That(last.GetProperty("partial_id").GetString(), Is.EqualTo(first.GetProperty("partial_id").GetString()));
            Assert.That(first.GetProperty("partial_ordinal").GetString(), Is.EqualTo("1"));
            Assert.That(last.GetProperty("partial_ordinal").GetString(), Is.EqualTo("2"));
            Assert.That(first.GetProperty("partial_last").GetString(), Is.EqualTo("false"));
            Assert.That(last.GetProperty("partial_last").GetString(), Is.EqualTo("true"));
        });
    }

    [Test]
    public async Task HundredThousandLinesArriveCompleteAndInOrderPerStream()
    {
        using var dir = new TempDir();
        using var receiver = ForwardReceiver.Start("tcp");
        await using var sidecar = await StartSidecar(dir, new() { ["fluentd-address"] = $"tcp://127.0.0.1:{receiver.Address}", ["mode"] = "blocking" });
        var stdout = Enumerable.Range(0, 60_000).Select(i => $"out {i}").ToList();
        var stderr = Enumerable.Range(0, 40_000).Select(i => $"err {i}").ToList();
        var writers = new[]
        {
            Task.Run(() => sidecar.Input(3).Write(string.Join("\n", stdout) + "\n")),
            Task.Run(() => sidecar.Input(4).Write(string.Join("\n", stderr) + "\n")),
        };
        await Task.WhenAll(writers);
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        var events = receiver.WaitFor(100_000, Timeout);
        Assert.That(events.Where(e => Source(e) == "stdout").Select(Log), Is.EqualTo(stdout));
        Assert.That(events.Where(e => Source(e) == "stderr").Select(Log), Is.EqualTo(stderr));
    }

    [Test]
    public async Task WithAcksEveryLineArrivesAtLeastOnceAcrossAReceiverRestart()
    {
        using var dir = new TempDir();
        using var receiver = ForwardReceiver.Start("tcp");
        int port = int.Parse(receiver.Address);
        await using var sidecar = await StartSidecar(dir, new()
        {
            ["fluentd-address"] = $"127.0.0.1:{port}",
            ["fluentd-request-ack"] = "true",
            ["fluentd-retry-wait"] = "100ms",
            ["mode"] = "blocking",
        });
        var lines = Enumerable.Range(0, 20_000).Select(i => $"acked {i}").ToList();
        var writer = Task.Run(async () =>
        {
            foreach (var chunk in lines.Chunk(500))
            {
                sidecar.Input(3).Write(string.Join("\n", chunk) + "\n");
                await Task.Delay(20);
            }
        });
        receiver.WaitFor(2_000, Timeout);
        receiver.Stop();
        await Task.Delay(500);
        Assert.That(sidecar.HasExited, Is.False, "the sidecar keeps running while fluentd is down");
        receiver.Listen();
        await writer;
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        var received = receiver.Events.Select(Log).ToHashSet();
        Assert.That(lines.Where(l => !received.Contains(l)), Is.Empty, "lines never received");
        Assert.That(sidecar.Summary().Undelivered, Is.Zero);
    }

    [TestCase("garbage", false)]
    [TestCase("noack", false)]
    [TestCase("garbage", true)]
    [TestCase("noack", true)]
    public async Task AReceiverThatNeverAcksProperlyNeitherHangsNorCrashesTheSidecar(string behaviour, bool tls)
    {
        using var dir = new TempDir();
        using var receiver = ForwardReceiver.Start("tcp", behaviour: behaviour);
        using var terminator = tls ? new TlsTerminator(dir.Path, int.Parse(receiver.Address)) : null;
        var options = new Dictionary<string, string>
        {
            ["fluentd-address"] = tls ? $"tls://localhost:{terminator!.Port}" : $"127.0.0.1:{receiver.Address}",
            ["fluentd-request-ack"] = "true",
            ["fluentd-read-timeout"] = "300ms",
            ["fluentd-retry-wait"] = "100ms",
            ["shutdown-timeout"] = "2s",
        };
        if (tls) options["fluentd-tls-ca-cert"] = dir["ca.pem"];
        await using var sidecar = await StartSidecar(dir, options);
        await sidecar.WaitForSignalHandlersAsync();
        var waiting = Stopwatch.StartNew();
        sidecar.Input(3).Write("never acknowledged\n");
        // fluentd-read-timeout bounds each wait for an ack, over TLS too: three attempts take about a second, not 3 x 10 s.
        await sidecar.WaitForStderrAsync(text => text.Contains("retry 3"), TimeSpan.FromSeconds(8));
        Assert.That(waiting.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)));
        Assert.That(sidecar.HasExited, Is.False);
        var clock = Stopwatch.StartNew();
        sidecar.Signal(15);
        Assert.That(await sidecar.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.Zero, sidecar.Describe());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "SIGTERM exits within shutdown-timeout");
        Assert.That(sidecar.Summary().Undelivered, Is.EqualTo(1));
        Assert.That(string.Join("\n", sidecar.StderrLines), Does.Contain(behaviour == "garbage" ? "not an ack" : "no answer within"));
    }

    [TestCase(null, 0, 0)]
    [TestCase("64k", 3_000, 4_700)]
    public async Task FluentdBufferLimitBoundsTheQueueInBytes(string? bufferLimit, int minDropped, int maxDropped)
    {
        using var dir = new TempDir();
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var options = new Dictionary<string, string>
        {
            ["fluentd-address"] = $"127.0.0.1:{closedPort}",
            ["shutdown-timeout"] = "300ms",
        };
        if (bufferLimit is not null) options["fluentd-buffer-limit"] = bufferLimit;
        await using var sidecar = await StartSidecar(dir, options);
        // 5,000 lines of 100 bytes: about 600 KB queued with their headers, within max-buffer-size (1m) but
        // ten times a 64k fluentd-buffer-limit. fluentd is down, so the non-blocking queue drops its oldest lines.
        sidecar.Input(3).Write(string.Concat(Enumerable.Range(0, 5_000).Select(i => $"{i,99}\n")));
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        var summary = sidecar.Summary();
        Assert.That(summary.Delivered, Is.Zero);
        Assert.That(summary.DroppedLines("stdout"), Is.InRange(minDropped, maxDropped), summary.Text);
        Assert.That(summary.DroppedLines("stdout") + summary.Undelivered, Is.GreaterThanOrEqualTo(5_000), summary.Text);
    }

    [TestCase("ca.pem", true)]
    [TestCase("wrong-ca.pem", false)]
    public async Task TlsDeliversOnlyWithTheRightCa(string ca, bool delivers)
    {
        using var dir = new TempDir();
        using var receiver = ForwardReceiver.Start("tcp");
        using var terminator = new TlsTerminator(dir.Path, int.Parse(receiver.Address));
        await using var sidecar = await StartSidecar(dir, new()
        {
            ["fluentd-address"] = $"tls://localhost:{terminator.Port}",
            ["fluentd-tls-ca-cert"] = dir[ca],
        });
        sidecar.Input(3).Write("over tls\n");
        if (delivers)
            Assert.That(Log(receiver.WaitFor(1, Timeout).Single()), Is.EqualTo("over tls"));
        else
        {
            string stderr = await sidecar.WaitForStderrAsync(text => text.Contains("certificate"), Timeout);
            Assert.That(stderr, Does.Contain("TLS server certificate rejected").And.Contain("fluentd-tls-ca-cert"));
            Assert.That(receiver.Events, Is.Empty);
        }
    }
}
