using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ContainerLogger.Benchmarks.Soak;

/// <summary>The soak's results as a markdown table (stdout, docs/benchmarks.md) and as JSON, every sample included.</summary>
internal static class SoakReport
{
    public static string Markdown(string command, TimeSpan duration, TimeSpan interval, IReadOnlyList<SoakResult> results)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Command: `{command}`  \nMachine: {Environment.ProcessorCount} cores, {Report.MemoryGiB():0.0} GiB, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}  \n");
        text.Append(CultureInfo.InvariantCulture,
            $"Soak: {duration.TotalSeconds:0} s, every case at once, samples every {interval.TotalSeconds:0.#} s; private dirty memory in KiB (idle: one line delivered, then 0.5 s of silence)\n\n");
        text.Append("| case | idle | first | last | growth, 2nd half | last − idle | RSS first → last | threads | open fds | lines/s sent (target) | received / sent | CPU | managed allocation (start to exit), collections | targets |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var r in results)
            text.Append(CultureInfo.InvariantCulture,
                $"| {r.Case} | {r.Idle.PrivateDirtyKiB:N0} | {r.First.PrivateDirtyKiB:N0} | {r.Last.PrivateDirtyKiB:N0} | {r.SecondHalfGrowthKiB:+#,0;-#,0;0} | {r.OverIdleKiB:+#,0;-#,0;0} | " +
                $"{r.First.RssKiB / 1024.0:0.0} → {r.Last.RssKiB / 1024.0:0.0} MiB | {Range(r.Samples.Select(s => s.Threads))} | {Range(r.Samples.Select(s => s.OpenFds))} | " +
                $"{r.SentPerSecond:N0} ({r.TargetRate:N0}) | {r.Received:N0} / {r.Sent:N0} | {r.CpuPercent:0.0}% | {Heap(r)} | " +
                $"{(r.MeetsTargets ? "met" : "**missed**")}{(r.ExitCode == 0 ? "" : $" (exit {r.ExitCode})")} |\n");
        text.Append("\nManaged allocation: what the logger's summary line (gc.allocated.bytes, gc.collections) says it allocated from its start to its exit, start-up (about 450 KiB) and shutdown included; n/a for a logger that does not report it.  \n");
        text.Append("Targets (issue 15): growth over the second half under 256 KiB, last within max-buffer-size (1 MiB) + 1 MiB of idle, threads and open fds not growing (the second half's fewest no more than the first half's fewest: a leak raises the floor, work in progress comes and goes above it).\n");
        return text.ToString();
    }

    private static string Heap(SoakResult r) =>
        r.HeapAllocatedBytes is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:N0} KiB, {r.Collections}") : "n/a";

    /// <summary>"4", or "4–5" when the samples varied.</summary>
    private static string Range(IEnumerable<int> values)
    {
        var list = values.ToList();
        return list.Min() == list.Max() ? $"{list.Min()}" : $"{list.Min()}–{list.Max()}";
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    public static void WriteJson(string path, string command, TimeSpan duration, TimeSpan interval, IReadOnlyList<SoakResult> results)
    {
        using var file = Report.CreateJson(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        Report.WriteRun(json, command);
        json.WriteNumber("seconds", duration.TotalSeconds);
        json.WriteNumber("sampleSeconds", interval.TotalSeconds);
        json.WriteStartArray("soak");
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteString("case", r.Case);
            json.WriteNumber("targetLinesPerSecond", r.TargetRate);
            json.WriteNumber("sentLinesPerSecond", Math.Round(r.SentPerSecond));
            json.WriteNumber("sent", r.Sent);
            json.WriteNumber("received", r.Received);
            json.WriteNumber("exitCode", r.ExitCode);
            json.WriteNumber("cpuPercent", Math.Round(r.CpuPercent, 2));
            json.WriteNumber("secondHalfGrowthKiB", r.SecondHalfGrowthKiB);
            json.WriteNumber("overIdleKiB", r.OverIdleKiB);
            json.WriteBoolean("threadsConstant", r.ThreadsConstant);
            json.WriteBoolean("fdsConstant", r.FdsConstant);
            json.WriteBoolean("meetsTargets", r.MeetsTargets);
            if (r.HeapAllocatedBytes is { } heapBytes) json.WriteNumber("managedAllocatedBytes", heapBytes);
            if (r.Collections is { } collections) json.WriteNumber("collections", collections);
            json.WritePropertyName("idle");
            Write(json, r.Idle);
            json.WriteStartArray("samples");
            foreach (var sample in r.Samples) Write(json, sample);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, SoakSample sample)
    {
        json.WriteStartObject();
        json.WriteNumber("seconds", Math.Round(sample.Seconds, 1));
        json.WriteNumber("privateDirtyKiB", sample.PrivateDirtyKiB);
        json.WriteNumber("rssKiB", sample.RssKiB);
        json.WriteNumber("threads", sample.Threads);
        json.WriteNumber("openFds", sample.OpenFds);
        json.WriteNumber("cpuTicks", sample.CpuTicks);
        json.WriteNumber("sent", sample.Sent);
        json.WriteEndObject();
    }
}
