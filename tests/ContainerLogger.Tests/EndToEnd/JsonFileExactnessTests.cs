using System.Text;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>
/// 100,000 lines, nasty ones included, through real pipes on fds 3 and 4 into json-file (mode=blocking): each
/// arrives exactly once, in order per stream, with its bytes as Docker's JSON shows them.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class JsonFileExactnessTests
{
    private const int MaxLineSize = 16384;
    private const int LinesPerStream = 50_000;

    /// <summary>One line as sent: its bytes (no '\n') and whether a '\n' followed.</summary>
    private sealed record SentLine(byte[] Bytes, bool Terminated);

    [Test]
    public async Task EveryLineArrivesExactlyOnceInOrderPerStream()
    {
        int seed = Environment.TickCount;
        TestContext.Out.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var stdoutLines = Generate("out", random);
        var stderrLines = Generate("err", random);

        using var dir = new TempDir();
        var start = new LoggerStart();
        start.Config["path"] = dir["logs/container-json.log"]; // the parent directory is created by the driver
        start.Config["mode"] = "blocking";
        start.Config["shutdown-timeout"] = "60s";
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();

        // Both streams written at once, in chunks of random size that cut lines anywhere.
        var writers = new[]
        {
            WriteAllAsync(logger, 3, stdoutLines, new Random(seed + 1)),
            WriteAllAsync(logger, 4, stderrLines, new Random(seed + 2)),
        };
        var writing = Task.WhenAll(writers);
        if (await Task.WhenAny(writing, Task.Delay(TimeSpan.FromSeconds(120))) != writing)
        {
            logger.Kill();
            Assert.Fail($"writing the input did not finish in 120s{logger.Describe()}");
        }
        await writing; // surfaces a writer's exception

        int exit = await logger.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.That(exit, Is.EqualTo(0), $"exit code{logger.Describe()}");

        var records = JsonFileOutput.Read(start.Config["path"]);
        Assert.That(records.Select(r => r.Stream).Distinct(), Is.SubsetOf(new[] { "stdout", "stderr" }), "stream names");
        Assert.That(records.Where(r => r.IsDropNotice), Is.Empty, "no drop notice in blocking mode");
        Assert.That(records.All(r => r.Time is not null && r.Time.EndsWith('Z')), "every record has a UTC time");

        long expectedRecords = 0;
        foreach (var (name, sent) in new[] { ("stdout", stdoutLines), ("stderr", stderrLines) })
        {
            var received = JsonFileOutput.Reassemble(records.Where(r => r.Stream == name));
            var expected = sent.Select(l => JsonFileOutput.Expected(l.Bytes, MaxLineSize)).ToList();
            JsonFileOutput.AssertSameLines(expected.Select(e => e.Text).ToList(), received.Select(r => r.Text).ToList(), name);
            for (int i = 0; i < sent.Count; i++)
            {
                Assert.That(received[i].Pieces, Is.EqualTo(expected[i].Pieces),
                    $"{name} line {i} ({sent[i].Bytes.Length} bytes) arrives in max-line-size pieces");
                Assert.That(received[i].Terminated, Is.EqualTo(sent[i].Terminated), $"{name} line {i}: '\\n' in log only when one was read");
                Assert.That(received[i].PieceTimes.Distinct().Count(), Is.EqualTo(1), $"{name} line {i}: pieces share the first piece's time");
            }
            expectedRecords += expected.Sum(e => e.Pieces);
        }
        Assert.That(records, Has.Count.EqualTo(expectedRecords), "records in the file");

        var summary = logger.Summary();
        foreach (var (name, sent) in new[] { ("stdout", stdoutLines), ("stderr", stderrLines) })
        {
            Assert.That(summary.ReadBytes(name), Is.EqualTo(sent.Sum(l => l.Bytes.Length + (l.Terminated ? 1 : 0))), $"summary: {name} bytes read");
            Assert.That(summary.ReadLines(name), Is.EqualTo(sent.Sum(l => JsonFileOutput.Expected(l.Bytes, MaxLineSize).Pieces)),
                $"summary: {name} lines read (a piece counts once)");
            Assert.That(summary.DroppedLines(name), Is.Zero, $"summary: {name} dropped");
            Assert.That(summary.DroppedBytes(name), Is.Zero, $"summary: {name} dropped bytes");
        }
        Assert.That(summary.Delivered, Is.EqualTo(expectedRecords), "summary: delivered");
        Assert.That(summary.Undelivered, Is.Zero, "summary: undelivered");
    }

    private static Task WriteAllAsync(LoggerProcess logger, int fd, List<SentLine> lines, Random random) => Task.Factory.StartNew(() =>
    {
        var all = new MemoryStream();
        foreach (var line in lines)
        {
            all.Write(line.Bytes);
            if (line.Terminated) all.WriteByte((byte)'\n');
        }
        var bytes = all.GetBuffer().AsSpan(0, (int)all.Length);
        var input = logger.Input(fd);
        while (!bytes.IsEmpty)
        {
            // Mostly small writes, sometimes large ones: lines get cut at every possible place.
            int size = random.Next(4) == 0 ? random.Next(1, 200_000) : random.Next(1, 4096);
            size = Math.Min(size, bytes.Length);
            input.Write(bytes[..size]);
            bytes = bytes[size..];
        }
        input.Dispose();
    }, TaskCreationOptions.LongRunning);

    /// <summary>Numbered ordinary lines with the nasty ones spread among them; the last line is left unterminated.</summary>
    private static List<SentLine> Generate(string prefix, Random random)
    {
        var nasty = Nasty(prefix);
        var lines = new List<SentLine>(LinesPerStream);
        // Positions for the nasty lines: spread over the stream, not at the very start or end.
        var positions = Enumerable.Range(0, nasty.Count).Select(i => 100 + i * ((LinesPerStream - 300) / nasty.Count)).ToList();
        int next = 0;
        for (int i = 0; lines.Count < LinesPerStream - 1; i++)
        {
            if (next < positions.Count && lines.Count == positions[next]) lines.Add(new SentLine(nasty[next++], true));
            else lines.Add(new SentLine(Encoding.UTF8.GetBytes($"{prefix}-{i:D6} " + new string((char)('a' + i % 26), random.Next(0, 120))), true));
        }
        lines.Add(new SentLine(Encoding.UTF8.GetBytes($"{prefix} unterminated tail at EOF \t\"\\"), false));
        return lines;
    }

    private static List<byte[]> Nasty(string prefix)
    {
        byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
        byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        // 1 MiB of numbered 16-byte blocks: a piece out of order or missing would show.
        var mebibyte = new StringBuilder();
        for (int i = 0; mebibyte.Length < 1 << 20; i++) mebibyte.Append($"[{prefix}{i:D10}]".PadRight(16, '.'));
        var oneMiB = Utf8(mebibyte.ToString(0, 1 << 20));

        var exactlyMax = Utf8(new string('m', MaxLineSize - 8) + "exactMax");
        var maxPlusOne = Utf8(new string('p', MaxLineSize) + "+");
        // A two-byte character cut by the piece boundary: Docker encodes each piece alone, so each half is U+FFFD.
        var straddling = Concat(Utf8(new string('s', MaxLineSize - 1)), Utf8("é"), Utf8(new string('t', 3000)));

        return
        [
            [],
            Utf8("\r"),
            Utf8($"{prefix} ends with CR\r"),
            Utf8($"{prefix} CR\rin the\rmiddle"),
            [],
            [],
            oneMiB,
            exactlyMax,
            maxPlusOne,
            straddling,
            Concat(Utf8($"{prefix} NUL"), [0], Utf8("between"), [0, 0]),
            [0],
            Concat(Utf8($"{prefix} invalid UTF-8:"), [0xFF, 0x20, 0xC3, 0x28, 0x20, 0xE2, 0x82, 0x20, 0xED, 0xA0, 0x80, 0x20, 0xC0, 0xAF, 0x20, 0xF4, 0x90, 0x80, 0x80, 0x20, 0xFE]),
            [0x80],
            Utf8($"{prefix} tab\there \"quotes\" back\\slash \\\\ \\n <script>&amp; \u2028\u2029"),
            Concat(Utf8($"{prefix} controls"), [0x01, 0x07, 0x08, 0x0C, 0x1B, 0x7F]),
            Utf8($"{prefix} valid UTF-8: grüße, 日本語, emoji 🐳, U+10FFFF \U0010FFFF"),
            Utf8(new string(' ', 40)),
            Utf8("{\"log\":\"not really\\n\",\"stream\":\"stderr\"}"),
        ];
    }
}
