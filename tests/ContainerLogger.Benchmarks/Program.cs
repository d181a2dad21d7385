using System.CommandLine;
using ContainerLogger.Benchmarks;
using ContainerLogger.Benchmarks.Receivers;
using ContainerLogger.Benchmarks.Soak;

var logger = new Option<string>("--logger") { Description = "the executable under test (any dockerlogger-compatible logger: env + fds 3 and 4)", Required = true };
var drivers = new Option<string>("--drivers") { Description = "receivers to run, comma separated: " + string.Join(", ", ReceiverCatalog.All.Keys), DefaultValueFactory = _ => string.Join(",", ReceiverCatalog.All.Keys) };
var lines = new Option<long>("--lines") { Description = "lines per burst", DefaultValueFactory = _ => 1_000_000 };
var lineSize = new Option<int>("--line-size") { Description = "bytes per line, newline included", DefaultValueFactory = _ => 100 };
var stderrShare = new Option<double>("--stderr-share") { Description = "fraction of the lines written to stderr", DefaultValueFactory = _ => 0.1 };
var mode = new Option<string>("--mode") { Description = "the logger's mode option", DefaultValueFactory = _ => "blocking" };
var runs = new Option<int>("--runs") { Description = "bursts per receiver; the median is reported", DefaultValueFactory = _ => 1 };
var idleSeconds = new Option<int>("--idle-seconds") { Description = "length of the idle measurement; 0 skips it", DefaultValueFactory = _ => 10 };
var logOpts = new Option<string[]>("--log-opt") { Description = "KEY=VALUE added to every receiver's log options, repeatable (e.g. --log-opt multiline=python,java,go)", Arity = ArgumentArity.ZeroOrMore };
var linesPerRecord = new Option<int>("--lines-per-record") { Description = "1, or a power of 10: a multiline-start-regex joins that many lines into each record (every line part of a multi-line record)", DefaultValueFactory = _ => 1 };
var backlog = new Option<string?>("--backlog") { Description = "instead of bursts: a disk-buffer backlog of this many bytes (e.g. 1g) built with each receiver down, then replayed with --stdout none --stderr none" };
var output = new Option<string>("--output") { Description = "where the JSON results go", DefaultValueFactory = _ => "artifacts/bench/results.json" };
var soak = new Option<TimeSpan?>("--soak")
{
    Description = "instead of bursts, a soak of this long (10m, 90s): every --soak-cases logger at once at a steady --soak-rate, sampled every --soak-sample",
    CustomParser = result => Durations.TryParse(result.Tokens.Single().Value, out var d) ? d : Invalid(result, "a duration such as 10m, 90s or 500ms"),
};
var soakRate = new Option<double>("--soak-rate") { Description = "lines per second into each soak logger", DefaultValueFactory = _ => 20_000 };
var soakSample = new Option<TimeSpan>("--soak-sample")
{
    Description = "how often the soak samples memory, threads and descriptors",
    DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
    CustomParser = result => Durations.TryParse(result.Tokens.Single().Value, out var d) ? d : Invalid(result, "a duration such as 10s"),
};
var soakCases = new Option<string>("--soak-cases") { Description = "soak cases, comma separated: " + string.Join(", ", SoakCase.Names), DefaultValueFactory = _ => string.Join(",", SoakCase.Names) };
mode.AcceptOnlyFromAmong("blocking", "non-blocking");

var root = new RootCommand("Benchmarks a ContainerLogger-compatible executable against local receivers.")
{
    logger, drivers, lines, lineSize, stderrShare, mode, runs, idleSeconds, logOpts, linesPerRecord, backlog, output, soak, soakRate, soakSample, soakCases,
};
root.SetAction(parsed =>
{
    // build.sh says how it was invoked; run directly, the arguments are the command.
    string command = Environment.GetEnvironmentVariable("CONTAINERLOGGER_BENCH_COMMAND") ?? "ContainerLogger.Benchmarks " + string.Join(' ', args);
    var extraOptions = new Dictionary<string, string>();
    foreach (var pair in parsed.GetValue(logOpts) ?? [])
    {
        int equals = pair.IndexOf('=');
        if (equals <= 0)
        {
            Console.Error.WriteLine($"--log-opt takes KEY=VALUE, not \"{pair}\"");
            return 2;
        }
        extraOptions[pair[..equals]] = pair[(equals + 1)..];
    }
    if (parsed.GetValue(soak) is { } soakDuration)
    {
        var names = parsed.GetValue(soakCases)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknownCases = names.Where(n => SoakCase.All.All(c => c.Name != n)).ToList();
        if (unknownCases.Count > 0)
        {
            Console.Error.WriteLine($"unknown soak case(s): {string.Join(", ", unknownCases)}; known: {string.Join(", ", SoakCase.Names)}");
            return 2;
        }
        var interval = parsed.GetValue(soakSample);
        var results = SoakRun.Measure(Path.GetFullPath(parsed.GetValue(logger)!), SoakCase.All.Where(c => names.Contains(c.Name)).ToList(),
            soakDuration, parsed.GetValue(soakRate), interval, extraOptions);
        Console.Write(SoakReport.Markdown(command, soakDuration, interval, results));
        SoakReport.WriteJson(parsed.GetValue(output)!, command, soakDuration, interval, results);
        return results.Any(r => r.ExitCode != 0) ? 1 : 0;
    }
    var selected = parsed.GetValue(drivers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var unknown = selected.Where(d => !ReceiverCatalog.All.ContainsKey(d)).ToList();
    if (unknown.Count > 0)
    {
        Console.Error.WriteLine($"unknown receiver(s): {string.Join(", ", unknown)}; known: {string.Join(", ", ReceiverCatalog.All.Keys)}");
        return 2;
    }
    int size = parsed.GetValue(lineSize);
    if (size < LineSequence.MinLineSize)
    {
        Console.Error.WriteLine($"--line-size must be at least {LineSequence.MinLineSize}");
        return 2;
    }
    if (!Workload.ValidLinesPerRecord(parsed.GetValue(linesPerRecord)))
    {
        Console.Error.WriteLine("--lines-per-record must be 1 or a power of 10");
        return 2;
    }
    var workload = new Workload(parsed.GetValue(lines), size, parsed.GetValue(stderrShare), parsed.GetValue(linesPerRecord));
    string executable = Path.GetFullPath(parsed.GetValue(logger)!);
    if (parsed.GetValue(backlog) is { } backlogText)
    {
        if (!Sizes.TryParse(backlogText, out long bytes))
        {
            Console.Error.WriteLine($"--backlog takes a size such as 512m or 1g, not \"{backlogText}\"");
            return 2;
        }
        var backlogs = selected.Select(name => BacklogResult.Measure(executable, ReceiverCatalog.All[name], bytes, size, parsed.GetValue(stderrShare))).ToList();
        Console.Write(Report.BacklogMarkdown(command, backlogs));
        return backlogs.Any(b => b.Received != b.Lines || b.ReplayExitCode != 0) ? 1 : 0;
    }
    var bursts = new List<BurstResult>();
    var idles = new List<IdleResult>();
    foreach (var name in selected)
    {
        var results = Enumerable.Range(0, Math.Max(1, parsed.GetValue(runs)))
            .Select(_ => BurstResult.Measure(executable, ReceiverCatalog.All[name], workload, parsed.GetValue(mode)!, TimeSpan.FromSeconds(5), extraOptions))
            .OrderBy(r => r.LinesPerSecond).ToList();
        bursts.Add(results[results.Count / 2]);
        Console.Error.WriteLine($"{name}: {string.Join(", ", results.Select(r => $"{r.LinesPerSecond:N0} lines/s"))}");
        if (parsed.GetValue(idleSeconds) > 0)
            idles.Add(IdleResult.Measure(executable, ReceiverCatalog.All[name], TimeSpan.FromSeconds(parsed.GetValue(idleSeconds)), extraOptions));
    }
    Console.Write(Report.Markdown(command, bursts, idles));
    Report.WriteJson(parsed.GetValue(output)!, command, bursts, idles);
    // A lost line fails the run only where nothing may be lost: blocking mode over a file or a stream.
    bool failed = bursts.Any(b => b.Duplicates > 0 || b.ExitCode != 0 || (b.Lossless && parsed.GetValue(mode) == "blocking" && b.Received != b.Sent));
    return failed ? 1 : 0;
});
return root.Parse(args).Invoke();

static TimeSpan Invalid(System.CommandLine.Parsing.ArgumentResult result, string expected)
{
    result.AddError($"{result.Tokens.Single().Value} is not {expected}");
    return default;
}
