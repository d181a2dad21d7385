using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ContainerLogger.Tests.Syslog;

/// <summary>
/// The published executable run as a container init would run it: the read ends of two FIFOs on fds 3 and 4
/// (through /bin/sh's redirections), the write ends held here. A minimal stand-in for the shared end-to-end
/// harness (tests/ContainerLogger.Tests/EndToEnd/LoggerProcess.cs), which is not on main yet.
/// </summary>
internal sealed class SyslogLoggerProcess : IDisposable
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly string _dir;
    private FileStream? _stdout, _stderrPipe;

    private SyslogLoggerProcess(Process process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>What the sidecar wrote to its own stderr so far.</summary>
    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static string Binary
    {
        get
        {
            string path = Environment.GetEnvironmentVariable("CONTAINERLOGGER_BIN") is { Length: > 0 } bin
                ? bin
                : Path.Combine(RepositoryRoot(), "artifacts", "containerlogger");
            if (!File.Exists(path)) Assert.Fail($"the published executable is missing: {path} (run ./build.sh, or set CONTAINERLOGGER_BIN)");
            return path;
        }
    }

    /// <summary>Starts `containerlogger syslog` with these log options and opens the write ends of its inputs.</summary>
    public static SyslogLoggerProcess Start(IReadOnlyDictionary<string, string> options)
    {
        string dir = Directory.CreateTempSubdirectory("syslog-e2e-fifo-").FullName;
        string stdoutFifo = Path.Combine(dir, "stdout"), stderrFifo = Path.Combine(dir, "stderr");
        Run("mkfifo", stdoutFifo, stderrFifo);
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec \"$0\" \"$@\" 3<'{stdoutFifo}' 4<'{stderrFifo}'");
        start.ArgumentList.Add(Binary);
        start.ArgumentList.Add("syslog");
        start.Environment["DOCKERLOG_CONFIG"] = JsonSerializer.Serialize(options.ToDictionary(p => p.Key, p => p.Value), SyslogJson.Default.DictionaryStringString);
        start.Environment["DOCKERLOG_CONTAINERID"] = SyslogConfig.ContainerId;
        start.Environment["DOCKERLOG_CONTAINERNAME"] = "/web";
        start.Environment["TZ"] = "UTC";
        var process = Process.Start(start)!;
        var logger = new SyslogLoggerProcess(process, dir);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (logger._stderr) logger._stderr.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            // Same order as the shell's redirections, so the two opens pair up.
            logger._stdout = OpenWriter(stdoutFifo, process);
            logger._stderrPipe = OpenWriter(stderrFifo, process);
        }
        catch
        {
            logger.Dispose();
            throw;
        }
        return logger;
    }

    private static FileStream OpenWriter(string fifo, Process process)
    {
        var open = Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1));
        if (!open.Wait(OpenTimeout))
        {
            // Unblock the open by opening the read end ourselves, then give up.
            using (new FileStream(fifo, FileMode.Open, FileAccess.Read)) { }
            throw new TimeoutException($"the logger did not open {fifo} within {OpenTimeout.TotalSeconds}s (exited: {process.HasExited})");
        }
        return open.Result;
    }

    public void WriteStdout(string text) => Write(_stdout!, text);
    public void WriteStderr(string text) => Write(_stderrPipe!, text);

    private static void Write(FileStream pipe, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        pipe.Write(bytes);
        pipe.Flush();
    }

    /// <summary>EOF on both inputs.</summary>
    public void CloseInputs()
    {
        _stdout?.Dispose();
        _stderrPipe?.Dispose();
        _stdout = _stderrPipe = null;
    }

    /// <summary>Closes the inputs and waits for the sidecar to drain and exit; returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        CloseInputs();
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"the logger did not exit within {timeout.TotalSeconds}s; stderr:\n{Stderr}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Terminate() => Run("kill", "-TERM", _process.Id.ToString());

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        CloseInputs();
        Kill();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    internal static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            Assert.Fail($"{program} {string.Join(" ", args)} did not finish within 30s");
        }
        if (process.ExitCode != 0)
            Assert.Fail($"{program} {string.Join(" ", args)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ContainerLogger.sln"))) return directory.FullName;
        throw new DirectoryNotFoundException("ContainerLogger.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
