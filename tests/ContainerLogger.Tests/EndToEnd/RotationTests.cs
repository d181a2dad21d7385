using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>
/// json-file rotation end to end (docker-logdrivers.md 11.4): max-size=1k max-file=3 compress=true, checked while
/// the logger runs. Whenever the logger is idle: at most 3 files (live, .1.gz, .2.gz), the .gz files decompress
/// and carry {"lastTime"} of their last record, and the files read oldest first hold the newest lines exactly
/// once, in order. Every line written shows up in one of these views.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RotationTests
{
    private const int MaxSize = 1000; // 1k in json-file's decimal units
    private const int Rounds = 15;
    private const int LinesPerRound = 8;

    [Test]
    public async Task RotatesCompressesAndKeepsTheNewestLinesInOrder()
    {
        using var dir = new TempDir();
        string path = dir["logs/container-json.log"];
        var start = new LoggerStart();
        start.Config["path"] = path;
        start.Config["max-size"] = "1k";
        start.Config["max-file"] = "3";
        start.Config["compress"] = "true";
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync();

        var seen = new HashSet<int>();
        var timeOfLine = new Dictionary<int, string>();
        int written = 0;
        for (int round = 0; round < Rounds; round++)
        {
            // Records of about 100 bytes: a file takes 10 of them before it reaches max-size.
            var lines = Enumerable.Range(written, LinesPerRound).Select(i => $"rot-{i:D6} " + new string((char)('a' + i % 26), 30)).ToList();
            await BufferTests.WriteConcurrently(logger, (3, lines), (4, []));
            written += LinesPerRound;
            int expected = written;
            await logger.WaitForCountersAsync(c => c.Delivered == expected, $"{expected} lines delivered");
            await WaitForCompression(path, logger);
            CheckFiles(path, written, seen, timeOfLine, $"after round {round + 1}");
        }

        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");
        CheckFiles(path, written, seen, timeOfLine, "after exit");
        Assert.That(File.Exists(path + ".2.gz"), "rotated twice or more: the oldest kept file is .2.gz");
        Assert.That(seen, Is.EquivalentTo(Enumerable.Range(0, written)), "every line was in the files at some point");
        Assert.That(logger.Summary().Delivered, Is.EqualTo(written));
    }

    /// <summary>A rotated file is gzipped in the background: it is done once the uncompressed .1 is gone.</summary>
    private static async Task WaitForCompression(string path, LoggerProcess logger)
    {
        var clock = Stopwatch.StartNew();
        while (File.Exists(path + ".1"))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail($"{path}.1 was not compressed in 20s{logger.Describe()}");
            await Task.Delay(10);
        }
    }

    private static void CheckFiles(string path, int written, HashSet<int> seen, Dictionary<int, string> timeOfLine, string when)
    {
        string name = Path.GetFileName(path);
        var files = Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(files, Is.SubsetOf(new[] { name, name + ".1.gz", name + ".2.gz" }), $"{when}: only the live file and .1.gz, .2.gz");
        Assert.That(files, Does.Contain(name), $"{when}: the live file exists");

        var numbers = new List<int>();
        foreach (var file in new[] { path + ".2.gz", path + ".1.gz", path }.Where(File.Exists))
        {
            var records = JsonFileOutput.Read(file);
            Assert.That(records, Is.Not.Empty, $"{when}: {file} has records");
            long size = new FileInfo(file).Length;
            if (file.EndsWith(".gz", StringComparison.Ordinal))
            {
                long plain = JsonFileOutput.Gunzip(file).Length;
                Assert.That(plain, Is.GreaterThanOrEqualTo(MaxSize), $"{when}: {file} was rotated only once it reached max-size");
                Assert.That(plain - records[^1].Raw.Length - 1, Is.LessThan(MaxSize), $"{when}: {file} stopped growing at the record that took it past max-size");
                var extra = JsonFileOutput.GzipExtra(file);
                Assert.That(extra, Is.Not.Null, $"{when}: {file} has a gzip Extra field");
                using var doc = JsonDocument.Parse(extra!);
                Assert.That(doc.RootElement.GetProperty("lastTime").GetString(), Is.EqualTo(records[^1].Time), $"{when}: {file} lastTime = time of its last record");
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead), $"{file} is 0640");
            }
            else
            {
                Assert.That(size - records[^1].Raw.Length - 1, Is.LessThan(MaxSize), $"{when}: the live file was rotated before it grew past max-size");
            }
            foreach (var record in records)
            {
                Assert.That(record.Stream, Is.EqualTo("stdout"));
                Assert.That(record.Log, Does.StartWith("rot-").And.EndWith("\n"), $"{when}: {file}");
                int n = int.Parse(record.Log!.AsSpan(4, 6), CultureInfo.InvariantCulture);
                numbers.Add(n);
                // A line keeps its record across rotations and compression.
                if (timeOfLine.TryGetValue(n, out var time)) Assert.That(record.Time, Is.EqualTo(time), $"{when}: line {n} unchanged");
                else timeOfLine[n] = record.Time!;
            }
        }
        Assert.That(numbers, Is.Not.Empty);
        // Oldest file first: the newest lines, each once, in order, up to the last one written.
        Assert.That(numbers, Is.EqualTo(Enumerable.Range(numbers[0], written - numbers[0])), $"{when}: a contiguous run ending at the last line written");
        seen.UnionWith(numbers);
    }
}
