using System.Diagnostics;
using System.Text.Json;
using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Gelf;

/// <summary>The published binary, real FIFOs on fds 3 and 4, against graygelf (UDP) and a NUL-delimited TCP reader.</summary>
[NonParallelizable]
public class GelfEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Task<LoggerProcess> StartSidecar(TempDir dir, Dictionary<string, string> options) =>
        LoggerProcess.StartDriverAsync("gelf", dir, options, start => start.Environment["DOCKERLOG_IMAGENAME"] = "nginx:latest");

    private static JsonElement ByMessage(IEnumerable<JsonElement> messages, string text) =>
        messages.Single(m => m.GetProperty("short_message").GetString() == text);

    [TestCase("gzip")]
    [TestCase("zlib")]
    [TestCase("none")]
    public async Task UdpMessagesArriveIntactWithEachCompression(string compression)
    {
        using var server = GelfServer.Start("udp");
        using var dir = new TempDir();
        await using var sidecar = await StartSidecar(dir, new()
        {
            ["gelf-address"] = $"udp://127.0.0.1:{server.Port}",
            ["gelf-compression-type"] = compression,
        });
        // Random base64 does not compress below one datagram, so this one is chunked with every compression type.
        string large = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9000));
        sidecar.Input(3).Write("hello from stdout\n\n" + large + "\n");
        sidecar.Input(4).Write("hello <from> \"stderr\" & \t done\n");
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());

        var messages = server.WaitFor(3, Timeout);
        Assert.That(messages, Has.Count.EqualTo(3), "the empty line is skipped");
        var stdout = ByMessage(messages, "hello from stdout");
        Assert.Multiple(() =>
        {
            Assert.That(stdout.GetProperty("version").GetString(), Is.EqualTo("1.1"));
            Assert.That(stdout.GetProperty("host").GetString(), Is.EqualTo(Environment.MachineName));
            Assert.That(stdout.GetProperty("level").GetInt32(), Is.EqualTo(6));
            Assert.That(stdout.GetProperty("_container_id").GetString(), Is.EqualTo(LoggerStart.ContainerId));
            Assert.That(stdout.GetProperty("_container_name").GetString(), Is.EqualTo("e2e-container"));
            Assert.That(stdout.GetProperty("_image_name").GetString(), Is.EqualTo("nginx:latest"));
            Assert.That(stdout.GetProperty("_tag").GetString(), Is.EqualTo(LoggerStart.ContainerId[..12]));
            double timestamp = stdout.GetProperty("timestamp").GetDouble();
            Assert.That(DateTimeOffset.FromUnixTimeMilliseconds((long)(timestamp * 1000)).UtcDateTime,
                Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(1)));
            Assert.That(ByMessage(messages, "hello <from> \"stderr\" & \t done").GetProperty("level").GetInt32(), Is.EqualTo(3));
            Assert.That(ByMessage(messages, large).GetProperty("level").GetInt32(), Is.EqualTo(6));
        });
        var summary = sidecar.Summary();
        Assert.That(summary.Delivered, Is.EqualTo(4), summary.Text);
    }

    [Test]
    public async Task TcpDeliversTenThousandLinesCompleteAndInOrder()
    {
        using var server = GelfServer.Start("tcp");
        using var dir = new TempDir();
        await using var sidecar = await StartSidecar(dir, new() { ["gelf-address"] = $"tcp://127.0.0.1:{server.Port}", ["mode"] = "blocking" });
        var expected = Enumerable.Range(0, 10_000).Select(i => $"line {i:D5} of the tcp test").ToList();
        sidecar.Input(3).Write(string.Join("\n", expected) + "\n");
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        var messages = server.WaitFor(expected.Count, Timeout);
        Assert.That(messages.Select(m => m.GetProperty("short_message").GetString()), Is.EqualTo(expected));
    }

    [Test]
    public async Task TcpResumesWithinTwoSecondsOfTheServerListeningAgain()
    {
        using var server = GelfServer.Start("tcp");
        using var dir = new TempDir();
        await using var sidecar = await StartSidecar(dir, new() { ["gelf-address"] = $"tcp://127.0.0.1:{server.Port}" });
        sidecar.Input(3).Write(string.Concat(Enumerable.Range(0, 100).Select(i => $"before {i}\n")));
        server.WaitFor(100, Timeout);

        server.Stop();
        await Task.Delay(300); // the server's FIN reaches the sidecar's socket
        sidecar.Input(3).Write(string.Concat(Enumerable.Range(0, 100).Select(i => $"during {i}\n")));
        await sidecar.WaitForStderrAsync(text => text.Contains("delivery failed"), Timeout);
        await Task.Delay(3000); // several failed attempts: the sidecar keeps running
        Assert.That(sidecar.HasExited, Is.False, sidecar.Describe());

        var clock = Stopwatch.StartNew();
        server.Listen();
        var messages = server.WaitFor(200, TimeSpan.FromSeconds(10));
        var resumedAfter = clock.Elapsed;
        Assert.That(messages.Select(m => m.GetProperty("short_message").GetString()),
            Is.SupersetOf(Enumerable.Range(0, 100).Select(i => $"during {i}")));
        Assert.That(resumedAfter, Is.LessThan(TimeSpan.FromSeconds(2)), "delivery resumed after the server listened again");
    }

    [TestCase("ca.pem", true)]
    [TestCase("wrong-ca.pem", false)]
    public async Task TlsThroughATerminatorDeliversOnlyWithTheRightCa(string ca, bool delivers)
    {
        using var server = GelfServer.Start("tcp");
        using var dir = new TempDir();
        using var terminator = new TlsTerminator(dir.Path, server.Port);
        await using var sidecar = await StartSidecar(dir, new()
        {
            ["gelf-address"] = $"tls://localhost:{terminator.Port}",
            ["gelf-tls-ca-cert"] = dir[ca],
        });
        sidecar.Input(3).Write("over tls\n");
        if (delivers)
        {
            Assert.That(server.WaitFor(1, Timeout).Single().GetProperty("short_message").GetString(), Is.EqualTo("over tls"));
        }
        else
        {
            string stderr = await sidecar.WaitForStderrAsync(text => text.Contains("certificate"), Timeout);
            Assert.That(stderr, Does.Contain("TLS server certificate rejected").And.Contain("gelf-tls-ca-cert"));
            Assert.That(server.Messages, Is.Empty);
        }
    }
}
