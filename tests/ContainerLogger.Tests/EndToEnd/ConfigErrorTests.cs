using System.Text;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>
/// CONTRACT.md sections 2 and 3: a bad configuration exits 2 with a message naming the variable or option,
/// before anything is read from the inputs and before any output file exists.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ConfigErrorTests
{
    private const string Payload = "a line the logger must not read\n";

    public sealed record Case(string Name, Action<LoggerStart, string> Configure, string[] Expected)
    {
        public override string ToString() => Name;
    }

    private static Case Config(string name, Dictionary<string, string> options, params string[] expected) =>
        new(name, (start, path) =>
        {
            start.Config["path"] = path;
            foreach (var (key, value) in options) start.Config[key] = value;
        }, expected);

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var c in AllCases()) yield return new TestCaseData(c);
    }

    private static IEnumerable<Case> AllCases()
    {
        yield return new("malformed DOCKERLOG_CONFIG", (s, _) => s.RawConfig = "{\"path\": ", ["DOCKERLOG_CONFIG", "JSON"]);
        yield return new("DOCKERLOG_CONFIG not an object", (s, _) => s.RawConfig = "[\"max-size\",\"1k\"]", ["DOCKERLOG_CONFIG", "object"]);
        yield return new("DOCKERLOG_CONFIG value not a string", (s, p) => s.RawConfig = $"{{\"path\":\"{p}\",\"max-file\":3}}", ["DOCKERLOG_CONFIG", "max-file", "string"]);
        yield return new("DOCKERLOG_CONFIG missing", (s, _) => s.Environment["DOCKERLOG_CONFIG"] = null, ["DOCKERLOG_CONFIG", "required"]);
        yield return new("DOCKERLOG_CONTAINERID missing", (s, p) => { s.Config["path"] = p; s.Environment["DOCKERLOG_CONTAINERID"] = null; }, ["DOCKERLOG_CONTAINERID"]);
        yield return new("DOCKERLOG_LABELS malformed", (s, p) => { s.Config["path"] = p; s.Environment["DOCKERLOG_LABELS"] = "{oops"; }, ["DOCKERLOG_LABELS"]);
        yield return new("DOCKERLOG_CMD not an array", (s, p) => { s.Config["path"] = p; s.Environment["DOCKERLOG_CMD"] = "\"sh\""; }, ["DOCKERLOG_CMD"]);
        yield return Config("unknown option", new() { ["max-sizes"] = "1k" }, "unknown", "\"max-sizes\"", "max-size");
        yield return Config("bad mode", new() { ["mode"] = "sometimes" }, "\"mode\"", "sometimes", "non-blocking", "blocking");
        yield return Config("bad max-buffer-size", new() { ["max-buffer-size"] = "lots" }, "\"max-buffer-size\"", "lots");
        yield return Config("max-line-size out of range", new() { ["max-line-size"] = "2m" }, "\"max-line-size\"", "2m");
        yield return Config("bad shutdown-timeout", new() { ["shutdown-timeout"] = "soon" }, "\"shutdown-timeout\"", "soon");
        yield return Config("bad drop-notice", new() { ["drop-notice"] = "maybe" }, "\"drop-notice\"", "maybe");
        yield return Config("bad max-size", new() { ["max-size"] = "10 parsecs" }, "\"max-size\"", "10 parsecs");
        yield return Config("max-file 0", new() { ["max-file"] = "0", ["max-size"] = "1m" }, "\"max-file\"", "0");
        yield return Config("compress without max-size", new() { ["compress"] = "true", ["max-file"] = "3" }, "\"compress\"", "max-size");
        yield return Config("bad rotate-naming", new() { ["rotate-naming"] = "date" }, "\"rotate-naming\"", "date", "index", "timestamp");
        yield return Config("bad tag template", new() { ["tag"] = "{{.Name" }, "\"tag\"", "{{.Name");
        yield return Config("bad labels-regex", new() { ["labels-regex"] = "([a-z" }, "\"labels-regex\"", "([a-z");
        yield return Config("bad multiline-start-regex", new() { ["multiline-start-regex"] = "(unclosed" },
            "\"multiline-start-regex\"", "(unclosed", "not a valid regular expression: insufficient closing parentheses at offset 9");
        yield return Config("unknown multiline rule", new() { ["multiline"] = "python,perl" }, "\"multiline\"", "perl", "python, java, go, node, ruby");
        yield return Config("two problems at once", new() { ["colour"] = "blue", ["mode"] = "fast" }, "\"colour\"", "\"mode\"", "fast");
        yield return new("unknown driver", (s, p) => { s.Config["path"] = p; s.Arguments[0] = "jsonfile"; }, ["unknown driver", "jsonfile", "json-file"]);
        yield return new("bad --stdout source", (s, p) => { s.Config["path"] = p; s.Arguments.AddRange(["--stdout", "fd:three"]); }, ["--stdout", "fd:three"]);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task ExitsTwoNamingTheProblemBeforeReadingAnything(Case testCase)
    {
        using var dir = new TempDir();
        var start = new LoggerStart();
        string outputDir = dir["logs"];
        testCase.Configure(start, Path.Combine(outputDir, "container-json.log"));

        // The test keeps its own read-write descriptor on each FIFO: the shell's opens do not wait, and what is
        // still queued in the pipe after the logger has exited is what it did not read.
        var keepers = new List<FileStream>();
        try
        {
            foreach (var (fd, name) in new[] { (3, "stdout.fifo"), (4, "stderr.fifo") })
            {
                start.InputFifos[fd] = Fifo.Create(dir[name]);
                var keeper = new FileStream(start.InputFifos[fd], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
                keeper.Write(Encoding.UTF8.GetBytes(Payload));
                keepers.Add(keeper);
            }

            var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(start, TimeSpan.FromSeconds(15));

            Assert.That(exit, Is.EqualTo(2), $"exit code; stderr:\n{stderr}");
            foreach (var expected in testCase.Expected)
                Assert.That(stderr, Does.Contain(expected), "the message names the problem");
            Assert.That(stderr.Split('\n'), Is.All.StartsWith("containerlogger: "), "messages are prefixed");
            Assert.That(stderr, Does.Not.Contain("summary"), "no run happened");
            Assert.That(stdout, Is.Empty, "nothing on stdout");
            foreach (var keeper in keepers)
                Assert.That(Fifo.BytesQueued(keeper), Is.EqualTo(Payload.Length), "nothing was read from the inputs");
            Assert.That(Directory.Exists(outputDir), Is.False, "no output directory or file was created");
            Assert.That(File.Exists($"/var/log/containerlogger/{LoggerStart.ContainerId}-json.log"), Is.False, "nothing at the default path either");
        }
        finally
        {
            foreach (var keeper in keepers) keeper.Dispose();
        }
    }
}
