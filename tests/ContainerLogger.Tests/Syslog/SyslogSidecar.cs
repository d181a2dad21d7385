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
        try
        {
            return new SyslogSidecar(dir, await LoggerProcess.StartDriverAsync("syslog", dir, options, start => start.Environment["TZ"] = "UTC"));
        }
        catch
        {
            dir.Dispose();
            throw;
        }
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
