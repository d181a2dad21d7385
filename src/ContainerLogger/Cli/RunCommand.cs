using System.Runtime.InteropServices;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Storage;
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
        List<(int Fd, LogStream Stream, string Name)> Inputs, Counters Counters, IRecordQueue Queue);

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
        LogDriver driver;
        try
        {
            driver = descriptor.Create(context);
        }
        catch (FormatException e)
        {
            errors.Add($"{descriptor.Name}: {e.Message}");
            return null;
        }
        try
        {
            var queue = CreateQueue(config, context, counters, diagnostics);
            counters.Queue = queue;
            return new Setup(config, context, driver, inputs, counters, queue);
        }
        catch (DiskBufferInUseException e)
        {
            driver.Dispose();
            errors.Add($"DOCKERLOG_CONFIG: option \"{DiskBufferOptions.Path.Name}\": {e.Message}");
            return null;
        }
    }

    /// <summary>The memory ring, or the disk buffer (buffer=disk) with the ring behind it for when the disk fails.</summary>
    private static IRecordQueue CreateQueue(RunConfiguration config, DriverContext context, Counters counters, Diagnostics diagnostics)
    {
        var options = config.Options;
        long maxBuffer = config.Driver.QueueBound?.Invoke(options) ?? options.Get(CommonOptions.MaxBufferSize);
        bool blocking = options.Get(CommonOptions.Mode) == "blocking";
        bool dropNotice = options.Get(CommonOptions.DropNotice);
        if (!config.Driver.DiskBuffer || options.Get(DiskBufferOptions.Buffer) != "disk")
            return new LogRing(maxBuffer, context.MaxLineSize, blocking, dropNotice, counters);
        var sync = options.Get(DiskBufferOptions.Sync) switch
        {
            "always" => BufferSync.Always,
            "none" => BufferSync.None,
            _ => BufferSync.Interval,
        };
        var settings = new DiskBufferSettings(options.Get(DiskBufferOptions.Path) ?? DiskBufferOptions.DefaultPath(context.Info.ContainerId),
            options.Get(DiskBufferOptions.MaxSize), sync, blocking, dropNotice, maxBuffer, context.MaxLineSize);
        return DiskQueue.Open(settings, counters, diagnostics);
    }

    private static int Run(Setup setup, Diagnostics diagnostics)
    {
        var options = setup.Config.Options;
        var counters = setup.Counters;
        var queue = setup.Queue;
        var shutdownTimeout = (long)options.Get(CommonOptions.ShutdownTimeout).TotalMilliseconds;
        var multiline = MultilineStage.For(options, queue, setup.Context.MaxLineSize, counters);
        using var reader = new InputReader(setup.Inputs, queue, multiline, setup.Context.MaxLineSize, counters, diagnostics);
        var sender = new Sender(queue, setup.Driver, setup.Config.Driver.Name, counters, setup.Context.Losses, diagnostics);

        void BeginShutdown(PosixSignalContext signal)
        {
            signal.Cancel = true;
            queue.SetDeadline(Environment.TickCount64 + shutdownTimeout);
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

        if (setup.Inputs.Count == 0 && queue.Durable) DrainBacklog(senderThread, queue, counters, shutdownTimeout);
        queue.SetDeadline(Environment.TickCount64 + shutdownTimeout);
        long remaining = Math.Max(0, (queue.DeadlineMs ?? 0) - Environment.TickCount64);
        bool drained = senderThread.Join(TimeSpan.FromMilliseconds(remaining));
        if (drained)
        {
            setup.Driver.Complete(queue.DeadlineMs ?? Environment.TickCount64);
            setup.Driver.Dispose();
            queue.Dispose();
        }
        else if (queue.KeptLines > 0)
            diagnostics.Always($"shutdown-timeout reached: {queue.KeptLines} lines stay in the disk buffer for the next start");
        else diagnostics.Always($"shutdown-timeout reached with lines still queued for {setup.Config.Driver.Name}");
        diagnostics.Always(counters.Format("summary"));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// `--stdout none --stderr none` with a disk buffer: a run that only delivers what an earlier run left. It goes on
    /// while delivery moves, and ends once the backlog is delivered, after shutdown-timeout without progress (the
    /// destination is down), or on SIGTERM (then shutdown-timeout bounds it as usual).
    /// </summary>
    private static void DrainBacklog(Thread senderThread, IRecordQueue queue, Counters counters, long stallMs)
    {
        long delivered = counters.Delivered, progressAt = Environment.TickCount64;
        while (!senderThread.Join(200) && queue.DeadlineMs is null)
        {
            long now = Environment.TickCount64;
            if (counters.Delivered != delivered)
            {
                delivered = counters.Delivered;
                progressAt = now;
            }
            else if (now - progressAt >= stallMs) return;
        }
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
