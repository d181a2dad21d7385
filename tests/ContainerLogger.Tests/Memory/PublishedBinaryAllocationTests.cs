using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Fluentd;

namespace ContainerLogger.Tests.Memory;

/// <summary>
/// Issue 15 in the shipped Native AOT binary: its managed allocation (gc.allocated.bytes in the SIGUSR1 counters) does
/// not move while thousands of batches go through it, acknowledged, from the disk buffer, or into a rotating file (failed
/// attempts retry at most once a second here, too few to tell apart: the in-process tests count thousands). A counters query allocates itself (the line it prints), so three are taken: before and after a quiet moment,
/// and after the lines; the lines may cost no more than the quiet moment did, give or take a few KiB for the signal.
/// </summary>
public class PublishedBinaryAllocationTests
{
    private const int Lines = 20_000, LinesPerWrite = 20, Warm = 20_000;
    private const long Tolerance = 8 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Small writes, a moment apart: many small batches rather than a few large ones.</summary>
    private static async Task WriteLines(LoggerProcess sidecar, int from, int count)
    {
        var chunk = new System.Text.StringBuilder();
        for (int n = from; n < from + count; n += LinesPerWrite)
        {
            chunk.Clear();
            for (int i = n; i < n + LinesPerWrite; i++) chunk.Append("line ").Append(i).Append(' ', 60).Append('\n');
            sidecar.Input(3).Write(chunk.ToString());
            if (n % 400 == 0) await Task.Delay(1);
        }
    }

    /// <summary>Counters once everything written so far is delivered, then after a quiet second, then after <paramref name="flow"/>.</summary>
    private static async Task<(long Quiet, long Flowing, LoggerCounters Last)> Measure(LoggerProcess sidecar, Func<Task> flow)
    {
        await sidecar.QueryCountersAsync(Timeout);
        await Task.Delay(200);
        var first = await sidecar.QueryCountersAsync(Timeout);
        await Task.Delay(1000);
        var second = await sidecar.QueryCountersAsync(Timeout);
        await flow();
        var third = await sidecar.QueryCountersAsync(Timeout);
        return (second["gc.allocated.bytes"] - first["gc.allocated.bytes"], third["gc.allocated.bytes"] - second["gc.allocated.bytes"], third);
    }

    [TestCase("memory", true)]
    [TestCase("memory", false)]
    [TestCase("disk", true)]
    public async Task Batches_allocate_nothing_in_the_published_binary(string buffer, bool acks)
    {
        LoggerProcess.RequireBinary();
        using var dir = new TempDir();
        using var receiver = ForwardReceiver.Start("tcp");
        var options = new Dictionary<string, string> { ["fluentd-address"] = $"127.0.0.1:{receiver.Address}", ["fluentd-request-ack"] = acks ? "true" : "false",
            ["mode"] = "blocking" };
        if (buffer == "disk")
        {
            options["buffer"] = "disk";
            options["buffer-path"] = dir["queue"];
        }
        await using var sidecar = await LoggerProcess.StartDriverAsync("fluentd", dir, options);
        await sidecar.WaitForSignalHandlersAsync();
        // Warm-up: the connection, and batches as large as they get (a batch's buffers grow once to their working size,
        // about 0.5 MB, when the receiver lags), from lines written as fast as the pipe takes them.
        sidecar.Input(3).Write(string.Concat(Enumerable.Range(0, Warm).Select(i => $"line {i}{new string(' ', 60)}\n")));
        receiver.WaitFor(Warm, Timeout);
        var (quiet, flowing, last) = await Measure(sidecar, async () =>
        {
            await WriteLines(sidecar, Warm, Lines);
            receiver.WaitFor(Warm + Lines, Timeout);
        });
        TestContext.Out.WriteLine($"fluentd{(acks ? " acks" : "")}, {buffer}: a quiet second {quiet} bytes, {Lines} lines {flowing} bytes; {last.Text}");
        Assert.That(last.Delivered, Is.EqualTo(Warm + Lines));
        Assert.That(flowing - quiet, Is.LessThan(Tolerance), $"bytes allocated by {Lines} lines in about {Lines / LinesPerWrite} writes, beyond a query's own");
    }

    [Test]
    public async Task Lines_to_a_rotating_json_file_allocate_nothing_in_the_published_binary()
    {
        LoggerProcess.RequireBinary();
        using var dir = new TempDir();
        var options = new Dictionary<string, string> { ["path"] = dir["c-json.log"], ["max-size"] = "100k", ["max-file"] = "3" };
        await using var sidecar = await LoggerProcess.StartDriverAsync("json-file", dir, options);
        await sidecar.WaitForSignalHandlersAsync();
        await WriteLines(sidecar, 0, 2_000);
        await sidecar.WaitForCountersAsync(c => c.Delivered == 2_000, "the warm-up lines", Timeout);
        var (quiet, flowing, last) = await Measure(sidecar, async () =>
        {
            await WriteLines(sidecar, 2_000, Lines);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // Written: the live file ends with the last line (no counters query meanwhile, which would allocate).
            while (!File.ReadAllText(dir["c-json.log"]).Contains($"line {2_000 + Lines - 1} ", StringComparison.Ordinal) && clock.Elapsed < Timeout)
                await Task.Delay(20);
        });
        TestContext.Out.WriteLine($"json-file, rotating: a quiet second {quiet} bytes, {Lines} lines {flowing} bytes; {last.Text}");
        Assert.That(last.Delivered, Is.EqualTo(2_000 + Lines));
        Assert.That(File.Exists(dir["c-json.log.2"]), Is.True, "rotated (about 20 times)");
        Assert.That(flowing - quiet, Is.LessThan(Tolerance), $"bytes allocated by {Lines} lines and their rotations, beyond a query's own");
    }
}
