using ContainerLogger.Benchmarks;
using ContainerLogger.Benchmarks.Receivers;
using ContainerLogger.Tests.EndToEnd;

namespace ContainerLogger.Tests.Benchmarks;

/// <summary>
/// Two thousand lines through every receiver of the harness with the published binary: the counts must match.
/// Speeds are not asserted (docs/benchmarks.md records them).
/// </summary>
public class BenchmarkSmokeTests
{
    [TestCaseSource(typeof(ReceiverCatalog), nameof(ReceiverCatalog.Names))]
    public void EveryLineArrivesOnceThroughTheReceiver(string receiver)
    {
        LoggerProcess.RequireBinary();
        var workload = new Workload(Lines: 2000, LineSize: 100, StderrShare: 0.3);
        var result = BurstResult.Measure(LoggerProcess.BinaryPath, ReceiverCatalog.All[receiver], workload, "blocking", TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(result.Received, Is.EqualTo(2000), "missing: " + string.Join(", ", result.Missing));
            Assert.That(result.Duplicates, Is.Zero);
            Assert.That(result.Foreign, Is.Zero);
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.LinesPerSecond, Is.GreaterThan(0));
        });
    }

    /// <summary>The json-file receiver follows the live file across rotations (a few dozen here), encrypted or not.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void The_json_file_receiver_follows_rotations(bool encrypt)
    {
        LoggerProcess.RequireBinary();
        var workload = new Workload(Lines: 2000, LineSize: 100, StderrShare: 0.3);
        var result = BurstResult.Measure(LoggerProcess.BinaryPath, () => new JsonFileReceiver(maxSize: "10k", encrypt), workload, "blocking", TimeSpan.FromSeconds(10));
        Assert.That(result.Received, Is.EqualTo(2000), "missing: " + string.Join(", ", result.Missing));
        Assert.That(result.Duplicates, Is.Zero);
        Assert.That(result.ExitCode, Is.Zero);
    }

    /// <summary>The multiline runs: built-in rules on lines they leave alone, and every line joined into records of 10.</summary>
    [TestCaseSource(typeof(ReceiverCatalog), nameof(ReceiverCatalog.Names))]
    public void EveryLineArrivesOnceWithMultiline(string receiver)
    {
        LoggerProcess.RequireBinary();
        var workload = new Workload(Lines: 2000, LineSize: 100, StderrShare: 0.3, LinesPerRecord: 10);
        var options = new Dictionary<string, string> { ["multiline"] = "python,java,go", ["multiline-flush-timeout"] = "10ms" };
        var result = BurstResult.Measure(LoggerProcess.BinaryPath, ReceiverCatalog.All[receiver], workload, "blocking", TimeSpan.FromSeconds(10), options);
        Assert.Multiple(() =>
        {
            Assert.That(result.Received, Is.EqualTo(2000), "missing: " + string.Join(", ", result.Missing));
            Assert.That(result.Duplicates, Is.Zero);
            Assert.That(result.Foreign, Is.Zero);
            Assert.That(result.ExitCode, Is.Zero);
        });
    }
}
