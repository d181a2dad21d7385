using ContainerLogger.Benchmarks;
using ContainerLogger.Benchmarks.Receivers;
using ContainerLogger.Benchmarks.Soak;
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

    /// <summary>
    /// A few seconds of the soak (<c>./build.sh bench --soak</c>): every case's logger at once, sampled, its lines
    /// arriving, the report naming each. Memory targets are the benchmark's to judge, over minutes, not this test's.
    /// </summary>
    [Test]
    public void The_soak_samples_every_case_while_lines_flow()
    {
        LoggerProcess.RequireBinary();
        var interval = TimeSpan.FromSeconds(1);
        var results = SoakRun.Measure(LoggerProcess.BinaryPath, SoakCase.All, TimeSpan.FromSeconds(4), rate: 2_000, interval);
        Assert.That(results.Select(r => r.Case), Is.EqualTo(SoakCase.Names));
        Assert.Multiple(() =>
        {
            foreach (var r in results)
            {
                Assert.That(r.Samples, Has.Count.EqualTo(4), r.Case);
                Assert.That(r.Samples.Select(s => s.Seconds), Is.Ordered.Ascending, r.Case);
                Assert.That(r.Idle.PrivateDirtyKiB, Is.GreaterThan(0), r.Case);
                Assert.That(r.Samples, Has.All.Matches<SoakSample>(s => s.Threads > 0 && s.OpenFds > 0 && s.RssKiB > 0), r.Case);
                Assert.That(r.Last.Sent, Is.GreaterThan(r.First.Sent), $"{r.Case}: lines flowed");
                Assert.That(r.Received, Is.GreaterThan(0).And.LessThanOrEqualTo(r.Sent), r.Case);
                Assert.That(r.ExitCode, Is.Zero, r.Case);
                Assert.That(r.HeapAllocatedBytes, Is.GreaterThan(0), $"{r.Case}: the summary's gc.allocated.bytes");
            }
        });
        // Without the flapping receiver nothing is lost at this rate (UDP aside).
        foreach (var r in results.Where(r => r.Case is "json-file" or "syslog-tcp" or "fluentd" or "fluentd-ack" or "fluentd-ack-disk" or "s3"))
            Assert.That(r.Received, Is.EqualTo(r.Sent), r.Case);
        var markdown = SoakReport.Markdown("smoke", TimeSpan.FromSeconds(4), interval, results);
        Assert.That(markdown, Does.Contain("| fluentd-ack-flapping |").And.Contain("| s3 |").And.Contain("growth, 2nd half"));
    }
}
