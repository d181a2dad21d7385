using System.Diagnostics;
using ContainerLogger.Tests.EndToEnd;

namespace ContainerLogger.Tests.Syslog;

/// <summary>
/// `containerlogger syslog` started through the shared end-to-end harness (EndToEnd/LoggerProcess.cs): FIFOs on
/// fds 3 and 4, the given log options, TZ=UTC so rsyslog and the sidecar agree on local time.
/// </summary>
internal sealed class SyslogSidecar : IAsyncDisposable
{
    private readonly TempDir _dir;

    private SyslogSidecar(TempDir dir, LoggerProcess process)
    {
        _dir = dir;
        Process = process;
    }

    public LoggerProcess Process { get; }
    public int Pid => Process.Pid;
    public bool HasExited => Process.HasExited;
    public string Stderr => string.Join("\n", Process.StderrLines);

    public static async Task<SyslogSidecar> StartAsync(IReadOnlyDictionary<string, string> options)
    {
        var dir = new TempDir();
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.Add("syslog");
        foreach (var (key, value) in options) start.Config[key] = value;
        start.Environment["TZ"] = "UTC";
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        var process = LoggerProcess.Start(start);
        var sidecar = new SyslogSidecar(dir, process);
        try
        {
            await process.OpenInputsAsync();
        }
        catch
        {
            await sidecar.DisposeAsync();
            throw;
        }
        return sidecar;
    }

    public void WriteStdout(string text) => Process.Input(3).Write(text);
    public void WriteStderr(string text) => Process.Input(4).Write(text);

    /// <summary>EOF on both inputs, then the exit code once the sidecar has drained and exited.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        Process.CloseInputs();
        return Process.WaitForExitAsync(timeout);
    }

    /// <summary>Waits until the sidecar's stderr contains <paramref name="text"/> or the timeout passes.</summary>
    public async Task WaitForStderr(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal) && clock.Elapsed < timeout) await Task.Delay(50);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _dir.Dispose();
    }
}
