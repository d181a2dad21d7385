using System.Diagnostics;
using System.Text;

namespace ContainerLogger.Benchmarks;

/// <summary>
/// The logger under test, started as a container init starts it: the DOCKERLOG_* environment, and the read ends
/// of two FIFOs on fds 3 and 4 (opened by /bin/sh, which then execs the logger, so the pid is the logger's).
/// The harness holds the write ends.
/// </summary>
internal sealed class LoggerUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly string _directory;

    private LoggerUnderTest(Process process, string directory, FileStream stdout, FileStream stderr)
    {
        _process = process;
        _directory = directory;
        Stdout = stdout;
        Stderr = stderr;
    }

    public FileStream Stdout { get; }
    public FileStream Stderr { get; }
    public int Pid => _process.Id;
    /// <summary>Stopwatch timestamp taken just before the exec.</summary>
    public long StartedAt { get; private init; }

    public static LoggerUnderTest Start(string executable, string driver, string config)
    {
        string directory = Directory.CreateTempSubdirectory("clbench-fifo-").FullName;
        string stdoutFifo = Path.Combine(directory, "stdout"), stderrFifo = Path.Combine(directory, "stderr");
        foreach (var fifo in new[] { stdoutFifo, stderrFifo })
            if (Mkfifo(fifo) != 0) throw new IOException($"mkfifo {fifo} failed");

        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-c", "exec \"$0\" \"$3\" 3<\"$1\" 4<\"$2\"", executable, stdoutFifo, stderrFifo, driver })
            start.ArgumentList.Add(arg);
        start.Environment["DOCKERLOG_CONTAINERID"] = "b0e1c2d3a4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff";
        start.Environment["DOCKERLOG_CONTAINERNAME"] = "/bench";
        start.Environment["DOCKERLOG_IMAGENAME"] = "bench:latest";
        start.Environment["DOCKERLOG_CONFIG"] = config;

        long startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        // The shell opens fd 3, then fd 4; each open of a FIFO waits for the other end, so open in the same order.
        var stdout = new FileStream(stdoutFifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 0);
        var stderr = new FileStream(stderrFifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 0);
        var logger = new LoggerUnderTest(process, directory, stdout, stderr) { StartedAt = startedAt };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (logger._stderr) logger._stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return logger;
    }

    public ProcessStats Stats() => ProcessStats.Read(Pid);

    /// <summary>Closes both inputs (EOF) and waits for the logger to drain and exit.</summary>
    public int CloseAndWait(TimeSpan timeout)
    {
        Stdout.Dispose();
        Stderr.Dispose();
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            _process.WaitForExit();
            return -1;
        }
        _process.WaitForExit(); // flushes the stderr reader
        return _process.ExitCode;
    }

    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>
    /// The managed heap's figures from the summary line of a logger that has exited: bytes allocated since it started,
    /// and collections; null for a logger that does not report them. (Not asked with SIGUSR1 while it runs: .NET runs a
    /// signal's handler on the thread pool, whose gate thread then stays, a thread the soak would count.)
    /// </summary>
    public (long AllocatedBytes, long Collections)? SummaryHeap()
    {
        var line = StandardError.Split('\n').LastOrDefault(l => l.StartsWith("containerlogger: summary ", StringComparison.Ordinal));
        return line is not null && Counter(line, "gc.allocated.bytes") is { } bytes && Counter(line, "gc.collections") is { } collections
            ? (bytes, collections) : null;
    }

    private static long? Counter(string line, string key)
    {
        int at = line.IndexOf(" " + key + "=", StringComparison.Ordinal);
        if (at < 0) return null;
        var digits = line.AsSpan(at + key.Length + 2);
        int length = 0;
        while (length < digits.Length && char.IsAsciiDigit(digits[length])) length++;
        return long.Parse(digits[..length], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        Stdout.Dispose();
        Stderr.Dispose();
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(string path, uint mode = 0x180);
}
