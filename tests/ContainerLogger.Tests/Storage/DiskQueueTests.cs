using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Storage;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Storage;

/// <summary>The disk buffer (CONTRACT.md section 10) driven in-process: order, restarts, damage, budget, lock, failures.</summary>
public class DiskQueueTests
{
    private static readonly byte[] PartialId = Encoding.ASCII.GetBytes(new string('a', 40) + new string('7', 24));

    private static string[] Numbered(string prefix, int from, int count, int width = 0) =>
        Enumerable.Range(from, count).Select(i => $"{prefix}{i:D6}{new string('.', width)}").ToArray();

    private static long Counter(Counters counters, string name) =>
        long.Parse(Regex.Match(counters.Format("x"), $@"\b{Regex.Escape(name)}=(-?\d+)").Groups[1].Value);

    /// <summary>Within a run and across a restart (CONTRACT section 10: the original times, streams and partial metadata).</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Lines_come_back_in_order_with_stream_time_and_partial_metadata(bool restart)
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, "one", "two").Append(LogStream.Stderr, "err");
        rig.Append(new LogRecord("piece"u8, LogStream.Stdout, 4242, RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated, 3, PartialId));
        rig.Append(new LogRecord(""u8, LogStream.Stderr, 7));
        if (restart) rig.Reopen();
        var records = rig.Deliver();
        Assert.That(records.Select(r => $"{r.Stream}:{r.Text}"), Is.EqualTo(new[] { "Stdout:one", "Stdout:two", "Stderr:err", "Stdout:piece", "Stderr:" }));
        Assert.That(records[0].Ticks, Is.EqualTo(1003));
        var piece = records[3];
        Assert.That((piece.Flags, piece.Ordinal, piece.Ticks, piece.PartialId),
            Is.EqualTo((RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated, 3, 4242L, Encoding.ASCII.GetString(PartialId))));
        Assert.That(rig.Queue.Durable, Is.True);
    }

    [Test]
    public void Nothing_is_read_back_before_the_read_that_appended_it_ends()
    {
        using var rig = new DiskQueueRig();
        lock (rig.Queue.Gate) rig.Queue.Append(new LogRecord("pending"u8, LogStream.Stdout, 1), 0);
        Assert.That(rig.Deliver(), Is.Empty);
        rig.Queue.EndOfRead();
        Assert.That(rig.Deliver().Select(r => r.Text), Is.EqualTo(new[] { "pending" }));
    }

    [Test]
    public void A_restart_delivers_what_was_not_delivered_first_then_new_lines()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, Numbered("a", 0, 1000));
        Assert.That(rig.Deliver(batch: 300).Count, Is.EqualTo(1000), "taken, but the destination never confirms the last batch");
        rig.Deliver(); // the first batches were delivered: only a tail stays queued
        rig.Reopen();
        Assert.That(rig.Queue.LeftoverLines, Is.Zero, "everything was delivered before the restart");

        rig.Append(LogStream.Stdout, Numbered("b", 0, 500));
        var taken = rig.Deliver(batch: 200, confirm: false);
        Assert.That(taken, Has.Count.EqualTo(500));
        rig.Reopen();
        Assert.That(rig.Queue.LeftoverLines, Is.EqualTo(500), "nothing confirmed: all of it is still queued");
        rig.Append(LogStream.Stderr, "new");
        var again = rig.Deliver();
        Assert.That(again.Select(r => r.Text), Is.EqualTo(Numbered("b", 0, 500).Append("new")));
        Assert.That(Counter(rig.Counters, "disk.replayed.lines"), Is.EqualTo(500));
    }

    [Test]
    public void Delivery_resumes_after_the_last_confirmed_batch_inside_a_segment()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, Numbered("c", 0, 100));
        var first = rig.Deliver(batch: 40, confirm: true);
        Assert.That(first, Has.Count.EqualTo(100));
        // Only the first 40 were confirmed in a run that then stopped: simulate with a fresh queue that confirms 40.
        rig.Append(LogStream.Stdout, Numbered("d", 0, 100));
        rig.Queue.Reserve(() => true, out long position, out long end, out _);
        long count = 0;
        while (position < end && count < 40)
        {
            rig.Queue.Read(position, out long size);
            position += size;
            count++;
        }
        rig.Queue.Commit(position, count);
        rig.Queue.Delivered();
        rig.Reopen();
        Assert.That(rig.Queue.LeftoverLines, Is.EqualTo(60));
        Assert.That(rig.Deliver().Select(r => r.Text), Is.EqualTo(Numbered("d", 40, 60)));
    }

    [Test]
    public void Segments_are_deleted_once_delivered_and_the_budget_is_spread_over_many()
    {
        using var rig = new DiskQueueRig(maxBytes: 16 << 20);
        for (int i = 0; i < 40; i++) rig.Append(LogStream.Stdout, Numbered($"s{i:D2}-", 0, 1000, width: 80));
        Assert.That(rig.SegmentFiles().Length, Is.GreaterThan(5), "3.5 MB in 512 KiB segments");
        Assert.That(rig.Deliver(), Has.Count.EqualTo(40_000));
        Assert.That(rig.SegmentFiles().Length, Is.LessThanOrEqualTo(1), "only the segment still being written remains");
    }

    [Test]
    public void Crash_leaves_an_unsealed_segment_that_the_next_start_reads_through_and_seals()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, Numbered("k", 0, 300));
        // The process dies: nothing is closed; the kernel drops its lock.
        var crashed = Copy(rig, "crashed");
        var files = System.IO.Directory.GetFiles(crashed, "*.seg");
        Assert.That(files, Has.Length.EqualTo(1));
        long sizeBefore = new FileInfo(files[0]).Length;

        using var after = new DiskQueueRig(path: crashed, directory: rig.Directory);
        Assert.That(after.Queue.LeftoverLines, Is.EqualTo(300));
        Assert.That(new FileInfo(files[0]).Length, Is.EqualTo(sizeBefore + SegmentFormat.SealSize), "sealed at start");
        Assert.That(after.Deliver().Select(r => r.Text), Is.EqualTo(Numbered("k", 0, 300)));
    }

    [Test]
    public void A_torn_record_at_the_tail_is_discarded_and_reported()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, Numbered("t", 0, 50));
        var crashed = Copy(rig, "torn");
        var segment = System.IO.Directory.GetFiles(crashed, "*.seg").Single();
        // Half of one more record, as a crash in the middle of its write leaves it.
        var record = new byte[SegmentFormat.RecordHeaderSize + 100];
        SegmentFormat.WriteLine(new LogRecord(new byte[100 - 28 + 28], LogStream.Stdout, 1), record);
        using (var file = new FileStream(segment, FileMode.Append)) file.Write(record, 0, 60);

        using var after = new DiskQueueRig(path: crashed, directory: rig.Directory);
        Assert.That(after.Diagnostics, Does.Contain("discarded a torn record of 60 bytes"));
        Assert.That(after.Deliver().Select(r => r.Text), Is.EqualTo(Numbered("t", 0, 50)));
    }

    [Test]
    public void A_damaged_record_in_the_middle_is_skipped_reported_and_counted()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, Numbered("m", 0, 20));
        rig.Reopen(); // sealed, so the next start does not read it through
        rig.Queue.Dispose();
        var segment = rig.SegmentFiles().Single();
        var bytes = File.ReadAllBytes(segment);
        int tenth = IndexOf(bytes, "m000010"u8.ToArray());
        bytes[tenth + 2] ^= 0x20; // one flipped bit in the line: its checksum no longer holds
        File.WriteAllBytes(segment, bytes);

        rig.Start();
        var delivered = rig.Deliver();
        Assert.That(delivered.Select(r => r.Text), Is.EqualTo(Numbered("m", 0, 10).Concat(Numbered("m", 11, 9))));
        Assert.That(rig.Diagnostics, Does.Match("skipped \\d+ damaged bytes"));
        Assert.That(Counter(rig.Counters, "disk.damaged.records"), Is.EqualTo(1));
    }

    [Test]
    public void A_damaged_length_does_not_lose_the_records_after_it()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stderr, Numbered("L", 0, 30));
        rig.Reopen();
        rig.Queue.Dispose();
        var segment = rig.SegmentFiles().Single();
        var bytes = File.ReadAllBytes(segment);
        int fifth = IndexOf(bytes, "L000005"u8.ToArray()) - SegmentFormat.RecordHeaderSize;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fifth + 8), 900_000); // the length now runs far past the file
        File.WriteAllBytes(segment, bytes);

        rig.Start();
        Assert.That(rig.Deliver().Select(r => r.Text), Is.EqualTo(Numbered("L", 0, 5).Concat(Numbered("L", 6, 24))));
    }

    [Test]
    public void A_full_budget_in_non_blocking_mode_drops_the_oldest_counted_per_stream_and_keeps_the_newest()
    {
        // 2 MiB in 512 KiB segments; 40,000 lines of 107 bytes (about 5 MB) with nobody delivering.
        using var rig = new DiskQueueRig(maxBytes: 2 << 20);
        for (int i = 0; i < 40; i++)
        {
            rig.Append(LogStream.Stdout, Numbered($"o{i:D2}-", 0, 900, width: 70));
            rig.Append(LogStream.Stderr, Numbered($"e{i:D2}-", 0, 100, width: 70));
        }
        long onDisk = rig.SegmentFiles().Sum(f => new FileInfo(f).Length);
        Assert.That(onDisk, Is.LessThanOrEqualTo(2 << 20));
        var delivered = rig.Deliver();
        Assert.That(delivered[^1].Text, Does.StartWith("e39-000099"), "the newest line is kept");
        Assert.That(delivered.Any(r => r.Text.StartsWith("o00-", StringComparison.Ordinal)), Is.False, "the oldest lines were dropped");
        long droppedOut = Counter(rig.Counters, "dropped.stdout.lines"), droppedErr = Counter(rig.Counters, "dropped.stderr.lines");
        Assert.That(droppedOut + droppedErr + delivered.Count, Is.EqualTo(40_000), "every line delivered or counted as dropped");
        Assert.That(droppedErr, Is.GreaterThan(0));
        Assert.That(rig.Notices.Sum(n => n.StdoutLines + n.StderrLines), Is.EqualTo(droppedOut + droppedErr));
        Assert.That(rig.Notices[0].Reason, Does.Contain("max-disk-buffer-size 2097152"));
        // Per stream the survivors are the newest, in order.
        var outs = delivered.Where(r => r.Stream == LogStream.Stdout).Select(r => r.Text).ToList();
        Assert.That(outs, Is.Ordered.Using<string>(StringComparer.Ordinal));
    }

    [Test]
    public void Blocking_mode_waits_for_room_instead_of_dropping()
    {
        using var rig = new DiskQueueRig(maxBytes: 2 << 20, blocking: true);
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 30; i++) rig.Append(LogStream.Stdout, Numbered($"b{i:D2}-", 0, 1000, width: 70));
        });
        var delivered = new List<Captured>();
        while (!writer.IsCompleted || delivered.Count < 30_000)
        {
            delivered.AddRange(rig.Deliver());
            Assert.That(rig.SegmentFiles().Sum(f => new FileInfo(f).Length), Is.LessThanOrEqualTo(2 << 20));
            if (delivered.Count < 30_000) Thread.Sleep(5);
            Assert.That(writer.Wait(0) || !writer.IsFaulted, Is.True);
        }
        writer.Wait();
        Assert.That(delivered, Has.Count.EqualTo(30_000));
        Assert.That(Counter(rig.Counters, "dropped.stdout.lines"), Is.Zero);
    }

    /// <summary>CONTRACT section 10: buffer-path is created with its parents, readable by the sidecar's user only (0700).</summary>
    [Test]
    public void The_buffer_path_is_created_with_its_parents_for_its_owner_only()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("lib/containerlogger/c0ffee");
        using var rig = new DiskQueueRig(path: path, directory: dir);
        rig.Append(LogStream.Stdout, "one");
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(rig.SegmentFiles(), Has.Length.EqualTo(1));
    }

    [Test]
    public void A_second_queue_on_the_same_directory_is_refused()
    {
        using var rig = new DiskQueueRig();
        var error = Assert.Throws<DiskBufferInUseException>(() => DiskQueue.Open(rig.Settings, new Counters(), new Diagnostics(TextWriter.Null)));
        Assert.That(error!.Message, Does.Contain("in use by another containerlogger"));
    }

    [Test]
    public void A_segment_of_a_newer_format_is_left_untouched_with_an_error()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, "old format line");
        rig.Queue.Dispose();
        // A newer binary wrote segment 0 (before ours) with format 2.
        var newer = System.IO.Path.Combine(rig.Path, SegmentFormat.FileName(0));
        var header = new byte[SegmentFormat.HeaderSize + 10];
        SegmentFormat.WriteHeader(header, 0, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        File.WriteAllBytes(newer, header);

        rig.Start();
        Assert.That(rig.Diagnostics, Does.Contain($"{SegmentFormat.FileName(0)} was written by a newer containerlogger (format 2"));
        Assert.That(rig.Deliver().Select(r => r.Text), Is.EqualTo(new[] { "old format line" }));
        rig.Append(LogStream.Stdout, "after");
        rig.Deliver();
        Assert.That(File.ReadAllBytes(newer), Is.EqualTo(header), "untouched");
        Assert.That(rig.SegmentFiles().Select(System.IO.Path.GetFileName).Min(), Is.EqualTo(SegmentFormat.FileName(0)));
    }

    [Test]
    public void A_torn_cursor_slot_falls_back_to_the_other_and_only_repeats_a_batch()
    {
        using var rig = new DiskQueueRig();
        rig.Append(LogStream.Stdout, Numbered("c", 0, 10));
        foreach (var n in new[] { 3, 3, 4 })
        {
            rig.Queue.Reserve(() => true, out long position, out long end, out _);
            for (int i = 0; i < n; i++)
            {
                rig.Queue.Read(position, out long size);
                position += size;
            }
            rig.Queue.Commit(position, n);
            rig.Queue.Delivered();
        }
        rig.Queue.Dispose();
        // The third write (the newest, slot 1) was torn.
        var cursor = System.IO.Path.Combine(rig.Path, "cursor");
        var bytes = File.ReadAllBytes(cursor);
        bytes[32 + 20] ^= 0xFF;
        File.WriteAllBytes(cursor, bytes);
        rig.Start();
        Assert.That(rig.Deliver().Select(r => r.Text), Is.EqualTo(Numbered("c", 6, 4)), "from the second batch's end, one batch again");
    }

    [Test]
    public void An_unusable_directory_falls_back_to_memory_and_still_delivers()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("file"), "not a directory");
        using var rig = new DiskQueueRig(path: dir.Combine("file", "queue"), directory: dir);
        Assert.That(rig.Queue.Durable, Is.False);
        Assert.That(rig.Diagnostics, Does.Contain("queuing in memory"));
        rig.Append(LogStream.Stdout, "kept in memory");
        Assert.That(rig.Deliver().Select(r => r.Text), Is.EqualTo(new[] { "kept in memory" }));
        Assert.That(Counter(rig.Counters, "disk.memory.lines"), Is.EqualTo(1));
    }

    [Test]
    public void The_summary_counts_what_stays_on_disk_as_kept_not_lost()
    {
        using var rig = new DiskQueueRig();
        lock (rig.Queue.Gate)
            foreach (var line in Numbered("q", 0, 10))
            {
                rig.Counters.AddRead(LogStream.Stdout, 1, line.Length);
                rig.Queue.Append(new LogRecord(Encoding.UTF8.GetBytes(line), LogStream.Stdout, 1), 0);
            }
        rig.Queue.EndOfRead();
        Assert.That(Counter(rig.Counters, "disk.queued.lines"), Is.EqualTo(10));
        Assert.That(Counter(rig.Counters, "undelivered"), Is.Zero, rig.Counters.Format("summary"));
        rig.Reopen();
        Assert.That(Counter(rig.Counters, "disk.leftover.lines"), Is.EqualTo(10));
        rig.Counters.AddDelivered(rig.Deliver().Count);
        Assert.That(Counter(rig.Counters, "disk.queued.lines"), Is.Zero);
        Assert.That(Counter(rig.Counters, "undelivered"), Is.Zero);
    }

    /// <summary>
    /// However long nothing is delivered, a finished segment's file is closed: at once with none, synced and closed at
    /// once with always (the read that finished it leaves the pipe next), at the next sync with interval.
    /// </summary>
    [TestCase("none")]
    [TestCase("always")]
    [TestCase("interval")]
    public void Finished_segments_do_not_stay_open_while_nothing_is_delivered(string bufferSync)
    {
        var sync = Enum.Parse<BufferSync>(bufferSync, ignoreCase: true);
        using var rig = new DiskQueueRig(maxBytes: 16 << 20, sync: sync);
        for (int i = 0; i < 40; i++) rig.Append(LogStream.Stdout, Numbered($"s{i:D2}-", 0, 1000, width: 80));
        Assert.That(rig.SegmentFiles().Length, Is.GreaterThan(5), "3.5 MB in 512 KiB segments");
        if (sync == BufferSync.Interval) rig.Queue.Sleep(1100); // the sender's wait, during which the interval's sync runs
        Assert.That(OpenSegmentFiles(rig), Is.EqualTo(1), "only the segment being written is open");
    }

    private static int OpenSegmentFiles(DiskQueueRig rig) => System.IO.Directory.GetFiles("/proc/self/fd")
        .Select(fd => new FileInfo(fd).LinkTarget)
        .Count(target => target is not null && target.StartsWith(rig.Path + "/", StringComparison.Ordinal) && target.EndsWith(".seg", StringComparison.Ordinal));

    [TestCase(false)]
    [TestCase(true)]
    public void A_retry_backoff_ends_on_time_with_or_without_a_sync_pending(bool syncInterval)
    {
        using var rig = new DiskQueueRig(sync: syncInterval ? BufferSync.Interval : BufferSync.None);
        rig.Append(LogStream.Stdout, "written, maybe not yet synced");
        var sleep = Task.Run(() => rig.Queue.Sleep(100));
        Assert.That(sleep.Wait(TimeSpan.FromSeconds(20)), Is.True, "the sender's backoff sleep never ended");
    }

    private static string Copy(DiskQueueRig rig, string name)
    {
        var target = rig.Directory.Combine(name);
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.GetFiles(rig.Path))
            if (System.IO.Path.GetFileName(file) != "lock") File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
        return target;
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
