using System.Text;
using System.Text.RegularExpressions;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline.Multiline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Multiline;

/// <summary>The multiline stage on its own (CONTRACT.md section 11), fed by real framers, with a hand-moved clock.</summary>
public class MultilineStageTests
{
    private static readonly long Second = TimeSpan.TicksPerSecond;

    /// <summary>A line starting with a non-space starts a record; indented lines continue it.</summary>
    private static StartRegexRule Indented() => new(new Regex(@"^\S", RegexOptions.NonBacktracking));

    private static StageRig IndentRig(int maxLine = StageRig.DefaultMaxLine, int maxLines = 1000, long maxBytes = 256 << 10) =>
        new([Indented()], maxLine, maxLines, maxBytes);

    [Test]
    public void Continuation_lines_join_the_record_with_newlines_and_it_takes_the_first_lines_time_and_offset()
    {
        var rig = IndentRig();
        rig.Read("head\n");
        rig.ReadTicks = 7_000;
        rig.Read("  one\n  two\n");
        rig.ReadTicks = 9_000;
        rig.Read("next\n");
        Assert.That(rig.Sink.Records, Has.Count.EqualTo(1), "the second record is still open");
        var record = rig.Sink.Records[0];
        Assert.Multiple(() =>
        {
            Assert.That(record.Text, Is.EqualTo("head\n  one\n  two"));
            Assert.That(record.Record.Ticks, Is.EqualTo(5_000));
            Assert.That(record.Record.Flags, Is.EqualTo(RecordFlags.None));
            Assert.That(record.Offset, Is.Zero);
        });
        rig.Eof();
        Assert.That(rig.Sink.Records[1], Is.EqualTo(new Forwarded(rig.Sink.Records[1].Record, 17)));
        Assert.That(rig.Sink.Records[1].Record.Ticks, Is.EqualTo(9_000));
    }

    [Test]
    public void A_line_no_rule_begins_a_record_with_goes_on_at_once_when_nothing_is_pending()
    {
        var rig = new StageRig("python", "java", "go", "node", "ruby");
        rig.Read("2024-05-01T10:00:00Z INFO started\n");
        Assert.That(rig.Texts(), Is.EqualTo(new[] { "2024-05-01T10:00:00Z INFO started" }));
        Assert.That(rig.Stage.NextDeadlineTicks, Is.Null, "nothing held, no timer");
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void Stdout_and_stderr_coalesce_apart()
    {
        var rig = IndentRig();
        rig.Read("out head\n", LogStream.Stdout);
        rig.Read("err head\n", LogStream.Stderr);
        rig.Read("  out 1\n", LogStream.Stdout);
        rig.Read("  err 1\n", LogStream.Stderr);
        rig.Read("  out 2\n", LogStream.Stdout);
        rig.Eof(LogStream.Stderr);
        Assert.That(rig.Texts(LogStream.Stderr), Is.EqualTo(new[] { "err head\n  err 1" }));
        Assert.That(rig.Texts(LogStream.Stdout), Is.Empty, "stdout's record is still open");
        Assert.That(rig.Stage.HeldFrom(LogStream.Stderr), Is.EqualTo(long.MaxValue));
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.Zero);
        rig.Eof(LogStream.Stdout);
        Assert.That(rig.Texts(LogStream.Stdout), Is.EqualTo(new[] { "out head\n  out 1\n  out 2" }));
    }

    [Test]
    public void A_pending_record_is_emitted_once_no_continuation_arrived_for_the_flush_timeout()
    {
        var rig = IndentRig();
        long t0 = rig.Now;
        rig.Read("head\n");
        Assert.That(rig.Stage.NextDeadlineTicks, Is.EqualTo(t0 + Second));

        rig.Now = t0 + Second / 2;
        rig.Read("  more\n");
        Assert.That(rig.Stage.NextDeadlineTicks, Is.EqualTo(t0 + Second / 2 + Second), "a continuation restarts the wait");
        Assert.That(rig.Stage.FlushDue(t0 + Second), Is.True);
        Assert.That(rig.Sink.Records, Is.Empty);
        Assert.That(rig.Stage.FlushDue(t0 + Second / 2 + Second - 1), Is.True);
        Assert.That(rig.Sink.Records, Is.Empty);

        Assert.That(rig.Stage.FlushDue(t0 + Second / 2 + Second), Is.True);
        Assert.That(rig.Texts(), Is.EqualTo(new[] { "head\n  more" }));
        Assert.That(rig.Stage.NextDeadlineTicks, Is.Null);
    }

    [Test]
    public void The_next_deadline_is_the_earlier_of_the_two_streams()
    {
        var rig = IndentRig();
        long t0 = rig.Now;
        rig.Read("out\n", LogStream.Stdout);
        rig.Now = t0 + 300;
        rig.Read("err\n", LogStream.Stderr);
        Assert.That(rig.Stage.NextDeadlineTicks, Is.EqualTo(t0 + Second));
        Assert.That(rig.Stage.FlushDue(t0 + Second), Is.True);
        Assert.That(rig.Texts(LogStream.Stdout), Is.EqualTo(new[] { "out" }));
        Assert.That(rig.Texts(LogStream.Stderr), Is.Empty);
        Assert.That(rig.Stage.NextDeadlineTicks, Is.EqualTo(t0 + 300 + Second));
    }

    [Test]
    public void Past_max_lines_the_record_is_emitted_and_the_rest_starts_a_new_one()
    {
        var rig = IndentRig(maxLines: 3);
        rig.ReadLines(["head", "  1", "  2", "  3", "  4", "  5", "  6"]).Eof();
        Assert.That(rig.Texts(), Is.EqualTo(new[] { "head\n  1\n  2", "  3\n  4\n  5", "  6" }));
    }

    [Test]
    public void Past_max_bytes_the_record_is_emitted_and_the_rest_starts_a_new_one()
    {
        // 1024 bytes at most: 3 lines of 300 make 902 with their newlines, a fourth would make 1203.
        var rig = IndentRig(maxBytes: 1024);
        string body = new('x', 298);
        rig.ReadLines(["h" + body + "h", "  " + body, "  " + body, "  " + body, "  " + body]).Eof();
        var texts = rig.Texts();
        Assert.That(texts.Select(t => t.Split('\n').Length), Is.EqualTo(new[] { 3, 2 }));
        Assert.That(texts.Select(t => t.Length), Is.EqualTo(new[] { 902, 601 }));
    }

    /// <summary>multiline-max-bytes is the most a record holds: exactly that many stays one record, one more byte does not.</summary>
    [TestCase(902, 1)]
    [TestCase(901, 2)]
    public void A_record_of_exactly_max_bytes_stays_whole(long maxBytes, int records)
    {
        var rig = IndentRig(maxBytes: maxBytes);
        string body = new('x', 298);
        rig.ReadLines(["h" + body + "h", "  " + body, "  " + body]).Eof(); // 300 + 1 + 300 + 1 + 300 = 902 bytes joined
        Assert.That(rig.Texts(), Has.Count.EqualTo(records));
        Assert.That(rig.Texts().Sum(t => t.Length), Is.EqualTo(records == 1 ? 902 : 901), "joined with a newline only inside a record");
    }

    [Test]
    public void A_record_of_a_megabyte_is_held_up_to_max_bytes()
    {
        var rig = IndentRig(maxLine: 16 << 10, maxBytes: 1 << 20);
        var lines = new[] { "head" + new string('h', 14996) }.Concat(Enumerable.Range(0, 69).Select(_ => "  " + new string('c', 14998))).ToList();
        rig.ReadLines(lines).Eof();
        var texts = rig.Texts();
        Assert.That(texts.Select(t => t.Split('\n').Length), Is.EqualTo(new[] { 69, 1 }), "69 lines of 15,000 bytes make 1,035,068 with their newlines; 70 would pass 1 MiB");
        Assert.That(string.Join("\n", texts), Is.EqualTo(string.Join("\n", lines)));
    }

    [Test]
    public void A_record_longer_than_max_line_size_is_cut_into_partial_messages_like_a_long_line()
    {
        var rig = IndentRig(maxLine: 1024);
        var lines = new[] { "head " + new string('h', 195) }.Concat(Enumerable.Range(0, 9).Select(i => $"  {i} " + new string('c', 196))).ToArray();
        rig.ReadLines(lines).Eof();
        string joined = string.Join("\n", lines);
        Assert.That(joined.Length, Is.EqualTo(2009));
        var pieces = rig.Sink.Records;
        Assert.That(pieces, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(pieces.Select(p => p.Text.Length), Is.EqualTo(new[] { 1024, 985 }));
            Assert.That(string.Concat(pieces.Select(p => p.Text)), Is.EqualTo(joined));
            Assert.That(pieces.Select(p => p.Record.Flags), Is.EqualTo(new[] { RecordFlags.Partial, RecordFlags.Partial | RecordFlags.Last }));
            Assert.That(pieces.Select(p => p.Record.Ordinal), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(pieces[0].Record.PartialId, Does.Match("^[0-9a-f]{64}$"));
            Assert.That(pieces[1].Record.PartialId, Is.EqualTo(pieces[0].Record.PartialId));
            Assert.That(pieces.Select(p => p.Record.Ticks), Is.All.EqualTo(5_000L), "the first line's time");
            Assert.That(pieces.Select(p => p.Offset), Is.EqualTo(new[] { 0L, 1024L }), "each piece's input offset");
        });
    }

    [Test]
    public void A_record_of_exactly_max_line_size_is_whole()
    {
        var rig = IndentRig(maxLine: 1024);
        rig.ReadLines(["h" + new string('x', 510), "  " + new string('y', 510)]).Eof();
        Assert.That(rig.Sink.Records.Single().Record.Flags, Is.EqualTo(RecordFlags.None));
        Assert.That(rig.Sink.Records.Single().Text.Length, Is.EqualTo(1024));
    }

    [Test]
    public void A_line_the_framer_cut_is_never_joined_the_pending_record_goes_first_and_its_pieces_pass_through()
    {
        var rig = IndentRig(maxLine: 1024);
        string longLine = "  " + new string('L', 2000);
        rig.ReadLines(["head", "  cont", longLine, "  after"]).Eof();
        var records = rig.Sink.Records;
        Assert.That(records.Select(r => r.Text.Length), Is.EqualTo(new[] { 11, 1024, 978, 7 }));
        Assert.Multiple(() =>
        {
            Assert.That(records[0].Text, Is.EqualTo("head\n  cont"));
            Assert.That(records[1].Record.Flags, Is.EqualTo(RecordFlags.Partial));
            Assert.That(records[2].Record.Flags, Is.EqualTo(RecordFlags.Partial | RecordFlags.Last));
            Assert.That(records[2].Record.PartialId, Is.EqualTo(records[1].Record.PartialId));
            Assert.That(records[1].Text + records[2].Text, Is.EqualTo(longLine));
            Assert.That(records[3].Text, Is.EqualTo("  after"), "no record was pending, so an indented line goes on alone");
        });
    }

    [Test]
    public void Eof_flushes_the_pending_record_before_an_unterminated_tail()
    {
        var rig = IndentRig();
        rig.Read("head\n  cont\n  no newline").Eof();
        var records = rig.Sink.Records;
        Assert.That(records.Select(r => r.Text), Is.EqualTo(new[] { "head\n  cont", "  no newline" }));
        Assert.That(records[1].Record.Flags, Is.EqualTo(RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated));
    }

    [Test]
    public void Shutdown_flushes_both_streams()
    {
        var rig = IndentRig();
        rig.Read("out\n  o\n", LogStream.Stdout).Read("err\n  e\n", LogStream.Stderr);
        Assert.That(rig.Stage.FlushAll(), Is.True);
        Assert.That(rig.Texts(LogStream.Stdout), Is.EqualTo(new[] { "out\n  o" }));
        Assert.That(rig.Texts(LogStream.Stderr), Is.EqualTo(new[] { "err\n  e" }));
        Assert.That(rig.Stage.NextDeadlineTicks, Is.Null);
    }

    [Test]
    public void Tentative_lines_that_nothing_confirms_are_given_back_as_records_of_their_own()
    {
        var rig = new StageRig("go");
        rig.ReadLines(["panic: boom", "", "2024-05-01T10:00:00Z INFO next"]);
        var records = rig.Sink.Records;
        Assert.That(records.Select(r => r.Text), Is.EqualTo(new[] { "panic: boom", "", "2024-05-01T10:00:00Z INFO next" }));
        Assert.That(records.Select(r => r.Record.Ticks), Is.EqualTo(new[] { 5_000L, 5_001L, 5_002L }), "each keeps its own time");
        Assert.That(records.Select(r => r.Offset), Is.EqualTo(new[] { 0L, 12L, 13L }));
    }

    [Test]
    public void Tentative_lines_are_given_back_at_the_flush_timeout_too()
    {
        var rig = new StageRig("go");
        rig.ReadLines(["panic: boom", ""]);
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.Zero);
        Assert.That(rig.Stage.FlushDue(rig.Now + Second), Is.True);
        Assert.That(rig.Texts(), Is.EqualTo(new[] { "panic: boom", "" }));
    }

    [Test]
    public void A_line_confirming_tentative_lines_keeps_them_in_the_record()
    {
        var rig = new StageRig("go");
        rig.ReadLines(["panic: boom", "", "goroutine 1 [running]:", "main.main()", "\t/app/main.go:5 +0x1d"]).Eof();
        Assert.That(rig.Texts(), Is.EqualTo(new[] { "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d" }));
    }

    [Test]
    public void A_line_matching_the_start_regex_ends_a_built_in_rules_record_and_starts_one_of_its_own()
    {
        var rig = new StageRig([new StartRegexRule(new Regex("^START", RegexOptions.NonBacktracking)), MultilineStage.BuiltIn("python")]);
        // Without the start regex, "START here" would be the traceback's exception line.
        rig.ReadLines(["Traceback (most recent call last):", "  File \"a.py\", line 1, in <module>", "START here", "continued by anything", "  and this"]).Eof();
        Assert.That(rig.Texts(), Is.EqualTo(new[]
        {
            "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>",
            "START here\ncontinued by anything\n  and this",
        }));
    }

    [Test]
    public void With_the_start_regex_any_line_continues_a_record_but_none_is_started_by_a_line_it_does_not_match()
    {
        var rig = new StageRig([new StartRegexRule(new Regex(@"^\d{4}-\d\d-\d\d ", RegexOptions.NonBacktracking))]);
        rig.ReadLines(["orphan before any record", "2024-05-01 first", "  detail", "", "plain", "2024-05-01 second"]).Eof();
        Assert.That(rig.Texts(), Is.EqualTo(new[] { "orphan before any record", "2024-05-01 first\n  detail\n\nplain", "2024-05-01 second" }));
    }

    [Test]
    public void A_rule_that_knows_its_record_is_complete_emits_it_without_waiting()
    {
        var rig = new StageRig("node");
        rig.ReadLines(["/app/x.js:3", "  throw new Error('boom');", "  ^", "", "Error: boom", "    at /app/x.js:3:9", "", "Node.js v20.20.2"]);
        Assert.That(rig.Texts(), Has.Count.EqualTo(1));
        Assert.That(rig.Stage.NextDeadlineTicks, Is.Null);
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void Held_from_is_the_input_offset_of_the_oldest_line_held()
    {
        var rig = new StageRig("go");
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(long.MaxValue));
        rig.Read("plain line\n");                                  // 0..11, forwarded at once
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(long.MaxValue));
        rig.Read("panic: boom\n");                                 // 11..23, held
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(11));
        rig.Read("\ngoroutine 1 [running]:\n");                    // the blank and the header join it
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(11));
        rig.Read("main.main()\n\t/app/main.go:5\npanic: again\n"); // the second panic ends the first record and is held
        Assert.That(rig.Sink.Records, Has.Count.EqualTo(2));
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(rig.Sink.Records[1].Offset + rig.Sink.Records[1].Record.Line.Length + 1));
        Assert.That(rig.Stage.HeldFrom(LogStream.Stderr), Is.EqualTo(long.MaxValue), "per stream");
        rig.Eof();
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void Held_from_includes_what_the_next_sink_holds()
    {
        var rig = IndentRig();
        rig.Sink.Held[(int)LogStream.Stdout] = 3;
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(3));
        rig.Read("x\nhead\n");
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(2), "held here: the line at offset 2");
        rig.Sink.Held[(int)LogStream.Stdout] = 1;
        Assert.That(rig.Stage.HeldFrom(LogStream.Stdout), Is.EqualTo(1));
    }

    /// <summary>
    /// The disk buffer releases input up to min(framer.UnframedFrom, stage.HeldFrom): after every read, what the
    /// stage forwarded must be exactly the input before that point, without gaps. Random traces, ordinary lines,
    /// long lines and read sizes.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Forwarded_input_is_exactly_what_lies_before_held_from_and_unframed_from(int seed)
    {
        var random = new Random(seed);
        var rig = new StageRig(ContainerLogger.Config.MultilineOptions.RuleNames.Select(MultilineStage.BuiltIn).ToList(), maxLine: 1024, maxLines: 7, maxBytes: 4096);
        var corpus = CorpusFiles.All().Select(f => f.Text).ToArray();
        var input = new StringBuilder();
        for (int i = 0; i < 60; i++)
        {
            input.Append(random.Next(5) switch
            {
                0 => corpus[random.Next(corpus.Length)],
                1 => new string('w', random.Next(900, 2500)) + "\n",
                2 => "\n",
                _ => $"2024-05-01T10:00:{i % 60:D2}Z INFO line {i}\n",
            });
        }
        var bytes = Encoding.UTF8.GetBytes(input.ToString());
        for (int at = 0; at < bytes.Length;)
        {
            int n = Math.Min(bytes.Length - at, random.Next(1, 3000));
            rig.Read(bytes.AsSpan(at, n));
            at += n;
            if (random.Next(4) == 0) Assert.That(rig.Stage.FlushDue(rig.Now + 10 * Second), Is.True);
            long released = Math.Min(rig.UnframedFrom(LogStream.Stdout), rig.Stage.HeldFrom(LogStream.Stdout));
            Assert.That(ForwardedThrough(rig.Sink.Records, bytes), Is.EqualTo(released), $"after {at} bytes");
        }
        rig.Eof();
        Assert.That(ForwardedThrough(rig.Sink.Records, bytes), Is.EqualTo(bytes.Length));
        Assert.That(rig.Counters.ReadLines(LogStream.Stdout) - rig.Counters.Joined, Is.EqualTo(rig.Sink.Records.Count),
            "lines read less lines joined is what was queued: the summary's undelivered stays exact");
    }

    /// <summary>Checks each record is the input at its offset, in order without gaps; returns where the forwarded input ends.</summary>
    private static long ForwardedThrough(List<Forwarded> records, byte[] input)
    {
        long end = 0;
        foreach (var r in records)
        {
            Assert.That(r.Offset, Is.EqualTo(end), $"no gap before {r}");
            Assert.That(input.AsSpan((int)r.Offset, r.Record.Line.Length).SequenceEqual(r.Record.Line), Is.True, $"{r} is the input at its offset");
            bool endsLine = (r.Record.Flags & RecordFlags.Partial) == 0 || (r.Record.Flags & RecordFlags.Last) != 0;
            bool newline = endsLine && (r.Record.Flags & RecordFlags.Unterminated) == 0;
            end = r.Offset + r.Record.Line.Length + (newline ? 1 : 0);
        }
        return end;
    }

    [Test]
    public void A_refusing_buffer_stops_the_stage()
    {
        var rig = IndentRig();
        rig.Read("head\n");
        rig.Sink.Taking = false;
        Assert.That(rig.Stage.Append(new LogRecord("next"u8, LogStream.Stdout, 1), 5), Is.False, "ending the record forwards it");
        Assert.That(rig.Stage.Append(new LogRecord("  goes on alone"u8, LogStream.Stderr, 1), 0), Is.False);
    }

    [Test]
    public void Multiline_off_means_no_stage()
    {
        var options = Env.Valid().Options;
        Assert.That(MultilineStage.For(options, new RecordingSink(), 1024, new ContainerLogger.Pipeline.Counters()), Is.Null);
        Assert.That(MultilineStage.For(Env.Valid(Env.Option("multiline", "none")).Options, new RecordingSink(), 1024, new ContainerLogger.Pipeline.Counters()), Is.Null);
        Assert.That(MultilineStage.For(Env.Valid(Env.Option("multiline", "go")).Options, new RecordingSink(), 1024, new ContainerLogger.Pipeline.Counters()), Is.Not.Null);
        Assert.That(MultilineStage.For(Env.Valid(Env.Option("multiline-start-regex", "^x")).Options, new RecordingSink(), 1024, new ContainerLogger.Pipeline.Counters()), Is.Not.Null);
    }
}
