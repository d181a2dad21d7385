using System.Diagnostics;
using System.Text.Json;
using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Fluentd;
using ContainerLogger.Tests.Syslog;

namespace ContainerLogger.Tests.Multiline;

/// <summary>
/// The published executable with real pipes on fds 3 and 4 and multiline on: stack traces from the corpus,
/// interleaved with ordinary lines on both streams, arrive as one record each through json-file, fluentd (a
/// python3-msgpack receiver) and syslog (rsyslog); the flush timeout and SIGTERM emit a pending record.
/// </summary>
[NonParallelizable]
[Category("EndToEnd")]
public class MultilineEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string AllRules = "python,java,go,node,ruby";
    private const string Ordinary = "2024-05-01T10:00:00.123Z INFO  handling request id=42 path=/api/orders";
    private const string Plain = "level=warn msg=\"slow query\" duration_ms=870";
    /// <summary>With max-line-size 4k the stack overflow's 268 lines (12,634 bytes) are one record in 4 partial messages.</summary>
    private const int MaxLineSize = 4096;

    /// <summary>What each stream is given, in order: ordinary lines and traces; and the records that must come out.</summary>
    private static (List<string> Writes, List<string> Records) Stream(params object[] parts)
    {
        var writes = new List<string>();
        var records = new List<string>();
        foreach (var part in parts)
        {
            if (part is CorpusFile file)
            {
                writes.AddRange(file.Lines);
                records.AddRange(file.ExpectedRecords);
            }
            else
            {
                writes.Add((string)part);
                records.Add((string)part);
            }
        }
        return (writes, records);
    }

    private static readonly (List<string> Writes, List<string> Records) StdoutScenario = Stream(
        Ordinary, CorpusFiles.Get("python", "chained_cause"), Plain, CorpusFiles.Get("node", "uncaught"), Ordinary,
        CorpusFiles.Get("java", "suppressed"), CorpusFiles.Get("ruby", "cause"), Plain);

    private static readonly (List<string> Writes, List<string> Records) StderrScenario = Stream(
        CorpusFiles.Get("go", "goroutines"), Plain, CorpusFiles.Get("java", "uncaught"), CorpusFiles.Get("go", "stack_overflow"), Ordinary,
        CorpusFiles.Get("python", "exception_group"), Plain);

    /// <summary>Each stream from its own thread, one write per line, so the two interleave as a program's would.</summary>
    private static Task WriteBothStreams(LoggerProcess logger) => Task.WhenAll(
        Task.Run(() => { foreach (var line in StdoutScenario.Writes) logger.Input(3).Write(line + "\n"); }),
        Task.Run(() => { foreach (var line in StderrScenario.Writes) logger.Input(4).Write(line + "\n"); }));

    private static int LineCount => StdoutScenario.Writes.Count + StderrScenario.Writes.Count;
    private static int RecordCount => StdoutScenario.Records.Count + StderrScenario.Records.Count;

    [Test]
    public async Task JsonFileWritesEachTraceAsOneRecordBetweenTheOrdinaryLinesOfBothStreams()
    {
        using var dir = new TempDir();
        string path = dir["container-json.log"];
        await using var logger = await LoggerProcess.StartDriverAsync("json-file", dir, new Dictionary<string, string>
        {
            ["path"] = path,
            ["multiline"] = AllRules,
            ["max-line-size"] = "4k",
        });
        await WriteBothStreams(logger);
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(Timeout), Is.Zero, logger.Describe());

        var records = JsonFileOutput.Read(path);
        foreach (var (stream, expected) in new[] { ("stdout", StdoutScenario.Records), ("stderr", StderrScenario.Records) })
        {
            var lines = JsonFileOutput.Reassemble(records.Where(r => r.Stream == stream));
            JsonFileOutput.AssertSameLines(expected, lines.Select(l => l.Text).ToList(), stream);
            Assert.That(lines, Has.All.Matches<ReassembledLine>(l => l.Terminated), "every record ends with the '\\n' json-file puts back");
            foreach (var line in lines)
                Assert.That(line.Pieces, Is.EqualTo((line.Text.Length + MaxLineSize - 1) / MaxLineSize), "pieces of max-line-size");
        }
        var overflow = JsonFileOutput.Reassemble(records.Where(r => r.Stream == "stderr")).Single(l => l.Text.StartsWith("runtime: goroutine stack exceeds", StringComparison.Ordinal));
        Assert.That(overflow.Pieces, Is.EqualTo(4));
        Assert.That(overflow.PieceTimes.Distinct(), Has.Exactly(1).Items, "every piece has the record's time");

        var summary = logger.Summary();
        Assert.That(summary.Undelivered, Is.Zero, logger.Describe());
        Assert.That(summary.Delivered, Is.EqualTo(records.Count));
        Assert.That(summary.ReadLines("stdout") + summary.ReadLines("stderr"), Is.EqualTo(LineCount));
        Assert.That(summary["multiline.joined"], Is.EqualTo(LineCount - records.Count));
    }

    [Test]
    public async Task FluentdSendsEachTraceAsOneEvent()
    {
        using var dir = new TempDir();
        using var receiver = ForwardReceiver.Start("tcp");
        await using var logger = await LoggerProcess.StartDriverAsync("fluentd", dir, new Dictionary<string, string>
        {
            ["fluentd-address"] = $"127.0.0.1:{receiver.Address}",
            ["multiline"] = AllRules,
            ["max-line-size"] = "4k",
        });
        await WriteBothStreams(logger);
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(Timeout), Is.Zero, logger.Describe());

        var events = receiver.WaitFor(RecordCount + 3, Timeout);
        foreach (var (stream, expected) in new[] { ("stdout", StdoutScenario.Records), ("stderr", StderrScenario.Records) })
        {
            var records = events.Select(e => e.GetProperty("record")).Where(r => r.GetProperty("source").GetString() == stream).ToList();
            JsonFileOutput.AssertSameLines(expected, Reassemble(records), stream);
        }
        var pieces = events.Select(e => e.GetProperty("record")).Where(r => r.TryGetProperty("partial_message", out _)).ToList();
        Assert.That(pieces.Select(p => p.GetProperty("partial_ordinal").GetString()), Is.EqualTo(new[] { "1", "2", "3", "4" }));
        Assert.That(pieces.Select(p => p.GetProperty("partial_id").GetString()).Distinct(), Has.Exactly(1).Items);
        Assert.That(pieces.Select(p => p.GetProperty("partial_last").GetString()), Is.EqualTo(new[] { "false", "false", "false", "true" }));
    }

    /// <summary>fluentd's events of one stream, partial messages put back together by their partial_last flag.</summary>
    private static List<string> Reassemble(IEnumerable<JsonElement> records)
    {
        var texts = new List<string>();
        string pending = "";
        foreach (var record in records)
        {
            pending += record.GetProperty("log").GetString();
            if (record.TryGetProperty("partial_last", out var last) && last.GetString() == "false") continue;
            texts.Add(pending);
            pending = "";
        }
        Assert.That(pending, Is.Empty, "no partial message is left unfinished");
        return texts;
    }

    /// <summary>
    /// Non-transparent framing: a raw newline would end the message at rsyslog, so the logger writes #012; with
    /// octet-counting the newline travels and rsyslog itself shows it as #012. Either way: one message.
    /// </summary>
    [TestCase("non-transparent")]
    [TestCase("octet-counted")]
    public async Task SyslogOverTcpDeliversATraceAsOneMessageToRsyslog(string framing)
    {
        string tag = "e2e-multiline-" + framing;
        var trace = CorpusFiles.Get("python", "chained_cause");
        using var rsyslog = new RsyslogServer();
        await using (var logger = await SyslogSidecar.StartAsync(new Dictionary<string, string>
        {
            ["syslog-address"] = rsyslog.Address("tcp"),
            ["syslog-format"] = "rfc5424",
            ["syslog-tcp-framing"] = framing,
            ["tag"] = tag,
            ["multiline"] = "python",
        }))
        {
            logger.WriteStdout(Ordinary + "\n" + trace.Text + Plain + "\n");
            Assert.That(await logger.WaitForExitAsync(Timeout), Is.Zero, logger.Stderr);
        }
        var messages = rsyslog.WaitFor(tag, 3, TimeSpan.FromSeconds(15));
        Assert.That(messages.Select(m => m.Msg), Is.EqualTo(new[] { Ordinary, trace.ExpectedRecords.Single().Replace("\n", "#012"), Plain }));
    }

    [Test]
    public async Task TheFlushTimeoutEmitsAPendingRecordWhileTheInputStaysOpen()
    {
        using var dir = new TempDir();
        string path = dir["container-json.log"];
        var trace = CorpusFiles.Get("go", "goroutines");
        await using var logger = await LoggerProcess.StartDriverAsync("json-file", dir, new Dictionary<string, string>
        {
            ["path"] = path,
            ["multiline"] = "go",
            ["multiline-flush-timeout"] = "300ms",
        });
        logger.Input(4).Write(trace.Text);

        // Nothing more arrives and the input stays open: only the timeout can end the record.
        var clock = Stopwatch.StartNew();
        List<JsonFileRecord> records = [];
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            records = File.Exists(path) ? JsonFileOutput.Read(path) : [];
            if (records.Count > 0) break;
            await Task.Delay(50);
        }
        Assert.That(records.Select(r => r.Log), Is.EqualTo(new[] { trace.ExpectedRecords.Single() + "\n" }), logger.Describe());
        Assert.That(logger.HasExited, Is.False);

        logger.Input(4).Write(Plain + "\n");
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(Timeout), Is.Zero, logger.Describe());
        Assert.That(JsonFileOutput.Read(path).Select(r => r.Log), Is.EqualTo(new[] { trace.ExpectedRecords.Single() + "\n", Plain + "\n" }));
    }

    [TestCase(Posix.SIGTERM)]
    [TestCase(Posix.SIGINT)]
    public async Task ASignalFlushesAPendingRecord(int signal)
    {
        using var dir = new TempDir();
        string path = dir["container-json.log"];
        var trace = CorpusFiles.Get("python", "simple");
        await using var logger = await LoggerProcess.StartDriverAsync("json-file", dir, new Dictionary<string, string>
        {
            ["path"] = path,
            ["multiline"] = "python",
            ["multiline-flush-timeout"] = "1h",
        });
        await logger.WaitForSignalHandlersAsync(null, Posix.SIGTERM, Posix.SIGINT, Posix.SIGUSR1);
        logger.Input(3).Write(Ordinary + "\n" + trace.Text);
        await logger.WaitForCountersAsync(c => c.ReadLines("stdout") == 1 + trace.Lines.Length && c.Delivered == 1, "the trace read, the line before it delivered");
        Assert.That(JsonFileOutput.Read(path).Select(r => r.Log), Is.EqualTo(new[] { Ordinary + "\n" }), "the traceback waits: a chained exception could follow");

        logger.Signal(signal);
        Assert.That(await logger.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Zero, logger.Describe());
        Assert.That(JsonFileOutput.Read(path).Select(r => r.Log), Is.EqualTo(new[] { Ordinary + "\n", trace.ExpectedRecords.Single() + "\n" }));
        Assert.That(logger.Summary().Undelivered, Is.Zero);
    }
}
