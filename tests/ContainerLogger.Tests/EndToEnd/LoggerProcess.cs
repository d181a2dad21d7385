using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>
/// How to start the published executable: arguments, DOCKERLOG_* environment, and which FIFOs become its input
/// descriptors. .NET's Process cannot pass extra descriptors, so the child is started as
/// <c>/bin/sh -c 'exec "$0" "$@" 3&lt;"$FIFO3" 4&lt;"$FIFO4"'</c>: the shell opens the FIFOs' read ends on 3 and 4
/// and execs the logger in place (same pid), as a container init would.
/// </summary>
public sealed class LoggerStart
{
    public static readonly string ContainerId = string.Concat(Enumerable.Repeat("0123456789abcdef", 4)).Replace("0123", "e2e0");

    public List<string> Arguments { get; } = ["json-file"];
    /// <summary>Log options, written to DOCKERLOG_CONFIG as a JSON object unless <see cref="RawConfig"/> is set.</summary>
    public Dictionary<string, string> Config { get; } = new(StringComparer.Ordinal);
    /// <summary>DOCKERLOG_CONFIG exactly as given (malformed on purpose, say).</summary>
    public string? RawConfig { get; set; }
    /// <summary>Environment for the logger; a null value removes the variable. Every inherited DOCKERLOG_* is removed first.</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal)
    {
        ["DOCKERLOG_CONTAINERID"] = ContainerId,
        ["DOCKERLOG_CONTAINERNAME"] = "/e2e-container",
    };
    /// <summary>Descriptor → FIFO path opened for reading on it by the shell before exec.</summary>
    public SortedDictionary<int, string> InputFifos { get; } = new();
    /// <summary>Shell commands run before the exec, such as a resource limit (`ulimit -f 100; trap '' XFSZ;`).</summary>
    public string ShellPrefix { get; set; } = "";

    public string ConfigJson()
    {
        if (RawConfig is not null) return RawConfig;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, value) in Config) json.WriteString(key, value);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>
/// The published containerlogger running as a child process with real FIFOs as its inputs: writes to the inputs,
/// captures its stdout and stderr, sends signals, waits with timeouts, and kills it if a test ends early.
/// Reusable by every driver's end-to-end tests.
/// </summary>
public sealed class LoggerProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly Dictionary<int, FifoWriter> _writers = new();
    private readonly List<FifoWriter> _extraWriters = [];
    private readonly LoggerStart _start;
    private int? _exitCode;

    private LoggerProcess(Process process, LoggerStart start)
    {
        _process = process;
        _start = start;
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _exitCode ?? throw new InvalidOperationException("the logger has not exited");

    /// <summary>The executable under test: $CONTAINERLOGGER_BIN, else &lt;repo&gt;/artifacts/containerlogger.</summary>
    public static string BinaryPath { get; } = FindBinary();

    private static string FindBinary()
    {
        var fromEnv = System.Environment.GetEnvironmentVariable("CONTAINERLOGGER_BIN");
        if (!string.IsNullOrEmpty(fromEnv)) return Path.GetFullPath(fromEnv);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContainerLogger.sln")))
                return Path.Combine(dir.FullName, "artifacts", "containerlogger");
        return "artifacts/containerlogger";
    }

    public static void RequireBinary()
    {
        if (!File.Exists(BinaryPath))
            Assert.Fail($"the published executable {BinaryPath} does not exist: run ./build.sh or set CONTAINERLOGGER_BIN");
    }

    /// <summary>
    /// Starts `containerlogger &lt;driver&gt;` with these log options and FIFOs in <paramref name="dir"/> on fds 3 and 4,
    /// already opened for writing: what every driver's end-to-end tests begin with.
    /// </summary>
    public static async Task<LoggerProcess> StartDriverAsync(string driver, TempDir dir, IReadOnlyDictionary<string, string> options,
        Action<LoggerStart>? configure = null)
    {
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.Add(driver);
        foreach (var (key, value) in options) start.Config[key] = value;
        configure?.Invoke(start);
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        var process = Start(start);
        try
        {
            await process.OpenInputsAsync();
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return process;
    }

    /// <summary>Starts the logger. Its FIFO inputs must then be opened with <see cref="OpenInputsAsync"/> (or be open already).</summary>
    public static LoggerProcess Start(LoggerStart start)
    {
        RequireBinary();
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        var script = new StringBuilder(start.ShellPrefix + "exec \"$0\" \"$@\"");
        foreach (var (fd, path) in start.InputFifos)
        {
            string variable = $"CONTAINERLOGGER_E2E_FD{fd}";
            info.Environment[variable] = path;
            script.Append(CultureInfo.InvariantCulture, $" {fd}<\"${variable}\"");
        }
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script.ToString());
        info.ArgumentList.Add(BinaryPath);
        foreach (var argument in start.Arguments) info.ArgumentList.Add(argument);

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("DOCKERLOG_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        info.Environment["DOCKERLOG_CONFIG"] = start.ConfigJson();
        foreach (var (key, value) in start.Environment)
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var logger = new LoggerProcess(process, start);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (logger._stdout) logger._stdout.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (logger._stderr) logger._stderr.Add(e.Data);
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return logger;
    }

    /// <summary>Runs the executable to completion with no inputs (CLI verbs, configuration errors).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(LoggerStart start, TimeSpan? timeout = null)
    {
        await using var logger = Start(start);
        int code = await logger.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return (code, string.Join("\n", logger.StdoutLines), string.Join("\n", logger.StderrLines));
    }

    public IReadOnlyList<string> StdoutLines
    {
        get { lock (_stdout) return _stdout.ToList(); }
    }

    public IReadOnlyList<string> StderrLines
    {
        get { lock (_stderr) return _stderr.ToList(); }
    }

    /// <summary>
    /// Opens the write ends of every input FIFO (concurrently: the shell opens them one after the other and each
    /// open waits for its peer). Fails, unblocking the opens, if the child does not open them in time.
    /// </summary>
    public async Task OpenInputsAsync(TimeSpan? timeout = null)
    {
        var opening = _start.InputFifos.ToDictionary(p => p.Key, p => Task.Run(() => new FifoWriter(p.Value)));
        var all = Task.WhenAll(opening.Values);
        if (await Task.WhenAny(all, Task.Delay(timeout ?? TimeSpan.FromSeconds(20))) != all)
        {
            // A reader of our own lets the pending opens complete; those writers are closed right away.
            foreach (var path in _start.InputFifos.Values) Fifo.UnblockWriters(path);
            foreach (var task in opening.Values)
                _ = task.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
            Kill();
            Assert.Fail($"the logger did not open its input FIFOs in time{Describe()}");
        }
        foreach (var (fd, task) in opening) _writers[fd] = task.Result;
    }

    /// <summary>The write end of the FIFO on descriptor <paramref name="fd"/> (3: stdout, 4: stderr).</summary>
    public FifoWriter Input(int fd) => _writers[fd];

    /// <summary>
    /// Opens the write end of a FIFO the logger opens itself (--stdout PATH); the open completes once the logger
    /// has its read end. Fails, unblocking the open, if that does not happen in time.
    /// </summary>
    public async Task<FifoWriter> OpenWriterAsync(string path, TimeSpan? timeout = null)
    {
        var opening = Task.Run(() => new FifoWriter(path));
        if (await Task.WhenAny(opening, Task.Delay(timeout ?? TimeSpan.FromSeconds(20))) != opening)
        {
            Fifo.UnblockWriters(path);
            _ = opening.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
            Kill();
            Assert.Fail($"the logger did not open {path} in time{Describe()}");
        }
        var writer = await opening;
        lock (_extraWriters) _extraWriters.Add(writer);
        return writer;
    }

    public void CloseInput(int fd) => _writers[fd].Dispose();

    public void CloseInputs()
    {
        foreach (var writer in _writers.Values) writer.Dispose();
    }

    public void Signal(int signal)
    {
        if (Posix.kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Waits until the logger (after the shell's exec) has installed handlers for these signals, read from
    /// SigCgt in /proc/PID/status: a signal sent earlier would hit the default action and kill it.
    /// </summary>
    public async Task WaitForSignalHandlersAsync(TimeSpan? timeout = null, params int[] signals)
    {
        if (signals.Length == 0) signals = [Posix.SIGHUP, Posix.SIGTERM, Posix.SIGUSR1];
        ulong wanted = signals.Aggregate(0UL, (mask, s) => mask | (1UL << (s - 1)));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) Assert.Fail($"the logger exited (code {_process.ExitCode}) before installing its signal handlers{Describe()}");
            try
            {
                var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
                if (line is not null && (ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & wanted) == wanted) return;
            }
            catch (IOException)
            {
                // The process is going away; the next round reports it.
            }
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(20)))
                Assert.Fail($"the logger did not install handlers for signals {string.Join(",", signals)} in time{Describe()}");
            await Task.Delay(10);
        }
    }

    /// <summary>Sends SIGUSR1 and returns the counters it prints on stderr.</summary>
    public async Task<LoggerCounters> QueryCountersAsync(TimeSpan? timeout = null)
    {
        int seen;
        lock (_stderr) seen = _stderr.Count;
        Signal(Posix.SIGUSR1);
        var line = await WaitForStderrAsync(l => l.StartsWith("containerlogger: counters ", StringComparison.Ordinal), timeout, seen);
        return LoggerCounters.Parse(line);
    }

    /// <summary>Polls the counters (SIGUSR1) until <paramref name="condition"/> holds; fails on timeout.</summary>
    public async Task<LoggerCounters> WaitForCountersAsync(Func<LoggerCounters, bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        LoggerCounters last;
        while (true)
        {
            last = await QueryCountersAsync();
            if (condition(last)) return last;
            if (clock.Elapsed > (timeout ?? DefaultTimeout))
            {
                Kill();
                Assert.Fail($"timed out waiting for {what}; last counters: {last.Text}{Describe()}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for a stderr line (from index <paramref name="from"/> on) matching <paramref name="match"/>.</summary>
    public async Task<string> WaitForStderrAsync(Func<string, bool> match, TimeSpan? timeout = null, int from = 0)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_stderr)
                for (int i = from; i < _stderr.Count; i++)
                    if (match(_stderr[i])) return _stderr[i];
            if (_process.HasExited && clock.Elapsed > TimeSpan.FromSeconds(1))
                Assert.Fail($"the logger exited (code {_process.ExitCode}) without printing the expected line{Describe()}");
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(20)))
            {
                Kill();
                Assert.Fail($"timed out waiting for a line on the logger's stderr{Describe()}");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Waits for the process to exit (and its output to be read); kills it and fails on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"the logger did not exit within {(timeout ?? DefaultTimeout).TotalSeconds}s{Describe()}");
        }
        _exitCode = _process.ExitCode;
        return _exitCode.Value;
    }

    /// <summary>The exit summary line, parsed; fails if there is not exactly one.</summary>
    public LoggerCounters Summary()
    {
        var lines = StderrLines.Where(l => l.StartsWith("containerlogger: summary ", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), $"exactly one summary line on stderr{Describe()}");
        return LoggerCounters.Parse(lines[0]);
    }

    /// <summary>For assertion messages: the command and the end of stderr.</summary>
    public string Describe()
    {
        var stderr = StderrLines;
        var tail = stderr.Skip(Math.Max(0, stderr.Count - 40));
        return $"\n  binary: {BinaryPath} {string.Join(" ", _start.Arguments)}\n  DOCKERLOG_CONFIG: {_start.ConfigJson()}" +
               $"\n  stderr ({stderr.Count} lines, last 40):\n    {string.Join("\n    ", tail)}";
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        foreach (var writer in _writers.Values) writer.Dispose();
        lock (_extraWriters)
            foreach (var writer in _extraWriters) writer.Dispose();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
    }
}

/// <summary>The write end of an input FIFO; writes block while the pipe is full, as an application's would.</summary>
public sealed class FifoWriter : IDisposable
{
    private readonly FileStream _stream;
    private int _disposed;

    public FifoWriter(string path)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
    }

    public void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _stream.Dispose();
    }
}

/// <summary>A named pipe for the logger's input.</summary>
public static class Fifo
{
    public static string Create(string path)
    {
        if (Posix.mkfifo(path, Convert.ToUInt32("600", 8)) != 0)
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>Opens and closes a non-blocking reader, which completes any open of the write end that waits for one.</summary>
    public static void UnblockWriters(string path)
    {
        int fd = Posix.open(path, Posix.O_RDONLY | Posix.O_NONBLOCK);
        if (fd >= 0)
        {
            Thread.Sleep(50);
            Posix.close(fd);
        }
    }

    /// <summary>Bytes waiting in a pipe (FIONREAD) on a descriptor the test holds.</summary>
    public static int BytesQueued(FileStream stream)
    {
        if (Posix.ioctl(stream.SafeFileHandle.DangerousGetHandle().ToInt32(), Posix.FIONREAD, out int count) != 0)
            throw new IOException($"ioctl FIONREAD failed: errno {Marshal.GetLastPInvokeError()}");
        return count;
    }
}

/// <summary>The summary / SIGUSR1 line (src/ContainerLogger/Pipeline/Counters.cs): key=value pairs.</summary>
public sealed class LoggerCounters
{
    private static readonly Regex Pair = new(@"([a-z.]+)=(-?\d+)", RegexOptions.CultureInvariant);
    private readonly Dictionary<string, long> _values;

    private LoggerCounters(string text, Dictionary<string, long> values)
    {
        Text = text;
        _values = values;
    }

    public string Text { get; }

    public long this[string key] =>
        _values.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"counter '{key}' missing in: {Text}");

    public long ReadLines(string stream) => this[$"read.{stream}.lines"];
    public long ReadBytes(string stream) => this[$"read.{stream}.bytes"];
    public long DroppedLines(string stream) => this[$"dropped.{stream}.lines"];
    public long DroppedBytes(string stream) => this[$"dropped.{stream}.bytes"];
    public long Delivered => this["delivered"];
    public long Undelivered => this["undelivered"];

    public static readonly string[] Keys =
    [
        "read.stdout.lines", "read.stdout.bytes", "read.stderr.lines", "read.stderr.bytes", "delivered",
        "dropped.stdout.lines", "dropped.stdout.bytes", "dropped.stderr.lines", "dropped.stderr.bytes", "retried", "undelivered",
        "multiline.joined", "gc.allocated.bytes", "gc.collections",
    ];

    public static LoggerCounters Parse(string line)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in Pair.Matches(line)) values[m.Groups[1].Value] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var counters = new LoggerCounters(line, values);
        foreach (var key in Keys) Assert.That(values.ContainsKey(key), $"counter '{key}' in: {line}");
        return counters;
    }

    public override string ToString() => Text;
}

/// <summary>A temporary directory removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("containerlogger-e2e-").FullName;
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

internal static partial class Posix
{
    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGUSR1 = 10, SIGTERM = 15;
    public const int O_RDONLY = 0, O_NONBLOCK = 0x800;
    public const int FIONREAD = 0x541B;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, out int value);
}

/// <summary>
/// A json-file destination that cannot be written until released: its parent directory is a regular file, so
/// opening (and creating the directory) fails — even for root — and the logger keeps the lines and retries.
/// </summary>
public sealed class StalledDestination
{
    private readonly string _blocker;

    public StalledDestination(string directory)
    {
        _blocker = System.IO.Path.Combine(directory, "stalled");
        File.WriteAllText(_blocker, "a file where the log directory should be\n");
    }

    public string LogPath => System.IO.Path.Combine(_blocker, "container-json.log");

    /// <summary>From now on the logger's next retry creates the directory and the file.</summary>
    public void Release() => File.Delete(_blocker);
}
