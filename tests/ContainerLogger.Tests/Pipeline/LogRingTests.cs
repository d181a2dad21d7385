using System.Text;
using System.Text.RegularExpressions;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Pipeline;

/// <summary>
/// The bounded queue (CONTRACT.md section 6). Each entry costs a 20-byte header, 64 more for a partial id, plus
/// the line; with capacity 1000 ten 80-byte lines fill it exactly.
/// </summary>
public class LogRingTests
{
    private const int Capacity = 1000;
    private const int Header = 20;
    private static readonly byte[] Id = Encoding.ASCII.GetBytes(new string('a', 32) + new string('1', 32));

    private static LogRing NewRing(out Counters counters, bool blocking = false, bool dropNotice = true, long capacity = Capacity, int maxLine = 100)
    {
        counters = new Counters();
        return new LogRing(capacity, maxLine, blocking, dropNotice, counters);
    }

    private static bool Append(LogRing ring, string line, LogStream stream = LogStream.Stdout, long ticks = 1)
    {
        lock (ring.Gate) return ring.Append(stream, RecordFlags.None, 0, ticks, default, Encoding.ASCII.GetBytes(line));
    }

    /// <summary>An 80-byte line (a 100-byte entry) that starts with its number.</summary>
    private static string Line(int n) => n.ToString("D4") + new string('.', 76);

    private static long Counter(Counters counters, string name) =>
        long.Parse(Regex.Match(counters.Format("x"), $@"\b{Regex.Escape(name)}=(\d+)").Groups[1].Value);

    [Test]
    public void Records_come_out_in_order_with_every_field()
    {
        using var ring = NewRing(out _);
        lock (ring.Gate)
        {
            Assert.That(ring.Append(LogStream.Stdout, RecordFlags.None, 0, 111, default, "whole"u8), Is.True);
            Assert.That(ring.Append(LogStream.Stderr, RecordFlags.Partial, 1, 222, Id, "piece"u8), Is.True);
            Assert.That(ring.Append(LogStream.Stderr, RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated, 2, 222, Id, ""u8), Is.True);
        }
        Assert.That(ring.QueuedEntries, Is.EqualTo(3));
        var records = RingRecords.Drain(ring);
        Assert.That(records.Select(r => r.ToString()), Is.EqualTo(new[]
        {
            "Stdout None #0 5 bytes @111",
            "Stderr Partial #1 5 bytes @222",
            "Stderr Partial, Last, Unterminated #2 0 bytes @222",
        }));
        Assert.That(records[0].Text, Is.EqualTo("whole"));
        Assert.That(records[0].PartialId, Is.EqualTo(""));
        Assert.That(records[1].Text, Is.EqualTo("piece"));
        Assert.That(records[1].PartialId, Is.EqualTo(Encoding.ASCII.GetString(Id)));
        Assert.That(records[2].PartialId, Is.EqualTo(Encoding.ASCII.GetString(Id)));
        Assert.That(ring.QueuedEntries, Is.EqualTo(0));
    }

    [Test]
    public void Capacity_counts_headers_and_lines_exactly()
    {
        using var ring = NewRing(out var counters);
        for (int i = 0; i < 10; i++) Assert.That(Append(ring, Line(i)), Is.True);
        Assert.That(ring.QueuedEntries, Is.EqualTo(10));
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(0), "ten 100-byte entries fit in 1000 bytes");
        Assert.That(RingRecords.Drain(ring).Select(r => r.Text[..4]), Is.EqualTo(Enumerable.Range(0, 10).Select(i => i.ToString("D4"))));
    }

    [Test]
    public void Non_blocking_full_ring_drops_the_oldest_lines_never_waits()
    {
        using var ring = NewRing(out var counters);
        for (int i = 0; i < 13; i++) Assert.That(Append(ring, Line(i)), Is.True);
        Assert.That(ring.QueuedEntries, Is.EqualTo(10));
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(3));
        Assert.That(Counter(counters, "dropped.stdout.bytes"), Is.EqualTo(240));
        Assert.That(RingRecords.Drain(ring).Select(r => r.Text[..4]), Is.EqualTo(Enumerable.Range(3, 10).Select(i => i.ToString("D4"))));
    }

    [Test]
    public void A_larger_line_drops_as_many_old_lines_as_it_needs()
    {
        using var ring = NewRing(out var counters);
        for (int i = 0; i < 10; i++) Append(ring, Line(i));
        // 20 + 64 + 100 = 184 bytes: two 100-byte entries are not enough room.
        lock (ring.Gate) Assert.That(ring.Append(LogStream.Stdout, RecordFlags.Partial, 1, 5, Id, new byte[100]), Is.True);
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(2));
        var records = RingRecords.Drain(ring);
        Assert.That(records, Has.Count.EqualTo(9));
        Assert.That(records[0].Text[..4], Is.EqualTo("0002"));
        Assert.That(records[^1].Line.Length, Is.EqualTo(100));
    }

    [Test]
    public void Drops_are_counted_per_stream_and_reported_once_in_a_notice()
    {
        using var ring = NewRing(out var counters);
        var before = DateTime.UtcNow.Ticks;
        Append(ring, Line(0), LogStream.Stdout);
        Append(ring, Line(1), LogStream.Stderr);
        Append(ring, Line(2), LogStream.Stderr);
        for (int i = 3; i < 10; i++) Append(ring, Line(i), LogStream.Stdout);
        Append(ring, "a", LogStream.Stdout);   // 21 bytes: drops line 0 (stdout)
        Append(ring, Line(11), LogStream.Stdout); // drops line 1 (stderr)
        Append(ring, Line(12), LogStream.Stdout); // drops line 2 (stderr), and now fits
        var after = DateTime.UtcNow.Ticks;

        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(1));
        Assert.That(counters.DroppedLines(LogStream.Stderr), Is.EqualTo(2));
        Assert.That(Counter(counters, "dropped.stderr.bytes"), Is.EqualTo(160));

        var records = RingRecords.Drain(ring, out var notice);
        Assert.That(notice.Any, Is.True);
        Assert.That((notice.StdoutLines, notice.StdoutBytes, notice.StderrLines, notice.StderrBytes), Is.EqualTo((1L, 80L, 2L, 160L)));
        Assert.That(notice.SinceTicks, Is.InRange(before, after), "the time of the first drop");
        Assert.That(records.Select(r => r.Text[..1] == "a" ? "a" : r.Text[..4]),
            Is.EqualTo(new[] { "0003", "0004", "0005", "0006", "0007", "0008", "0009", "a", "0011", "0012" }));

        Append(ring, "x");
        RingRecords.Drain(ring, out var second);
        Assert.That(second.Any, Is.False, "a notice is given once");
        Assert.That(second, Is.EqualTo(default(DropNotice)));
    }

    [Test]
    public void Notice_time_restarts_after_a_notice_was_taken()
    {
        using var ring = NewRing(out _);
        for (int i = 0; i < 11; i++) Append(ring, Line(i));
        RingRecords.Drain(ring, out var first);
        Thread.Sleep(20);
        var before = DateTime.UtcNow.Ticks;
        for (int i = 0; i < 11; i++) Append(ring, Line(i));
        RingRecords.Drain(ring, out var second);
        Assert.That(first.StdoutLines, Is.EqualTo(1));
        Assert.That(second.StdoutLines, Is.EqualTo(1));
        Assert.That(second.SinceTicks, Is.GreaterThanOrEqualTo(before));
    }

    [Test]
    public void Without_drop_notice_drops_are_counted_but_no_notice_is_given()
    {
        using var ring = NewRing(out var counters, dropNotice: false);
        for (int i = 0; i < 12; i++) Append(ring, Line(i));
        RingRecords.Drain(ring, out var notice);
        Assert.That(notice.Any, Is.False);
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(2));
    }

    [Test]
    public void Reserved_lines_are_not_dropped_before_they_are_committed()
    {
        using var ring = NewRing(out var counters);
        for (int i = 0; i < 10; i++) Append(ring, Line(i));
        Assert.That(ring.Reserve(() => false, out long position, out long end, out _), Is.True);
        var appended = Task.Run(() => Append(ring, Line(10)));
        Assert.That(appended.Wait(200), Is.False, "a reserved entry is being encoded: the writer waits rather than drop it");
        // The sender took the first two entries into its batch.
        ring.Read(position, out long size0);
        ring.Read(position + size0, out long size1);
        ring.Commit(position + size0 + size1, 2);
        Assert.That(appended.Wait(5000), Is.True);
        Assert.That(appended.Result, Is.True);
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(0));
        Assert.That(RingRecords.Drain(ring).Select(r => r.Text[..4]), Is.EqualTo(Enumerable.Range(2, 9).Select(i => i.ToString("D4"))));
    }

    [Test]
    public void Uncommitted_part_of_a_reservation_is_handed_out_again()
    {
        using var ring = NewRing(out _);
        for (int i = 0; i < 4; i++) Append(ring, Line(i));
        ring.Reserve(() => false, out long position, out long end, out _);
        ring.Read(position, out long size);
        ring.Commit(position + size, 1);
        Assert.That(ring.QueuedEntries, Is.EqualTo(3));
        Assert.That(RingRecords.Drain(ring).Select(r => r.Text[..4]), Is.EqualTo(new[] { "0001", "0002", "0003" }));
    }

    [Test]
    public void Blocking_full_ring_makes_the_writer_wait_for_the_sender()
    {
        using var ring = NewRing(out var counters, blocking: true);
        for (int i = 0; i < 10; i++) Append(ring, Line(i));
        var appended = Task.Run(() => Append(ring, Line(10)));
        Assert.That(appended.Wait(200), Is.False, "blocking mode waits for room");
        var first = RingRecords.Drain(ring);
        Assert.That(appended.Wait(5000), Is.True);
        Assert.That(appended.Result, Is.True);
        Assert.That(first, Has.Count.EqualTo(10));
        Assert.That(RingRecords.Drain(ring).Single().Text[..4], Is.EqualTo("0010"));
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(0));
    }

    [Test]
    public void Blocking_writer_is_released_with_false_when_adding_completes()
    {
        using var ring = NewRing(out _, blocking: true);
        for (int i = 0; i < 10; i++) Append(ring, Line(i));
        var appended = Task.Run(() => Append(ring, Line(10)));
        Assert.That(appended.Wait(100), Is.False);
        ring.CompleteAdding();
        Assert.That(appended.Wait(5000), Is.True);
        Assert.That(appended.Result, Is.False);
        Assert.That(Append(ring, "late"), Is.False);
        Assert.That(ring.QueuedEntries, Is.EqualTo(10));
    }

    [Test]
    public void Blocking_writer_gives_up_at_the_shutdown_deadline()
    {
        using var ring = NewRing(out _, blocking: true);
        for (int i = 0; i < 10; i++) Append(ring, Line(i));
        var appended = Task.Run(() => Append(ring, Line(10)));
        Assert.That(appended.Wait(100), Is.False);
        ring.SetDeadline(Environment.TickCount64 + 100);
        Assert.That(appended.Wait(5000), Is.True);
        Assert.That(appended.Result, Is.False);
        Assert.That(ring.QueuedEntries, Is.EqualTo(10));
    }

    [Test]
    public void First_deadline_wins()
    {
        using var ring = NewRing(out _);
        ring.SetDeadline(1234);
        ring.SetDeadline(5678);
        Assert.That(ring.DeadlineMs, Is.EqualTo(1234));
    }

    [Test]
    public void Reserve_waits_for_a_line()
    {
        using var ring = NewRing(out _);
        var reserved = Task.Run(() => RingRecords.Drain(ring));
        Assert.That(reserved.Wait(100), Is.False);
        Append(ring, "hello");
        Assert.That(reserved.Wait(5000), Is.True);
        Assert.That(reserved.Result.Single().Text, Is.EqualTo("hello"));
    }

    [Test]
    public void Reserve_ends_when_complete_and_empty_interrupted_or_past_the_deadline()
    {
        using (var ring = NewRing(out _))
        {
            Append(ring, "last");
            ring.CompleteAdding();
            Assert.That(RingRecords.Drain(ring).Single().Text, Is.EqualTo("last"), "queued lines are still handed out after completion");
            Assert.That(ring.Reserve(() => false, out _, out _, out _), Is.False);
        }
        using (var ring = NewRing(out _))
        {
            Assert.That(ring.Reserve(() => true, out long start, out long end, out _), Is.True, "interrupted: the sender has work to do (reopen)");
            Assert.That(end, Is.EqualTo(start));
        }
        using (var ring = NewRing(out _))
        {
            ring.SetDeadline(Environment.TickCount64 + 50);
            var reserve = Task.Run(() => ring.Reserve(() => false, out _, out _, out _));
            Assert.That(reserve.Wait(5000), Is.True);
            Assert.That(reserve.Result, Is.False);
        }
    }

    [Test]
    public void Wake_lets_an_interrupted_sender_return()
    {
        using var ring = NewRing(out _);
        bool interrupt = false;
        var reserve = Task.Run(() => ring.Reserve(() => Volatile.Read(ref interrupt), out _, out _, out _));
        Assert.That(reserve.Wait(100), Is.False);
        Volatile.Write(ref interrupt, true);
        ring.Wake();
        Assert.That(reserve.Wait(5000), Is.True);
        Assert.That(reserve.Result, Is.True);
    }

    [Test]
    public void Entries_crossing_the_end_of_the_ring_come_out_intact()
    {
        using var ring = NewRing(out var counters);
        // 950 bytes, consumed: the next entry starts 50 bytes before the end and spills past it.
        for (int i = 0; i < 9; i++) Append(ring, Line(i));
        lock (ring.Gate) ring.Append(LogStream.Stdout, RecordFlags.None, 0, 1, default, new byte[30]);
        RingRecords.Drain(ring);
        lock (ring.Gate) Assert.That(ring.Append(LogStream.Stderr, RecordFlags.Partial, 7, 99, Id, Encoding.ASCII.GetBytes(new string('p', 100))), Is.True);
        for (int i = 0; i < 4; i++) Append(ring, Line(100 + i));
        var records = RingRecords.Drain(ring);
        Assert.That(records[0].ToString(), Is.EqualTo("Stderr Partial #7 100 bytes @99"));
        Assert.That(records[0].Text, Is.EqualTo(new string('p', 100)));
        Assert.That(records[0].PartialId, Is.EqualTo(Encoding.ASCII.GetString(Id)));
        Assert.That(records.Skip(1).Select(r => r.Text), Is.EqualTo(Enumerable.Range(100, 4).Select(Line)));
        Assert.That(counters.DroppedLines(LogStream.Stdout), Is.EqualTo(0));
    }

    [Test]
    public void Long_run_of_varied_lines_with_overflow_loses_only_whole_counted_lines_oldest_first()
    {
        using var ring = NewRing(out var counters, capacity: 4096, maxLine: 300);
        var random = new Random(4242);
        var sent = new List<string>();
        var received = new List<Captured>();
        for (int round = 0; round < 400; round++)
        {
            int burst = random.Next(1, 40);
            for (int i = 0; i < burst; i++)
            {
                int n = sent.Count;
                var line = $"{n:D6}:" + new string((char)('a' + n % 26), random.Next(0, 290));
                var stream = (LogStream)(n % 2);
                bool partial = random.Next(4) == 0;
                lock (ring.Gate)
                    Assert.That(ring.Append(stream, partial ? RecordFlags.Partial : RecordFlags.None, partial ? 1 : 0, n, partial ? Id : default, Encoding.ASCII.GetBytes(line)), Is.True);
                sent.Add(line);
            }
            if (random.Next(3) != 0) received.AddRange(RingRecords.Drain(ring));
        }
        received.AddRange(RingRecords.DrainAll(ring));

        // Every line that came out is intact, in order, with its own fields.
        var numbers = received.Select(r => int.Parse(r.Text[..6])).ToList();
        Assert.That(numbers, Is.Ordered.Ascending);
        Assert.That(numbers.Distinct().Count(), Is.EqualTo(numbers.Count));
        foreach (var r in received)
        {
            int n = int.Parse(r.Text[..6]);
            Assert.That(r.Text, Is.EqualTo(sent[n]));
            Assert.That(r.Ticks, Is.EqualTo(n));
            Assert.That(r.Stream, Is.EqualTo((LogStream)(n % 2)));
            Assert.That(r.PartialId, Is.EqualTo(r.Flags == RecordFlags.Partial ? Encoding.ASCII.GetString(Id) : ""));
        }
        long dropped = counters.DroppedLines(LogStream.Stdout) + counters.DroppedLines(LogStream.Stderr);
        Assert.That(dropped, Is.GreaterThan(0), "the test should overflow the ring");
        Assert.That(received.Count + dropped, Is.EqualTo(sent.Count));
        var lost = Enumerable.Range(0, sent.Count).Except(numbers).ToList();
        Assert.That(counters.DroppedLines(LogStream.Stderr), Is.EqualTo(lost.Count(n => n % 2 == 1)));
        Assert.That(Counter(counters, "dropped.stdout.bytes"), Is.EqualTo(lost.Where(n => n % 2 == 0).Sum(n => (long)sent[n].Length)));
    }
}
