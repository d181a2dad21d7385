using System.Runtime.InteropServices;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Pipeline.Multiline;

namespace ContainerLogger.Cli;

/// <summary>`containerlogger &lt;driver&gt;`: validate everything, then read, queue and deliver until EOF or shutdown.</summary>
internal static class RunCommand
{
    public static int Execute(string driverName, string stdoutText, string stderrText, bool tty)
    {
        var diagnostics = new Diagnostics();
        var setup = Prepare(driverName, stdoutText, stderrText, tty, diagnostics, out var errors);
        if (setup is null)
        {
            foreach (var error in errors) diagnostics.Always(error);
            return ExitCodes.Configuration;
        }
        return Run(setup.Value, diagnostics);
    }

    private readonly record struct Setup(RunConfiguration Config, DriverContext Context, LogDriver Driver,
        List<(int Fd, LogStream Stream, string Name)> Inputs, Counters Counters);

    private static Setup? Prepare(string driverName, string stdoutText, string stderrText, bool tty, Diagnostics diagnostics, out List<string> errors)
    {
        errors = [];
        var descriptor = DriverRegistry.Find(driverName);
        if (descriptor is null)
        {
            errors.Add($"unknown driver \"{driverName}\"; available: {string.Join(", ", DriverRegistry.All.Select(d => d.Name))}");
            return null;
        }
        var config = RunConfiguration.Load(descriptor, Environment.GetEnvironmentVariables());
        errors.AddRange(config.Errors);
        var stdout = InputSource.Parse(stdoutText, out var stdoutError);
        string? stderrError = null;
        // With a TTY the streams arrive merged on --stdout.
        var stderr = tty ? InputSource.None : InputSource.Parse(stderrText, out stderrError);
        if (stdoutError is not null) errors.Add("--stdout: " + stdoutError);
        if (stderrError is not null) errors.Add("--stderr: " + stderrError);
        if (errors.Count > 0) return null;

        var inputs = new List<(int, LogStream, string)>();
        foreach (var (source, stream) in new[] { (stdout!, LogStream.Stdout), (stderr!, LogStream.Stderr) })
        {
            if (source.IsNone) continue;
            int fd = source.Open(out var openError);
            if (openError is not null) errors.Add($"--{LogRecord.StreamName(stream)}: {openError}");
            else inputs.Add((fd, stream, $"{LogRecord.StreamName(stream)} ({source.Text})"));
        }
        if (errors.Count > 0) return null;

        var counters = new Counters();
        var context = config.CreateContext(diagnostics, counters);
        try
        {
            return new Setup(config, context, descriptor.Create(context), inputs, counters);
        }
        catch (FormatException e)
        {
            errors.Add($"{descriptor.Name}: {e.Message}");
            return null;
        }
    }

    private static int Run(Setup setup, Diagnostics diagnostics)
    {
        var options = setup.Config.Options;
        var counters = setup.Counters;
        int maxLine = setup.Context.MaxLineSize;
        long maxBuffer = setup.Config.Driver.QueueBound?.Invoke(options) ?? options.Get(CommonOptions.MaxBufferSize);
        var shutdownTimeout = (long)options.Get(CommonOptions.ShutdownTimeout).TotalMilliseconds;
        using var ring = new LogRing(maxBuffer, maxLine, options.Get(CommonOptions.Mode) == "blocking", options.Get(CommonOptions.DropNotice), counters);
        var multiline = MultilineStage.For(options, ring, maxLine, counters);
        using var reader = new InputReader(setup.Inputs, ring, multiline, maxLine, counters, diagnostics);
        var sender = new Sender(ring, setup.Driver, setup.Config.Driver.Name, counters, setup.Context.Losses, diagnostics, maxBuffer);

        void BeginShutdown(PosixSignalContext signal)
        {
            signal.Cancel = true;
            ring.SetDeadline(Environment.TickCount64 + shutdownTimeout);
            reader.Wake();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, BeginShutdown);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, BeginShutdown);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            signal.Cancel = true;
            sender.RequestReopen();
        });
        using var usr1 = PosixSignalRegistration.Create(Signals.SIGUSR1, signal =>
        {
            signal.Cancel = true;
            diagnostics.Always(counters.Format("counters"));
        });

        var senderThread = new Thread(() => RunGuarded("sender", sender.Run, diagnostics)) { Name = "sender", IsBackground = true };
        senderThread.Start();
        RunGuarded("reader", reader.Run, diagnostics);
        reader.Finish();

        ring.SetDeadline(Environment.TickCount64 + shutdownTimeout);
        long remaining = Math.Max(0, (ring.DeadlineMs ?? 0) - Environment.TickCount64);
        bool drained = senderThread.Join(TimeSpan.FromMilliseconds(remaining));
        if (drained) setup.Driver.Dispose();
        else diagnostics.Always($"shutdown-timeout reached with lines still queued for {setup.Config.Driver.Name}");
        diagnostics.Always(counters.Format("summary"));
        return ExitCodes.Ok;
    }

    /// <summary>A bug must not leave a half-working sidecar: report it and exit 1.</summary>
    private static void RunGuarded(string what, Action action, Diagnostics diagnostics)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            diagnostics.Always($"internal error in the {what}: {e.GetType().Name}: {e.Message}");
            Environment.Exit(ExitCodes.Internal);
        }
    }
}

internal static class ExitCodes
{
    public const int Ok = 0, Internal = 1, Configuration = 2;
}

internal static class Signals
{
    // PosixSignal has no SIGUSR1; raw Linux numbers are accepted when cast.
    public const PosixSignal SIGUSR1 = (PosixSignal)10;
}
