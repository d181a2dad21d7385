using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>CONTRACT.md section 6 with a destination that stalls: non-blocking drops the oldest, blocking holds the writer.</summary>
[TestFixture]
[Category("EndToEnd")]
public sealed partial class BufferTests
{
    private const int BufferSize = 64 << 10;
    private const int HeaderSize = 20; // per queued line in the ring (LogRing.HeaderSize); counts toward max-buffer-size

    [Test]
    public async Task NonBlockingOverflowDropsTheOldestCountsThemAndWritesADropNotice()
    {
        using var dir = new TempDir();
        var stall = new StalledDestination(dir.Path);
        var start = Start(dir, stall, "non-blocking");
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync();

        var random = new Random(7);
        var stdout = Lines("out", 20_000, random);
        var stderr = Lines("err", 4_000, random);
        // A non-blocking logger never holds the application back: both writers finish while the destination is stalled.
        await WriteConcurrently(logger, (3, stdout.Take(19_980).ToList()), (4, stderr.Take(3_980).ToList()));
        await logger.WaitForCountersAsync(c => c.ReadLines("stdout") == 19_980 && c.ReadLines("stderr") == 3_980, "everything read");
        // The newest lines of both streams come last (the queue is shared: what is read last is what survives).
        await WriteConcurrently(logger, (3, stdout.Skip(19_980).ToList()), (4, stderr.Skip(3_980).ToList()));
        var stalled = await logger.WaitForCountersAsync(c => c.ReadLines("stdout") == 20_000 && c.ReadLines("stderr") == 4_000, "everything read");
        Assert.That(stalled.Delivered, Is.Zero, $"nothing delivered while the destination is stalled: {stalled}");
        Assert.That(stalled["retried"], Is.GreaterThan(0), $"the failed delivery is retried: {stalled}");

        stall.Release();
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");

        var records = JsonFileOutput.Read(stall.LogPath);
        var summary = logger.Summary();
        long newestBytes = 0, olderBytes = 0;
        foreach (var (name, sent) in new[] { ("stdout", stdout), ("stderr", stderr) })
        {
            var streamRecords = records.Where(r => r.Stream == name).ToList();
            var lines = streamRecords.Where(r => !r.IsDropNotice).Select(r => r.Log!).ToList();
            var numbers = lines.Select(l => Number(l, name)).ToList();
            string runs = $"delivered runs: {Runs(numbers)}";

            Assert.That(numbers, Is.Ordered.Ascending.And.Unique, $"{name}: delivered in order, each once");
            Assert.That(lines.FirstOrDefault(l => l != sent[Number(l, name)] + "\n"), Is.Null, $"{name}: every delivered line intact");
            var missing = Enumerable.Range(0, sent.Count).Except(numbers).ToList();
            Assert.That(missing, Is.Not.Empty, $"{name}: a 64k buffer cannot hold {sent.Count} lines; some must have been dropped");
            long missingBytes = missing.Sum(n => (long)Encoding.UTF8.GetByteCount(sent[n]));
            Assert.That(summary.DroppedLines(name), Is.EqualTo(missing.Count), $"summary: {name} dropped lines = lines missing from the file; {runs}");
            Assert.That(summary.DroppedBytes(name), Is.EqualTo(missingBytes), $"summary: {name} dropped bytes = bytes missing from the file");
            Assert.That(summary.ReadLines(name), Is.EqualTo(sent.Count), $"summary: {name} lines read");

            // Every run of missing lines is announced where it is missing: the drop notices just before the next
            // delivered line count exactly the lines (and bytes) skipped. Nothing is missing at the end.
            int next = 0;
            long noticedLines = 0, noticedBytes = 0;
            foreach (var record in streamRecords)
            {
                if (record.IsDropNotice)
                {
                    var notice = DropNotice().Match(record.Log!);
                    Assert.That(notice.Success, $"{name}: a drop notice says how many lines/bytes and since when: {record.Log}");
                    Assert.That(notice.Groups["stream"].Value, Is.EqualTo(name), $"{name}: the notice names its stream");
                    Assert.That(DateTime.TryParse(notice.Groups["since"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _),
                        $"{name}: the notice has a time: {record.Log}");
                    noticedLines += long.Parse(notice.Groups["lines"].Value, CultureInfo.InvariantCulture);
                    noticedBytes += long.Parse(notice.Groups["bytes"].Value, CultureInfo.InvariantCulture);
                    continue;
                }
                int n = Number(record.Log!, name);
                Assert.That(noticedLines, Is.EqualTo(n - next), $"{name}: the drop notices before line {n} count the {n - next} lines missing there; {runs}");
                Assert.That(noticedBytes, Is.EqualTo(Enumerable.Range(next, n - next).Sum(i => (long)Encoding.UTF8.GetByteCount(sent[i]))),
                    $"{name}: the drop notices before line {n} count the bytes missing there");
                noticedLines = noticedBytes = 0;
                next = n + 1;
            }
            Assert.That(next, Is.EqualTo(sent.Count), $"{name}: the newest line survived; {runs}");
            Assert.That(noticedLines, Is.Zero, $"{name}: no notice after the last line");

            // The oldest were dropped: everything newer than the last dropped line is there. What survived before
            // it had left the ring already: the batch the sender held when the destination failed (see the
            // report; CONTRACT.md 6 reads as if a failed batch stayed queued and would be dropped first).
            int lastMissing = missing[^1];
            newestBytes += numbers.Where(n => n > lastMissing).Sum(n => Encoding.UTF8.GetByteCount(sent[n]) + HeaderSize);
            olderBytes += numbers.Where(n => n < lastMissing).Sum(n => Encoding.UTF8.GetByteCount(sent[n]) + HeaderSize);
        }
        // Nothing was ever delivered before the outage, so every survivor was in the 64k ring at some moment:
        // the newest ones at the end, the older ones when the sender took its one batch.
        Assert.That(newestBytes, Is.LessThanOrEqualTo(BufferSize), "the newest lines that survived fit in max-buffer-size");
        Assert.That(newestBytes, Is.GreaterThan(BufferSize / 2), "the buffer kept the newest lines up to (about) its size");
        Assert.That(olderBytes, Is.LessThanOrEqualTo(BufferSize), "older survivors are at most the one batch taken from the ring");
        Assert.That(summary.Delivered, Is.EqualTo(records.Count(r => !r.IsDropNotice)), "summary: delivered = lines in the file");
        Assert.That(summary.Undelivered, Is.Zero, "summary: undelivered");
    }

    [Test]
    public async Task BlockingModeHoldsTheWriterBackAndLosesNothing()
    {
        using var dir = new TempDir();
        var stall = new StalledDestination(dir.Path);
        var start = Start(dir, stall, "blocking");
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync();

        var random = new Random(11);
        var stdout = Lines("out", 20_000, random);
        var stderr = Lines("err", 2_000, random);
        var writing = WriteConcurrently(logger, (3, stdout), (4, stderr), wait: false);

        // Wait until the logger has stopped taking input (its read counters stand still).
        var last = await logger.QueryCountersAsync();
        for (int steady = 0; steady < 3;)
        {
            await Task.Delay(200);
            var now = await logger.QueryCountersAsync();
            steady = now.ReadBytes("stdout") == last.ReadBytes("stdout") && now.ReadBytes("stderr") == last.ReadBytes("stderr") ? steady + 1 : 0;
            last = now;
        }
        // About 2.2 MB were written against 64k of buffer (plus a batch and two pipes): the writer must be waiting.
        Assert.That(writing.IsCompleted, Is.False, $"the writer is held back while the destination is stalled (counters: {last})");
        Assert.That(last.ReadLines("stdout") + last.ReadLines("stderr"), Is.LessThan(22_000), "not everything was read");
        Assert.That(last.DroppedLines("stdout") + last.DroppedLines("stderr"), Is.Zero, "blocking mode drops nothing");

        stall.Release();
        if (await Task.WhenAny(writing, Task.Delay(LoggerProcess.DefaultTimeout)) != writing)
        {
            logger.Kill();
            Assert.Fail($"the writer was not released after the destination recovered{logger.Describe()}");
        }
        await writing;
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");

        var records = JsonFileOutput.Read(stall.LogPath);
        Assert.That(records.Where(r => r.IsDropNotice), Is.Empty, "no drop notice");
        foreach (var (name, sent) in new[] { ("stdout", stdout), ("stderr", stderr) })
            JsonFileOutput.AssertSameLines(sent, records.Where(r => r.Stream == name).Select(r => r.Log!.TrimEnd('\n')).ToList(), name);
        var summary = logger.Summary();
        Assert.That(summary.DroppedLines("stdout") + summary.DroppedLines("stderr"), Is.Zero, "summary: dropped");
        Assert.That(summary.Delivered, Is.EqualTo(22_000), "summary: delivered");
        Assert.That(summary.Undelivered, Is.Zero, "summary: undelivered");
        Assert.That(summary["retried"], Is.GreaterThan(0), "summary: the stalled delivery was retried");
    }

    private static LoggerStart Start(TempDir dir, StalledDestination stall, string mode)
    {
        var start = new LoggerStart();
        start.Config["path"] = stall.LogPath;
        start.Config["mode"] = mode;
        start.Config["max-buffer-size"] = "64k";
        start.Config["shutdown-timeout"] = "60s";
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        return start;
    }

    /// <summary>Numbered lines of 60 to 160 bytes (ASCII, so characters are bytes).</summary>
    internal static List<string> Lines(string prefix, int count, Random random) =>
        Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D6} " + new string((char)('a' + i % 26), random.Next(49, 150))).ToList();

    /// <summary>"0-41, 19000-19999": the runs of consecutive numbers, for messages.</summary>
    private static string Runs(List<int> numbers)
    {
        var runs = new List<string>();
        for (int i = 0; i < numbers.Count;)
        {
            int j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1) j++;
            runs.Add($"{numbers[i]}-{numbers[j]}");
            i = j + 1;
        }
        return string.Join(", ", runs);
    }

    private static int Number(string log, string stream)
    {
        var prefix = stream == "stdout" ? "out-" : "err-";
        Assert.That(log, Does.StartWith(prefix), $"a line of {stream}");
        return int.Parse(log.AsSpan(4, 6), CultureInfo.InvariantCulture);
    }

    /// <summary>Writes each list to its descriptor on its own thread; with <paramref name="wait"/>, waits (with a timeout).</summary>
    internal static Task WriteConcurrently(LoggerProcess logger, (int Fd, List<string> Lines) first, (int Fd, List<string> Lines) second, bool wait = true)
    {
        Task Write(int fd, List<string> lines) => Task.Factory.StartNew(() =>
        {
            var input = logger.Input(fd);
            var chunk = new StringBuilder();
            foreach (var line in lines)
            {
                chunk.Append(line).Append('\n');
                if (chunk.Length > 8192)
                {
                    input.Write(chunk.ToString());
                    chunk.Clear();
                }
            }
            if (chunk.Length > 0) input.Write(chunk.ToString());
        }, TaskCreationOptions.LongRunning);

        var all = Task.WhenAll(Write(first.Fd, first.Lines), Write(second.Fd, second.Lines));
        if (!wait) return all;
        return WaitOrFail(all, logger, "writing the input");
    }

    internal static async Task WaitOrFail(Task task, LoggerProcess logger, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(LoggerProcess.DefaultTimeout)) != task)
        {
            logger.Kill();
            Assert.Fail($"{what} did not finish in {LoggerProcess.DefaultTimeout.TotalSeconds}s{logger.Describe()}");
        }
        await task;
    }

    [GeneratedRegex(@"^containerlogger: dropped (?<lines>\d+) lines \((?<bytes>\d+) bytes\) of (?<stream>stdout|stderr) since (?<since>\S+): ")]
    private static partial Regex DropNotice();
}
