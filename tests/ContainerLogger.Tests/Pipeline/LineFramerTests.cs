using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Pipeline;

/// <summary>Line framing (CONTRACT.md section 5): LineFramer into a LogRing large enough never to drop.</summary>
public class LineFramerTests
{
    private const int MaxLine = 1024;
    private const RecordFlags Partial = RecordFlags.Partial;
    private const RecordFlags PartialLast = RecordFlags.Partial | RecordFlags.Last;
    private const RecordFlags Tail = RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated;

    private sealed class Rig : IDisposable
    {
        public Rig(int maxLine = MaxLine, LogStream stream = LogStream.Stdout)
        {
            Counters = new Counters();
            Ring = new LogRing(8 << 20, maxLine, blocking: false, dropNotice: true, Counters);
            Framer = new LineFramer(stream, maxLine, Ring, Counters);
        }

        public Counters Counters { get; }
        public LogRing Ring { get; }
        public LineFramer Framer { get; }

        /// <summary>One read of <paramref name="bytes"/> at <paramref name="ticks"/> (several reads if the free space is smaller).</summary>
        public Rig Read(ReadOnlySpan<byte> bytes, long ticks = 1000)
        {
            while (!bytes.IsEmpty)
            {
                var space = Framer.FreeSpace();
                Assert.That(space.Length, Is.GreaterThan(0));
                int n = Math.Min(space.Length, bytes.Length);
                bytes[..n].CopyTo(space);
                lock (Ring.Gate) Assert.That(Framer.Frame(n, ticks), Is.True);
                bytes = bytes[n..];
            }
            return this;
        }

        public Rig Read(string text, long ticks = 1000) => Read(Encoding.Latin1.GetBytes(text), ticks);

        public Rig Eof(long ticks = 9999)
        {
            lock (Ring.Gate) Assert.That(Framer.Finish(ticks), Is.True);
            return this;
        }

        public List<Captured> Records() => RingRecords.DrainAll(Ring);

        public void Dispose() => Ring.Dispose();
    }

    private static string Lines(IEnumerable<Captured> records) => string.Join("|", records.Select(r => $"{r.Text}:{r.Flags}:{r.Ordinal}"));

    [Test]
    public void Lines_are_split_on_newline_which_is_removed()
    {
        using var rig = new Rig().Read("one\ntwo\nthree\n", ticks: 42);
        var records = rig.Records();
        Assert.That(records.Select(r => r.Text), Is.EqualTo(new[] { "one", "two", "three" }));
        Assert.That(records, Has.All.Matches<Captured>(r => r.Flags == RecordFlags.None && r.Ordinal == 0 && r.PartialId == "" && r.Ticks == 42 && r.Stream == LogStream.Stdout));
        Assert.That(rig.Counters.ReadLines(LogStream.Stdout), Is.EqualTo(3));
    }

    [Test]
    public void Empty_lines_are_kept()
    {
        using var rig = new Rig().Read("\n\na\n\n");
        Assert.That(rig.Records().Select(r => r.Text), Is.EqualTo(new[] { "", "", "a", "" }));
    }

    [Test]
    public void Carriage_returns_are_kept()
    {
        using var rig = new Rig().Read("dos\r\n\r\nmid\rdle\n\r\r\n");
        Assert.That(rig.Records().Select(r => r.Text), Is.EqualTo(new[] { "dos\r", "\r", "mid\rdle", "\r\r" }));
    }

    [Test]
    public void Nul_bytes_and_invalid_utf8_pass_through_unchanged()
    {
        var line = Enumerable.Range(0, 256).Where(b => b != '\n').Select(b => (byte)b).ToArray();
        byte[] input = [.. line, (byte)'\n', 0, 0, 0xFF, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xE2, 0x82, (byte)'\n'];
        using var rig = new Rig().Read(input);
        var records = rig.Records();
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].Line, Is.EqualTo(line));
        Assert.That(records[1].Line, Is.EqualTo(new byte[] { 0, 0, 0xFF, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xE2, 0x82 }));
        Assert.That(records.Select(r => r.Flags), Has.All.EqualTo(RecordFlags.None));
    }

    [Test]
    public void Stream_is_the_framer_s()
    {
        using var rig = new Rig(stream: LogStream.Stderr).Read("err\n");
        var record = rig.Records().Single();
        Assert.That(record.Stream, Is.EqualTo(LogStream.Stderr));
        Assert.That(rig.Counters.ReadLines(LogStream.Stderr), Is.EqualTo(1));
        Assert.That(rig.Counters.ReadLines(LogStream.Stdout), Is.EqualTo(0));
    }

    [Test]
    public void One_MiB_line_becomes_64_pieces_of_16k_sharing_one_id_and_the_first_piece_s_time()
    {
        const int maxLine = 16 * 1024;
        var line = new byte[1 << 20];
        new Random(7).NextBytes(line);
        for (int i = 0; i < line.Length; i++) if (line[i] == '\n') line[i] = (byte)'x';
        using var rig = new Rig(maxLine);
        // Reads of at most 10000 bytes, each with its own time.
        byte[] input = [.. line, (byte)'\n', .. "after\n"u8];
        for (int at = 0, read = 0; at < input.Length; at += 10000, read++)
            rig.Read(input.AsSpan(at, Math.Min(10000, input.Length - at)), ticks: 5000 + read);
        var records = rig.Records();

        Assert.That(records, Has.Count.EqualTo(65));
        var pieces = records.Take(64).ToList();
        Assert.That(pieces.Select(p => p.Line.Length), Has.All.EqualTo(maxLine));
        Assert.That(pieces.Select(p => p.Ordinal), Is.EqualTo(Enumerable.Range(1, 64)));
        Assert.That(pieces.Take(63).Select(p => p.Flags), Has.All.EqualTo(Partial));
        Assert.That(pieces[63].Flags, Is.EqualTo(PartialLast));
        Assert.That(pieces.Select(p => p.PartialId).Distinct().Count(), Is.EqualTo(1));
        var id = pieces[0].PartialId;
        Assert.That(id, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(id[..12], Does.Not.Match("^[0-9]{12}$"));
        // The first piece was cut during the second read (the first held only 10000 bytes).
        Assert.That(pieces.Select(p => p.Ticks), Has.All.EqualTo(5001));
        Assert.That(pieces.SelectMany(p => p.Line).ToArray(), Is.EqualTo(line));
        Assert.That(records[64].Text, Is.EqualTo("after"));
        Assert.That(records[64].Flags, Is.EqualTo(RecordFlags.None));
        Assert.That(records[64].PartialId, Is.EqualTo(""));
        Assert.That(rig.Counters.ReadLines(LogStream.Stdout), Is.EqualTo(65), "a long line counts once per piece");
    }

    [Test]
    public void Line_of_exactly_max_line_size_is_whole()
    {
        var line = new string('a', MaxLine);
        using var rig = new Rig().Read(line + "\n");
        var record = rig.Records().Single();
        Assert.That(record.Text, Is.EqualTo(line));
        Assert.That(record.Flags, Is.EqualTo(RecordFlags.None));
        Assert.That(record.Ordinal, Is.EqualTo(0));
    }

    [Test]
    public void Line_of_exactly_max_line_size_is_whole_when_its_newline_comes_in_a_later_read()
    {
        var line = new string('a', MaxLine);
        using var rig = new Rig().Read(line, ticks: 1).Read("\n", ticks: 2);
        var record = rig.Records().Single();
        Assert.That(record.Text, Is.EqualTo(line));
        Assert.That(record.Flags, Is.EqualTo(RecordFlags.None));
        Assert.That(record.Ticks, Is.EqualTo(2), "a line's time is when its end was read");
    }

    [Test]
    public void Line_of_max_line_size_plus_one_is_two_pieces()
    {
        using var rig = new Rig().Read(new string('a', MaxLine) + "b\n");
        var records = rig.Records();
        Assert.That(Lines(records), Is.EqualTo($"{new string('a', MaxLine)}:Partial:1|b:Partial, Last:2"));
        Assert.That(records[0].PartialId, Is.EqualTo(records[1].PartialId));
    }

    [Test]
    public void Line_of_twice_max_line_size_ends_with_a_full_last_piece()
    {
        string a = new('a', MaxLine), b = new('b', MaxLine);
        using var rig = new Rig().Read(a + b + "\nnext\n");
        Assert.That(Lines(rig.Records()), Is.EqualTo($"{a}:Partial:1|{b}:Partial, Last:2|next:None:0"));
    }

    [Test]
    public void Each_long_line_gets_its_own_id()
    {
        string a = new('a', MaxLine + 1);
        using var rig = new Rig().Read(a + "\n" + a + "\n");
        var ids = rig.Records().Select(r => r.PartialId).ToList();
        Assert.That(ids, Has.Count.EqualTo(4));
        Assert.That(ids[0], Is.EqualTo(ids[1]));
        Assert.That(ids[2], Is.EqualTo(ids[3]));
        Assert.That(ids[0], Is.Not.EqualTo(ids[2]));
    }

    [Test]
    public void Bytes_left_at_EOF_are_one_last_unterminated_piece()
    {
        using var rig = new Rig().Read("line\ntail", ticks: 10).Eof(ticks: 20);
        var records = rig.Records();
        Assert.That(Lines(records), Is.EqualTo("line:None:0|tail:Partial, Last, Unterminated:1"));
        Assert.That(records[1].Ticks, Is.EqualTo(20));
        Assert.That(records[1].PartialId, Does.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void EOF_tail_of_a_long_line_continues_its_group()
    {
        string a = new('a', MaxLine);
        using var rig = new Rig().Read(a + "xyz", ticks: 10).Eof(ticks: 20);
        var records = rig.Records();
        Assert.That(Lines(records), Is.EqualTo($"{a}:Partial:1|xyz:Partial, Last, Unterminated:2"));
        Assert.That(records.Select(r => r.Ticks), Has.All.EqualTo(10));
        Assert.That(records[0].PartialId, Is.EqualTo(records[1].PartialId));
    }

    [Test]
    public void EOF_tail_of_exactly_max_line_size_is_one_piece()
    {
        string a = new('a', MaxLine);
        using var rig = new Rig().Read(a).Eof();
        Assert.That(Lines(rig.Records()), Is.EqualTo($"{a}:Partial, Last, Unterminated:1"));
    }

    [Test]
    public void EOF_after_a_newline_ships_nothing_more()
    {
        using var rig = new Rig().Read("a\n").Eof().Eof();
        Assert.That(Lines(rig.Records()), Is.EqualTo("a:None:0"));
    }

    [Test]
    public void EOF_with_no_input_ships_nothing()
    {
        using var rig = new Rig().Eof();
        Assert.That(rig.Records(), Is.Empty);
    }

    [Test]
    public void Frame_reports_a_ring_that_no_longer_takes_lines()
    {
        using var rig = new Rig();
        rig.Ring.CompleteAdding();
        var space = rig.Framer.FreeSpace();
        "x\n"u8.CopyTo(space);
        lock (rig.Ring.Gate) Assert.That(rig.Framer.Frame(2, 1), Is.False);
    }

    private static readonly byte[] Mixed = Encoding.Latin1.GetBytes(
        "first\n\n\r\n" + new string('a', MaxLine) + "\n" + new string('b', MaxLine + 1) + "\n" +
        new string('c', 2 * MaxLine) + "\nx\0\xff\n" + new string('d', 2 * MaxLine + 10) + "\n" + new string('e', MaxLine + 7));

    private static List<Captured> FrameInReads(IEnumerable<int> cuts)
    {
        using var rig = new Rig();
        int at = 0;
        foreach (var cut in cuts.Append(Mixed.Length))
        {
            rig.Read(Mixed.AsSpan(at, cut - at));
            at = cut;
        }
        return rig.Eof().Records();
    }

    private static string Shape(List<Captured> records)
    {
        // Text, flags and ordinals, and which records share an id (ids themselves are random).
        var ids = records.Select(r => r.PartialId).Where(id => id != "").Distinct().ToList();
        return string.Join("|", records.Select(r => $"{Convert.ToHexString(r.Line)}:{r.Flags}:{r.Ordinal}:{(r.PartialId == "" ? -1 : ids.IndexOf(r.PartialId))}"));
    }

    [Test]
    public void Reference_framing_of_the_mixed_input()
    {
        var records = FrameInReads([]);
        string a = new('a', MaxLine), b = new('b', MaxLine), c = new('c', MaxLine), d = new('d', MaxLine), e = new('e', MaxLine);
        Assert.That(Lines(records), Is.EqualTo(
            "first:None:0|:None:0|\r:None:0|" + a + ":None:0|" +
            b + ":Partial:1|b:Partial, Last:2|" +
            c + ":Partial:1|" + c + ":Partial, Last:2|" +
            "x\0\xff:None:0|" +
            d + ":Partial:1|" + d + ":Partial:2|dddddddddd:Partial, Last:3|" +
            e + ":Partial:1|eeeeeee:Partial, Last, Unterminated:2"));
    }

    [Test]
    public void Input_cut_into_two_reads_at_every_boundary_frames_the_same()
    {
        var expected = Shape(FrameInReads([]));
        for (int cut = 0; cut <= Mixed.Length; cut++)
            Assert.That(Shape(FrameInReads([cut])), Is.EqualTo(expected), $"cut at {cut}");
    }

    [Test]
    public void Input_read_one_byte_at_a_time_frames_the_same() =>
        Assert.That(Shape(FrameInReads(Enumerable.Range(1, Mixed.Length - 1))), Is.EqualTo(Shape(FrameInReads([]))));

    [Test]
    public void Input_cut_at_pseudo_random_places_frames_the_same()
    {
        var expected = Shape(FrameInReads([]));
        var random = new Random(12345);
        for (int round = 0; round < 200; round++)
        {
            var cuts = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(0, Mixed.Length + 1)).Order().ToList();
            Assert.That(Shape(FrameInReads(cuts)), Is.EqualTo(expected), "cuts " + string.Join(",", cuts));
        }
    }

    [Test]
    public void Free_space_is_never_less_than_half_the_buffer_however_the_lines_fall()
    {
        using var rig = new Rig();
        int bufferHalf = 32 * 1024; // the buffer is max(64 KiB, 2 * max-line-size + 2)
        var random = new Random(99);
        for (int i = 0; i < 2000; i++)
        {
            var space = rig.Framer.FreeSpace();
            Assert.That(space.Length, Is.GreaterThanOrEqualTo(bufferHalf));
            int n = random.Next(1, Math.Min(space.Length, 3000));
            for (int k = 0; k < n; k++) space[k] = random.Next(40) == 0 ? (byte)'\n' : (byte)'z';
            lock (rig.Ring.Gate) rig.Framer.Frame(n, i);
            if (i % 50 == 0) RingRecords.Drain(rig.Ring);
        }
    }

    [Test]
    public void Partial_ids_are_64_lowercase_hex_with_first_12_not_all_digits()
    {
        var seen = new HashSet<string>();
        var id = new byte[64];
        for (int i = 0; i < 500; i++)
        {
            LineFramer.NewPartialId(id);
            var text = Encoding.ASCII.GetString(id);
            Assert.That(text, Does.Match("^[0-9a-f]{64}$"));
            Assert.That(text[..12].All(char.IsAsciiDigit), Is.False);
            seen.Add(text);
        }
        Assert.That(seen, Has.Count.EqualTo(500));
    }
    /// <summary>A line the buffer refuses is not stored: the unframed tail (what a peeked pipe keeps) starts at it.</summary>
    [Test]
    public void A_refused_line_stays_unframed()
    {
        var counters = new Counters();
        var sink = new RefusingSink(taking: 1);
        var framer = new LineFramer(LogStream.Stdout, 1024, sink, counters);
        byte[] input = [.. "one\ntwo\nthree\n"u8];
        input.CopyTo(framer.FreeSpace());
        Assert.That(framer.Frame(input.Length, 1), Is.False, "the second line was refused");
        Assert.That(framer.UnframedFrom, Is.EqualTo(4), "\"two\" and what follows were not stored");
    }

    private sealed class RefusingSink(int taking) : ILineSink
    {
        private int _taken;

        public bool Append(in LogRecord record, long offset) => _taken++ < taking;

        public long HeldFrom(LogStream stream) => long.MaxValue;
    }

    /// <summary>Records the input offsets the framer hands over, then queues the lines in a ring.</summary>
    private sealed class OffsetSink(LogRing ring) : ILineSink
    {
        public List<(string Text, long Offset)> Seen { get; } = [];

        public bool Append(in LogRecord record, long offset)
        {
            Seen.Add((Encoding.Latin1.GetString(record.Line), offset));
            return ring.Append(record, offset);
        }

        public long HeldFrom(LogStream stream) => long.MaxValue;
    }

    [Test]
    public void Each_line_carries_its_input_offset_and_the_unframed_tail_starts_after_the_last_line()
    {
        var counters = new Counters();
        using var ring = new LogRing(1 << 20, 1024, blocking: false, dropNotice: true, counters);
        var sink = new OffsetSink(ring);
        var framer = new LineFramer(LogStream.Stdout, 1024, sink, counters);
        byte[] input = [.. "ab\n\ncde\n"u8, .. Enumerable.Repeat((byte)'x', 2500), .. "\ntail"u8];
        foreach (var chunk in input.Chunk(700))
        {
            chunk.CopyTo(framer.FreeSpace());
            lock (ring.Gate) framer.Frame(chunk.Length, 1);
        }
        // "ab" at 0, "" at 3, "cde" at 4, then 2,500 x's from 8 as pieces of 1024, 1024 and 452 (ending at the newline).
        Assert.That(sink.Seen.Select(s => s.Offset), Is.EqualTo(new long[] { 0, 3, 4, 8, 1032, 2056 }));
        Assert.That(framer.UnframedFrom, Is.EqualTo(8 + 2500 + 1), "the unterminated 'tail' starts after the last newline");
        lock (ring.Gate) framer.Finish(2);
        Assert.That(sink.Seen[^1], Is.EqualTo(("tail", 2509L)));
        Assert.That(framer.UnframedFrom, Is.EqualTo(input.Length));
    }
}
