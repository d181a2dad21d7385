using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ContainerLogger.Benchmarks;

/// <summary>The results as a markdown table (stdout, docs/benchmarks.md) and as JSON.</summary>
internal static class Report
{
    public static string Markdown(string command, IReadOnlyList<BurstResult> bursts, IReadOnlyList<IdleResult> idles)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Command: `{command}`  \nMachine: {Environment.ProcessorCount} cores, {MemoryGiB():0.0} GiB, {DateTime.UtcNow:yyyy-MM-dd}\n\n");
        text.Append("| receiver | mode | lines/s | CPU s per 1M lines | peak RSS | received / sent | duplicates | other records | exit | missing |\n");
        text.Append("|---|---|---:|---:|---:|---|---:|---:|---:|---|\n");
        foreach (var b in bursts)
            text.Append(CultureInfo.InvariantCulture,
                $"| {b.Receiver} | {b.Mode} | {b.LinesPerSecond:N0} | {b.CpuSecondsPerMillion:0.00} | {b.PeakRssKiB / 1024.0:0.0} MiB | {b.Received:N0} / {b.Sent:N0} | {b.Duplicates} | {b.Foreign} | {b.ExitCode} | {(b.Missing.Count == 0 ? "none" : string.Join(", ", b.Missing))} |\n");
        if (idles.Count > 0)
        {
            text.Append("\n| receiver (idle) | RSS | PSS | private dirty | threads | CPU ticks over idle | idle seconds | exec → first record |\n");
            text.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var i in idles)
                text.Append(CultureInfo.InvariantCulture,
                    $"| {i.Receiver} | {i.RssKiB / 1024.0:0.00} MiB | {i.PssKiB / 1024.0:0.00} MiB | {i.PrivateDirtyKiB / 1024.0:0.00} MiB | {i.Threads} | {i.CpuTicks} | {i.IdleSeconds:0} | {i.FirstRecordMs:0.0} ms |\n");
        }
        return text.ToString();
    }

    public static string BacklogMarkdown(string command, IReadOnlyList<BacklogResult> backlogs)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Command: `{command}`  \nMachine: {Environment.ProcessorCount} cores, {MemoryGiB():0.0} GiB, {DateTime.UtcNow:yyyy-MM-dd}\n\n");
        text.Append("| receiver | lines | on disk | fill: lines/s | fill: peak RSS | fill: CPU s per 1M | replay: MiB/s | replay: lines/s | replay: peak RSS | replay: CPU s per 1M | received | duplicates |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var b in backlogs)
            text.Append(CultureInfo.InvariantCulture,
                $"| {b.Receiver} | {b.Lines:N0} | {b.DiskBytes / 1048576.0:N0} MiB | {b.Lines / b.FillSeconds:N0} | {b.FillPeakRssKiB / 1024.0:0.0} MiB | {b.FillCpuSecondsPerMillion:0.00} | " +
                $"{b.ReplayMiBPerSecond:N0} | {b.ReplayLinesPerSecond:N0} | {b.ReplayPeakRssKiB / 1024.0:0.0} MiB | {b.ReplayCpuSecondsPerMillion:0.00} | {b.Received:N0} | {b.Duplicates} |\n");
        return text.ToString();
    }

    public static void WriteJson(string path, string command, IReadOnlyList<BurstResult> bursts, IReadOnlyList<IdleResult> idles)
    {
        using var file = CreateJson(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        WriteRun(json, command);
        json.WriteStartArray("bursts");
        foreach (var b in bursts)
        {
            json.WriteStartObject();
            json.WriteString("receiver", b.Receiver);
            json.WriteString("mode", b.Mode);
            json.WriteNumber("sent", b.Sent);
            json.WriteNumber("received", b.Received);
            json.WriteNumber("duplicates", b.Duplicates);
            json.WriteNumber("otherRecords", b.Foreign);
            json.WriteNumber("linesPerSecond", Math.Round(b.LinesPerSecond));
            json.WriteNumber("cpuSecondsPerMillionLines", Math.Round(b.CpuSecondsPerMillion, 3));
            json.WriteNumber("peakRssKiB", b.PeakRssKiB);
            json.WriteNumber("exitCode", b.ExitCode);
            json.WriteStartArray("missing");
            foreach (var m in b.Missing) json.WriteStringValue(m);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("idle");
        foreach (var i in idles)
        {
            json.WriteStartObject();
            json.WriteString("receiver", i.Receiver);
            json.WriteNumber("rssKiB", i.RssKiB);
            json.WriteNumber("pssKiB", i.PssKiB);
            json.WriteNumber("privateDirtyKiB", i.PrivateDirtyKiB);
            json.WriteNumber("threads", i.Threads);
            json.WriteNumber("cpuTicks", i.CpuTicks);
            json.WriteNumber("idleSeconds", i.IdleSeconds);
            json.WriteNumber("firstRecordMs", Math.Round(i.FirstRecordMs, 2));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The results file, its directory created.</summary>
    internal static FileStream CreateJson(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return File.Create(path);
    }

    /// <summary>Opens the results object with what every run records: the command, the date and the machine.</summary>
    internal static void WriteRun(Utf8JsonWriter json, string command)
    {
        json.WriteStartObject();
        json.WriteString("command", command);
        json.WriteString("date", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        json.WriteNumber("cores", Environment.ProcessorCount);
        json.WriteNumber("memoryGiB", Math.Round(MemoryGiB(), 2));
    }

    internal static double MemoryGiB()
    {
        var total = ProcessStats.Fields("/proc/meminfo")["MemTotal"].Split(' ')[0];
        return long.Parse(total, CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
    }
}
