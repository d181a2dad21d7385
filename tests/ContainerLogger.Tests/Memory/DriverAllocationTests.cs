using System.Net;
using System.Net.Sockets;
using ContainerLogger.Benchmarks;
using ContainerLogger.Benchmarks.Receivers;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Memory;

/// <summary>
/// Issue 15: every driver, once warmed up, allocates nothing per batch (acknowledged or not, compressed or not,
/// rotating or not) nor per failed attempt, and a reconnect costs its connection object only. Thousands of runs
/// on the test thread against in-process receivers, counted exactly (<see cref="Allocations"/>), so no timing can
/// hide an allocation. What the runtime allocates itself (a TLS handshake, a name lookup) is measured and bounded.
/// </summary>
public class DriverAllocationTests
{
    private const int WarmUp = 200, Runs = 2000, LinesPerBatch = 20;

    /// <summary>The harness's receivers (one per driver and transport), each driving its driver.</summary>
    private static readonly string[] Receivers =
        ["json-file", "syslog-tcp", "syslog-udp", "fluentd", "fluentd-ack", "gelf-udp", "gelf-udp-gzip", "gelf-udp-zlib", "gelf-tcp", "s3"];

    private static LogDriver Create(string driver, string config, Counters? counters = null)
    {
        var descriptor = DriverRegistry.Find(driver)!;
        var loaded = Env.LoadFor(descriptor, config);
        Assert.That(loaded.Errors, Is.Empty);
        return descriptor.Create(loaded.CreateContext(new Diagnostics(TextWriter.Null), counters));
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Bytes allocated by <see cref="Runs"/> batches of <see cref="LinesPerBatch"/> lines after a warm-up, and the flushes that failed.</summary>
    private static (long Bytes, int Failures) Batches(LogDriver driver, NumberedLines lines)
    {
        int failures = 0;
        long bytes = Allocations.Of(WarmUp, Runs, () =>
        {
            lines.AddTo(driver, LinesPerBatch);
            if (!driver.TryFlush(out _)) failures++;
        });
        return (bytes, failures);
    }

    private static void Finish(LogDriver driver)
    {
        driver.Complete(Environment.TickCount64);
        driver.Dispose();
    }

    [TestCaseSource(nameof(Receivers))]
    public void A_batch_allocates_nothing(string name)
    {
        using var receiver = ReceiverCatalog.All[name]();
        var ledger = new ArrivalLedger(LinesPerBatch * (WarmUp + Runs), 0);
        receiver.Start(ledger);
        // s3: staging only (the upload thread, the AWS SDK's, is another thread and another test).
        var overrides = new Dictionary<string, string>();
        if (name == "s3") overrides["s3-upload-interval"] = "5m";
        var driver = Create(receiver.Driver, ContainerLogger.Benchmarks.Config.Json(receiver.LogOptions, "blocking", overrides));
        var lines = new NumberedLines();
        var (bytes, failures) = Batches(driver, lines);
        Finish(driver);
        Assert.That(failures, Is.Zero);
        Assert.That(bytes, Is.Zero, $"{name}: bytes allocated by {Runs} batches of {LinesPerBatch} lines");
        if (name == "s3" || !receiver.Lossless) return;
        Assert.That(() => ledger.Unique, Is.EqualTo(lines.Count).After(20_000, 20), "every line reached the receiver");
    }

    [TestCase("index", "3")]
    [TestCase("timestamp", "3")]
    [TestCase("index", "1")]
    public void A_json_file_rotation_allocates_nothing(string naming, string maxFile)
    {
        using var dir = new TempDirectory();
        var driver = Create("json-file", $"{{\"path\":\"{dir.Combine("c-json.log")}\",\"max-size\":\"20k\",\"max-file\":\"{maxFile}\",\"rotate-naming\":\"{naming}\"}}");
        var (bytes, failures) = Batches(driver, new NumberedLines());
        Finish(driver);
        Assert.That(failures, Is.Zero);
        Assert.That(bytes, Is.Zero, $"bytes allocated by {Runs} batches, with about {Runs * LinesPerBatch * 150 / 20_000} rotations");
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(int.Parse(maxFile)), "rotated, and pruned to max-file");
    }

    /// <summary>Each case: a driver and options whose destination fails every attempt.</summary>
    private static IEnumerable<TestCaseData> Failing()
    {
        int port = ClosedPort();
        yield return new TestCaseData("fluentd", $"{{\"fluentd-address\":\"127.0.0.1:{port}\"}}").SetName("fluentd, connection refused");
        yield return new TestCaseData("fluentd", $"{{\"fluentd-address\":\"127.0.0.1:{port}\",\"fluentd-request-ack\":\"true\"}}").SetName("fluentd with acks, connection refused");
        yield return new TestCaseData("fluentd", "{\"fluentd-address\":\"unix:///nonexistent/fluentd.sock\"}").SetName("fluentd, no unix socket");
        yield return new TestCaseData("syslog", $"{{\"syslog-address\":\"tcp://127.0.0.1:{port}\"}}").SetName("syslog tcp, connection refused");
        yield return new TestCaseData("syslog", "{\"syslog-address\":\"unix:///nonexistent/syslog.sock\"}").SetName("syslog unix, no socket");
        yield return new TestCaseData("gelf", $"{{\"gelf-address\":\"tcp://127.0.0.1:{port}\"}}").SetName("gelf tcp, connection refused");
        yield return new TestCaseData("json-file", "{\"path\":\"/proc/version/c-json.log\"}").SetName("json-file, not a directory");
    }

    [TestCaseSource(nameof(Failing))]
    public void A_failed_attempt_allocates_nothing(string driverName, string config)
    {
        var driver = Create(driverName, config);
        new NumberedLines().AddTo(driver, 1);
        int failures = 0;
        long bytes = Allocations.Of(WarmUp, Runs, () =>
        {
            if (!driver.TryFlush(out _)) failures++;
        });
        Assert.That(driver.TryFlush(out var failure), Is.False);
        Finish(driver);
        Assert.That(failures, Is.EqualTo(WarmUp + Runs), "every attempt failed: " + failure);
        Assert.That(bytes, Is.Zero, $"bytes allocated by {Runs} failed attempts ({failure})");
    }

    /// <summary>UDP: a refused datagram is a counted loss, reported (rate limited), never retried.</summary>
    [TestCase("syslog", "syslog-address")]
    [TestCase("gelf", "gelf-address")]
    public void A_refused_datagram_allocates_nothing(string driverName, string option)
    {
        var counters = new Counters();
        var driver = Create(driverName, $"{{\"{option}\":\"udp://127.0.0.1:{ClosedPort()}\"}}", counters);
        var lines = new NumberedLines();
        Action step = () =>
        {
            lines.AddTo(driver, 1);
            driver.TryFlush(out _);
        };
        for (int i = 0; i < WarmUp; i++) step();
        long droppedBefore = counters.DroppedLines(LogStream.Stdout);
        long bytes = Allocations.Of(0, Runs, step);
        Finish(driver);
        // The kernel rate-limits its ICMP replies, so only some datagrams are refused; some must be, while measured.
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.GreaterThan(droppedBefore), "the port refused datagrams");
        Assert.That(bytes, Is.Zero);
    }

    /// <summary>
    /// A reconnect (SIGHUP, a peer that hung up, a failed batch) to an IP literal allocates nothing: the driver's socket
    /// object connects again, and the address was made into a sockaddr once.
    /// </summary>
    [TestCase("fluentd", true)]
    [TestCase("fluentd", false)]
    [TestCase("syslog", false)]
    [TestCase("gelf", false)]
    public void A_reconnect_allocates_nothing(string driverName, bool acks)
    {
        using var server = new QuietServer(acknowledge: acks);
        string config = driverName switch
        {
            "fluentd" => $"{{\"fluentd-address\":\"127.0.0.1:{server.Port}\",\"fluentd-request-ack\":\"{(acks ? "true" : "false")}\"}}",
            "syslog" => $"{{\"syslog-address\":\"tcp://127.0.0.1:{server.Port}\"}}",
            _ => $"{{\"gelf-address\":\"tcp://127.0.0.1:{server.Port}\"}}",
        };
        var driver = Create(driverName, config);
        var lines = new NumberedLines();
        int failures = 0;
        const int Reconnects = 500;
        long bytes = Allocations.Of(50, Reconnects, () =>
        {
            driver.Reopen();
            lines.AddTo(driver, 1);
            if (!driver.TryFlush(out _)) failures++;
        });
        Finish(driver);
        Assert.That(failures, Is.Zero);
        Assert.That(() => server.Connections, Is.EqualTo(50 + Reconnects).After(10_000, 10));
        Assert.That(bytes, Is.Zero, $"bytes allocated by {Reconnects} reconnects");
    }

    /// <summary>
    /// TLS: batches over an open session allocate nothing; a handshake is the runtime's (SslStream, X.509), measured
    /// here on the calling thread and bounded (OpenSSL's own memory is native). No acks: socat relays each small
    /// answer late (Nagle), which would make this test slow, not different.
    /// </summary>
    [Test]
    public void Batches_over_TLS_allocate_nothing_and_a_handshake_is_bounded()
    {
        using var receiver = new FluentdReceiver(requestAck: false);
        var ledger = new ArrivalLedger(1_000_000, 0);
        receiver.Start(ledger);
        using var dir = new TempDirectory();
        using var tls = new TlsTerminator(dir.Path, int.Parse(receiver.LogOptions["fluentd-address"].Split(':')[1]));
        var driver = Create("fluentd", $"{{\"fluentd-address\":\"tls://127.0.0.1:{tls.Port}\",\"fluentd-tls-skip-verify\":\"true\"}}");
        var lines = new NumberedLines();
        var (batches, failures) = Batches(driver, lines);
        // socat drops what it still relays when the client hangs up: the lines arrive before the handshakes begin.
        Assert.That(() => ledger.Unique, Is.EqualTo(lines.Count).After(30_000, 20), "every line reached the receiver");
        const int Handshakes = 20;
        long handshakes = Allocations.Of(5, Handshakes, () =>
        {
            driver.Reopen();
            lines.AddTo(driver, 1);
            if (!driver.TryFlush(out _)) failures++;
        });
        Finish(driver);
        TestContext.Out.WriteLine($"TLS: {batches} bytes over {Runs} batches; {handshakes / Handshakes} bytes a handshake");
        Assert.That(failures, Is.Zero);
        Assert.That(batches, Is.Zero);
        Assert.That(handshakes / Handshakes, Is.LessThan(64 * 1024));
    }

    /// <summary>
    /// s3: what the AWS SDK allocates for one upload (its request, signing, response), on the uploading thread, is the
    /// same for every upload: measured here for a 100 KB object (not gzip: the receiver counts only .gz objects) and
    /// bounded. The uploader collects it after each upload.
    /// </summary>
    [Test]
    public void An_s3_upload_allocates_a_bounded_amount()
    {
        using var receiver = new S3Receiver();
        receiver.Start(new ArrivalLedger(1, 0));
        var credentials = ContainerLogger.Drivers.S3.S3Credentials.Resolve(null, "default",
            name => name switch { "AWS_ACCESS_KEY_ID" => "AKIATEST", "AWS_SECRET_ACCESS_KEY" => "test-secret", _ => null });
        using var transport = new ContainerLogger.Drivers.S3.S3Transport("bench", "us-east-1", new Uri(receiver.LogOptions["s3-endpoint"]),
            forcePathStyle: true, ContainerLogger.Net.TlsClient.Load("s3", null, null, null, false), () => credentials);
        using var dir = new TempDirectory();
        var path = dir.Combine("object");
        var content = new byte[100_000];
        new Random(15).NextBytes(content);
        File.WriteAllBytes(path, content);
        int key = 0;
        const int Uploads = 50;
        long bytes = Allocations.Of(10, Uploads, () => transport.PutFile($"c/{key++}", path, "application/octet-stream"));
        TestContext.Out.WriteLine($"s3: {bytes / Uploads} bytes allocated per upload of a 100 KB object");
        Assert.That(bytes / Uploads, Is.LessThan(512 * 1024));
    }
}
