using System.Text;
using ContainerLogger.Benchmarks;
using ContainerLogger.Benchmarks.Receivers;
using ContainerLogger.Drivers;
using ContainerLogger.Native;
using ContainerLogger.Pipeline;
using ContainerLogger.Pipeline.Multiline;
using ContainerLogger.Storage;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Memory;

/// <summary>
/// Issue 15, the host's side: the sender (batches from the ring or the disk buffer, drop notices, failed attempts
/// with their reports and backoff) and the reader (framing, multiline) allocate nothing once warmed up. Each runs on
/// the test thread, measured exactly over a window of thousands of batches or lines (<see cref="MeteredDriver"/>,
/// <see cref="MeteredQueue"/>), while other threads feed it.
/// </summary>
public class PipelineAllocationTests
{
    private const int WarmUp = 200, Window = 2000, BatchLines = 20;

    private static LogDriver Fluentd(string config, Counters counters)
    {
        var loaded = Env.LoadFor(DriverRegistry.Find("fluentd")!, config);
        Assert.That(loaded.Errors, Is.Empty);
        return DriverRegistry.Find("fluentd")!.Create(loaded.CreateContext(new Diagnostics(TextWriter.Null), counters));
    }

    /// <summary>Appends numbered lines as a reader does, until the driver has measured; then the queue is complete.</summary>
    private static Thread Feed(IRecordQueue queue, MeteredDriver driver)
    {
        var writer = new Thread(() =>
        {
            var line = new byte[100];
            for (long n = 0; !driver.Done; n++)
            {
                LineSequence.Write(line, stderr: false, n, line.Length);
                lock (queue.Gate)
                    if (!queue.Append(new LogRecord(line.AsSpan(0, line.Length - 1), LogStream.Stdout, DateTime.UtcNow.Ticks), 0)) break;
                if (n % BatchLines == BatchLines - 1) queue.EndOfRead();
            }
            queue.EndOfRead();
            queue.CompleteAdding();
        }) { IsBackground = true, Name = "feed" };
        writer.Start();
        return writer;
    }

    private static void Run(IRecordQueue queue, MeteredDriver driver, Counters counters)
    {
        var writer = Feed(queue, driver);
        new Sender(queue, driver, "fluentd", counters, new DriverLosses(counters), new Diagnostics(TextWriter.Null)).Run();
        writer.Join();
        driver.Dispose();
        Assert.That(driver.Flushes, Is.GreaterThan(WarmUp + Window), "the window was measured");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_sender_allocates_nothing_per_batch_from_the_ring(bool acks)
    {
        using var receiver = new FluentdReceiver(acks);
        receiver.Start(new ArrivalLedger(1_000_000_000, 0));
        var counters = new Counters();
        using var ring = new LogRing(1 << 20, 16 * 1024, blocking: true, dropNotice: true, counters);
        var driver = new MeteredDriver(Fluentd(ContainerLogger.Benchmarks.Config.Json(receiver.LogOptions, "blocking"), counters), WarmUp, Window, BatchLines);
        Run(ring, driver, counters);
        Assert.That(driver.Failures, Is.Zero);
        Assert.That(driver.Bytes, Is.Zero, $"bytes allocated by the sender over {Window} batches");
    }

    /// <summary>
    /// The disk buffer: segments written, read back, delivered (the cursor moved), deleted and synced (once a second,
    /// on the sender's thread), acknowledged batch by batch.
    /// </summary>
    [Test]
    public void The_sender_allocates_nothing_per_batch_from_the_disk_buffer()
    {
        using var receiver = new FluentdReceiver(requestAck: true);
        receiver.Start(new ArrivalLedger(1_000_000_000, 0));
        using var dir = new TempDirectory();
        var counters = new Counters();
        var settings = new DiskBufferSettings(dir.Combine("queue"), 16 << 20, BufferSync.Interval, Blocking: true, DropNotice: true, 1 << 20, 16 * 1024);
        using var disk = DiskQueue.Open(settings, counters, new Diagnostics(TextWriter.Null));
        var driver = new MeteredDriver(Fluentd(ContainerLogger.Benchmarks.Config.Json(receiver.LogOptions, "blocking"), counters), WarmUp, Window, BatchLines);
        Run(disk, driver, counters);
        Assert.That(driver.Failures, Is.Zero);
        Assert.That(driver.Bytes, Is.Zero, $"bytes allocated by the sender over {Window} batches");
        var summary = new StringBuilder();
        disk.AppendCounters(summary);
        Assert.That(summary.ToString(), Does.Not.Contain("disk.memory.lines=0 disk.segments=0"), "the lines went through segment files");
    }

    /// <summary>A full ring in non-blocking mode: the oldest lines go, and a drop notice leads the next batch.</summary>
    [Test]
    public void Drop_notices_allocate_nothing()
    {
        using var receiver = new FluentdReceiver(requestAck: true);
        var ledger = new ArrivalLedger(1_000_000_000, 0);
        receiver.Start(ledger);
        var counters = new Counters();
        using var ring = new LogRing(16 * 1024, 1024, blocking: false, dropNotice: true, counters);
        var driver = new MeteredDriver(Fluentd(ContainerLogger.Benchmarks.Config.Json(receiver.LogOptions, "non-blocking"), counters), WarmUp, Window, BatchLines);
        Run(ring, driver, counters);
        Assert.That(driver.Bytes, Is.Zero, $"bytes allocated by the sender over {Window} batches");
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.GreaterThan(0), "the ring overflowed");
        Assert.That(() => ledger.Foreign, Is.GreaterThan(Window / 10).After(10_000, 10), "drop notices reached the receiver");
    }

    /// <summary>A destination that refuses every connection: each attempt fails, is reported (rate limited) and retried.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Retries_allocate_nothing(bool acks)
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var counters = new Counters();
        using var ring = new LogRing(1 << 20, 16 * 1024, blocking: true, dropNotice: true, counters);
        var queue = new ImpatientQueue(ring);
        var driver = new MeteredDriver(Fluentd($"{{\"fluentd-address\":\"127.0.0.1:{port}\",\"fluentd-request-ack\":\"{(acks ? "true" : "false")}\"}}", counters),
            WarmUp, Window, BatchLines);
        var diagnostics = new StringWriter();
        var line = new byte[99];
        LineSequence.Write(line, stderr: false, 0, line.Length);
        lock (ring.Gate) ring.Append(new LogRecord(line, LogStream.Stdout, DateTime.UtcNow.Ticks), 0);
        ring.CompleteAdding();
        new Sender(queue, driver, "fluentd", counters, new DriverLosses(counters), new Diagnostics(diagnostics)).Run();
        driver.Dispose();
        Assert.That(driver.Failures, Is.GreaterThanOrEqualTo(WarmUp + Window), "every attempt failed");
        Assert.That(driver.Bytes, Is.Zero, $"bytes allocated by {Window} failed attempts, their reports and backoffs");
        Assert.That(diagnostics.ToString(), Does.Contain($"fluentd: delivery failed (tcp://127.0.0.1:{port}: connect: Connection refused); 1 lines kept, retry 1 in "));
        Assert.That(diagnostics.ToString().Split('\n'), Has.Length.LessThan(WarmUp), "the rate limit suppressed most reports");
    }

    /// <summary>The reader: one pipe read, framed into lines (through the multiline stage when it is on), queued.</summary>
    [TestCase("{}")]
    [TestCase("{\"multiline\":\"python,java,go\"}")]
    public unsafe void Reading_and_framing_allocate_nothing(string config)
    {
        var options = Env.Valid(config).Options;
        var counters = new Counters();
        // Non-blocking: with nobody taking lines, the oldest go; the reader never waits.
        using var ring = new LogRing(64 * 1024, 16 * 1024, blocking: false, dropNotice: true, counters);
        var queue = new MeteredQueue(ring, WarmUp * BatchLines, Window * BatchLines);
        var multiline = MultilineStage.For(options, queue, 16 * 1024, counters);
        int* fds = stackalloc int[2];
        Assert.That(Libc.pipe2(fds, Libc.O_CLOEXEC), Is.Zero);
        int readEnd = fds[0], writeEnd = fds[1];
        var writer = new Thread(() =>
        {
            var chunk = new byte[BatchLines * 100];
            for (long n = 0; !queue.Done; n += BatchLines)
            {
                for (int i = 0; i < BatchLines; i++) LineSequence.Write(chunk.AsSpan(i * 100, 100), stderr: false, n + i, 100);
                fixed (byte* p = chunk)
                    for (int written = 0; written < chunk.Length;) written += (int)Libc.write(writeEnd, p + written, chunk.Length - written);
            }
            Libc.close(writeEnd);
        }) { IsBackground = true, Name = "pipe writer" };
        writer.Start();
        using (var reader = new InputReader([(readEnd, LogStream.Stdout, "stdout (test pipe)")], queue, multiline, 16 * 1024, counters, new Diagnostics(TextWriter.Null)))
            reader.Run();
        writer.Join();
        Libc.close(readEnd);
        Assert.That(queue.Done, Is.True, "the window was measured");
        Assert.That(queue.Bytes, Is.Zero, $"bytes allocated reading and framing {Window * BatchLines} lines");
    }

    [Test]
    public void Reports_allocate_nothing_suppressed_or_written()
    {
        long now = 0;
        var diagnostics = new Diagnostics(TextWriter.Null, () => now);
        var failure = new DeliveryFailure("tcp://127.0.0.1:24224", "connect", 111);
        int attempt = 0;
        long suppressed = Allocations.Of(WarmUp, Window, () =>
            diagnostics.Report($"fluentd: delivery failed ({failure}); {17} lines kept, retry {++attempt} in {812}ms"));
        long written = Allocations.Of(WarmUp, Window, () =>
        {
            now += 1000; // a token every time: each report is formatted and written
            diagnostics.Report($"fluentd: delivery failed ({failure}); {17} lines kept, retry {++attempt} in {812}ms");
        });
        Assert.That(suppressed, Is.Zero);
        Assert.That(written, Is.Zero);
    }
}
