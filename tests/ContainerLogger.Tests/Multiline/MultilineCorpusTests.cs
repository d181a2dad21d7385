using ContainerLogger.Config;
using ContainerLogger.Drivers;

namespace ContainerLogger.Tests.Multiline;

/// <summary>
/// The built-in rules over real output: every file of Multiline/Corpus (what python3, java, go, node and ruby
/// printed, see Corpus/regenerate.sh) must arrive as one record, under its own rule and under all rules at once,
/// read whole or line by line, between ordinary lines that stay records of their own, and beside the other stream.
/// </summary>
public class MultilineCorpusTests
{
    private const string Before = "2024-05-01T10:00:00.123Z INFO  handling request id=42 path=/api/orders";
    private const string After = "2024-05-01T10:00:00.456Z INFO  request finished id=42 status=500 duration_ms=12";
    private static readonly string[] AllRules = [.. MultilineOptions.RuleNames];

    private static IEnumerable<TestCaseData> Files() => CorpusFiles.All().Select(f => new TestCaseData(f).SetArgDisplayNames(f.ToString()));

    [Test]
    public void The_corpus_has_traces_of_every_rule()
    {
        var rules = CorpusFiles.All().GroupBy(f => f.Rule).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(rules.Keys, Is.EquivalentTo(AllRules));
        Assert.That(rules.Values, Has.All.GreaterThanOrEqualTo(4));
    }

    [TestCaseSource(nameof(Files))]
    public void A_trace_is_one_record_under_its_rule(CorpusFile file)
    {
        var rig = new StageRig(file.Rule).Read(file.Text).Eof();
        AssertRecords(rig.Texts(), file.ExpectedRecords, file);
    }

    [TestCaseSource(nameof(Files))]
    public void A_trace_is_one_record_under_all_rules_at_once(CorpusFile file)
    {
        var rig = new StageRig(AllRules).Read(file.Text).Eof();
        AssertRecords(rig.Texts(), file.ExpectedRecords, file);
    }

    [TestCaseSource(nameof(Files))]
    public void Read_line_by_line_it_is_one_record_with_its_first_lines_time(CorpusFile file)
    {
        var rig = new StageRig(AllRules);
        rig.ReadTicks = 100;
        rig.ReadLines(file.Lines).Eof();
        AssertRecords(rig.Texts(), file.ExpectedRecords, file);
        var trace = rig.Sink.Records[^1];
        Assert.That(trace.Record.Ticks, Is.EqualTo(100 + file.ExpectedRecords.Length - 1), "the time of the trace's first line");
    }

    [TestCaseSource(nameof(Files))]
    public void Ordinary_lines_around_a_trace_stay_records_of_their_own(CorpusFile file)
    {
        foreach (var rules in new[] { [file.Rule], AllRules })
        {
            var rig = new StageRig(rules).Read($"{Before}\n{file.Text}{After}\n{Before}\n").Eof();
            AssertRecords(rig.Texts(), [Before, .. file.ExpectedRecords, After, Before], file);
        }
    }

    [TestCaseSource(nameof(Files))]
    public void Two_traces_with_a_line_between_them_are_two_records(CorpusFile file)
    {
        var rig = new StageRig(AllRules).Read(file.Text + After + "\n" + file.Text).Eof();
        AssertRecords(rig.Texts(), [.. file.ExpectedRecords, After, .. file.ExpectedRecords], file);
    }

    [TestCaseSource(nameof(Files))]
    public void A_traces_first_line_does_not_swallow_the_next_unrelated_line(CorpusFile file)
    {
        string first = file.Lines.First(l => l.Length > 0);
        var rig = new StageRig(AllRules).Read($"{first}\n{After}\n").Eof();
        AssertRecords(rig.Texts(), [first, After], file);
    }

    [TestCaseSource(nameof(Files))]
    public void A_trace_on_stderr_interleaved_line_by_line_with_stdout_stays_whole(CorpusFile file)
    {
        var rig = new StageRig(AllRules);
        var stdout = new List<string>();
        foreach (var (line, i) in file.Lines.Select((l, i) => (l, i)))
        {
            rig.Read(line + "\n", LogStream.Stderr);
            stdout.Add($"{Before} line={i}");
            rig.Read(stdout[^1] + "\n", LogStream.Stdout);
        }
        Assert.That(rig.Texts(LogStream.Stdout), Is.EqualTo(stdout), "stdout's lines go on at once, one record each");
        rig.Eof(LogStream.Stderr).Eof(LogStream.Stdout);
        AssertRecords(rig.Texts(LogStream.Stderr), file.ExpectedRecords, file);
    }

    [TestCase("2024-05-01T10:00:00.123Z INFO  request served path=/api status=200")]
    [TestCase("""{"level":"info","msg":"listening","port":8080}""")]
    [TestCase("""127.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0" """)]
    [TestCase("level=info msg=\"cache warmed\" entries=1200")]
    [TestCase("Starting server on :8080")]
    [TestCase("")]
    [TestCase("    indented detail")]
    [TestCase("\tat the office")]
    [TestCase("Error connecting to the database, retrying in 5s")]
    [TestCase("com.example.App: started in 1.2s")]
    [TestCase("main.go:42: listening")]
    [TestCase("panic mode is off")]
    [TestCase("goroutine pool resized to 8")]
    [TestCase("Traceback follows")]
    [TestCase("SIGTERM received, shutting down")]
    public void An_ordinary_line_is_never_held(string line)
    {
        var rig = new StageRig(AllRules).Read(line + "\n");
        Assert.That(rig.Texts(), Is.EqualTo(new[] { line }));
        Assert.That(rig.Stage.NextDeadlineTicks, Is.Null);
    }

    /// <summary>Lines shaped like a trace's first line wait for the next line (or the timeout), then go on alone.</summary>
    [TestCase("Error: connection refused")]
    [TestCase("java.lang.IllegalStateException: not ready")]
    [TestCase("retry:3")]
    [TestCase("panic: not really")]
    [TestCase("app.rb:12:in `call': looks like ruby (RuntimeError)")]
    [TestCase("Traceback (most recent call last):")]
    public void A_line_that_only_looks_like_a_trace_is_held_then_goes_on_alone(string line)
    {
        var rig = new StageRig(AllRules).Read($"{line}\n{After}\n{Before}\n");
        rig.Eof();
        Assert.That(rig.Texts(), Is.EqualTo(new[] { line, After, Before }));
    }

    private static void AssertRecords(IReadOnlyList<string> actual, IReadOnlyList<string> expected, CorpusFile file)
    {
        if (actual.SequenceEqual(expected)) return;
        Assert.Fail($"{file}: expected {expected.Count} records, got {actual.Count}:\n" +
                    string.Join("\n", actual.Select((r, i) => $"--- record {i + 1} ({r.Split('\n').Length} lines)\n{r}")));
    }
}
