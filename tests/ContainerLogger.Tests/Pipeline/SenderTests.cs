using System.Text;
using System.Text.RegularExpressions;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Pipeline;

/// <summary>The delivery loop between the ring and a driver: batches, retries, drop notices.</summary>
public class SenderTests
{
    private sealed class FakeDriver : LogDriver
    {
        private readonly List<Captured> _batch = [];
        public readonly List<Captured> Delivered = [];
        public int BatchLimit = int.MaxValue;
        public int FailuresLeft;
        public int Flushes;
        /// <summary>When set, stderr records are given up on at flush, as a refused datagram would be.</summary>
        public DriverLosses? LoseStderr;

        public override int PendingCount => _batch.Count;

        public override bool TryAdd(in LogRecord record)
        {
            if (_batch.Count >= BatchLimit) return false;
            _batch.Add(Captured.From(record));
            return true;
        }

        public override bool TryFlush(out DeliveryFailure failure)
        {
            Flushes++;
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                failure = new DeliveryFailure("fake://destination", "down");
                return false;
            }
            failure = default;
            foreach (var record in _batch)
            {
                if (LoseStderr is not null && record.Stream == LogStream.Stderr) LoseStderr.Lost(record.Stream, record.Text.Length);
                else Delivered.Add(record);
            }
            _batch.Clear();
            return true;
        }
    }

    private static void Append(LogRing ring, string line, LogStream stream = LogStream.Stdout, long ticks = 1)
    {
        lock (ring.Gate) Assert.That(ring.Append(stream, RecordFlags.None, 0, ticks, default, Encoding.ASCII.GetBytes(line)), Is.True);
    }

    [Test]
    public void Delivers_everything_queued_in_order_then_returns_when_complete()
    {
        var counters = new Counters();
        using var ring = new LogRing(65536, 1024, false, true, counters);
        var driver = new FakeDriver { BatchLimit = 3 };
        for (int i = 0; i < 10; i++) Append(ring, "line " + i, (LogStream)(i % 2), ticks: i);
        ring.CompleteAdding();
        new Sender(ring, driver, "fake", counters, new DriverLosses(counters), new Diagnostics(TextWriter.Null)).Run();
        Assert.That(driver.Delivered.Select(r => r.Text), Is.EqualTo(Enumerable.Range(0, 10).Select(i => "line " + i)));
        Assert.That(driver.Delivered.Select(r => r.Stream), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (LogStream)(i % 2))));
        Assert.That(driver.Delivered.Select(r => r.Ticks), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        Assert.That(driver.Flushes, Is.EqualTo(4), "batches of 3, 3, 3 and 1");
        Assert.That(counters.Delivered, Is.EqualTo(10));
        Assert.That(ring.QueuedEntries, Is.EqualTo(0));
    }

    [Test]
    public void Failed_flush_keeps_the_batch_and_retries_it_without_loss_or_duplicates()
    {
        var counters = new Counters();
        using var ring = new LogRing(65536, 1024, false, true, counters);
        var driver = new FakeDriver { FailuresLeft = 3 };
        var diagnostics = new StringWriter();
        for (int i = 0; i < 5; i++) Append(ring, "line " + i);
        ring.CompleteAdding();
        new Sender(ring, driver, "fake", counters, new DriverLosses(counters), new Diagnostics(diagnostics)).Run();
        Assert.That(driver.Delivered.Select(r => r.Text), Is.EqualTo(Enumerable.Range(0, 5).Select(i => "line " + i)));
        Assert.That(driver.Flushes, Is.EqualTo(4));
        Assert.That(counters.Delivered, Is.EqualTo(5));
        Assert.That(counters.Format("s"), Does.Contain(" retried=3 "));
        Assert.That(diagnostics.ToString(), Does.StartWith("containerlogger: fake: delivery failed (fake://destination: down); 5 lines kept, retry 1 in "));
    }

    [Test]
    public void Drop_notice_is_a_record_in_the_stream_that_lost_lines_before_the_next_batch()
    {
        var counters = new Counters();
        using var ring = new LogRing(1000, 100, false, true, counters);
        for (int i = 0; i < 12; i++) Append(ring, i.ToString("D4") + new string('.', 76), i < 11 ? LogStream.Stdout : LogStream.Stderr);
        ring.CompleteAdding();
        var driver = new FakeDriver();
        new Sender(ring, driver, "fake", counters, new DriverLosses(counters), new Diagnostics(TextWriter.Null)).Run();

        Assert.That(driver.Delivered, Has.Count.EqualTo(11));
        var notice = driver.Delivered[0];
        Assert.That(notice.Stream, Is.EqualTo(LogStream.Stdout));
        Assert.That(notice.Flags, Is.EqualTo(RecordFlags.None));
        Assert.That(notice.Text, Does.Match(@"^containerlogger: dropped 2 lines \(160 bytes\) of stdout since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z: buffer full \(max-buffer-size 1000 bytes\)$"));
        var since = DateTime.Parse(Regex.Match(notice.Text, @"since (\S+):").Groups[1].Value, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.That(since, Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(1)));
        Assert.That(driver.Delivered.Skip(1).Select(r => r.Text[..4]), Is.EqualTo(Enumerable.Range(2, 10).Select(i => i.ToString("D4"))));
        Assert.That(counters.Delivered, Is.EqualTo(10), "the notice is not a line that was read");
    }

    [Test]
    public void Backoff_doubles_from_50ms_to_a_1s_cap_with_jitter_in_the_upper_half()
    {
        for (int i = 0; i < 50; i++)
        {
            Assert.That(Sender.Backoff(1).TotalMilliseconds, Is.InRange(25, 50));
            Assert.That(Sender.Backoff(2).TotalMilliseconds, Is.InRange(50, 100));
            Assert.That(Sender.Backoff(4).TotalMilliseconds, Is.InRange(200, 400));
            Assert.That(Sender.Backoff(6).TotalMilliseconds, Is.InRange(500, 1000));
            Assert.That(Sender.Backoff(1000).TotalMilliseconds, Is.InRange(500, 1000));
        }
    }

    [Test]
    public void Lines_a_driver_gives_up_on_count_as_dropped_not_delivered()
    {
        var counters = new Counters();
        var losses = new DriverLosses(counters);
        using var ring = new LogRing(65536, 1024, false, true, counters);
        var driver = new FakeDriver { BatchLimit = 4, LoseStderr = losses };
        for (int i = 0; i < 10; i++)
        {
            var stream = (LogStream)(i % 2);
            counters.AddRead(stream, 1, 6);
            Append(ring, "line " + i, stream);
        }
        ring.CompleteAdding();
        new Sender(ring, driver, "fake", counters, losses, new Diagnostics(TextWriter.Null)).Run();
        Assert.Multiple(() =>
        {
            Assert.That(driver.Delivered.Select(r => r.Text), Is.EqualTo(new[] { "line 0", "line 2", "line 4", "line 6", "line 8" }));
            Assert.That(counters.Delivered, Is.EqualTo(5));
            Assert.That(counters.DroppedLines(LogStream.Stderr), Is.EqualTo(5));
            Assert.That(counters.DroppedLines(LogStream.Stdout), Is.Zero);
            Assert.That(counters.Undelivered, Is.Zero);
            Assert.That(counters.Format("summary"), Does.Contain("dropped.stderr.lines=5 dropped.stderr.bytes=30"));
        });
    }
}
