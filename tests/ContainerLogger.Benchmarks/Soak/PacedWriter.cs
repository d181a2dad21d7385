using System.Diagnostics;

namespace ContainerLogger.Benchmarks.Soak;

/// <summary>
/// Writes numbered lines into the logger's inputs at a steady rate (90% stdout, 10% stderr), on a thread of its own,
/// every few milliseconds as many as the clock says are due; a logger that does not keep up makes it fall behind,
/// which <see cref="Sent"/> shows.
/// </summary>
internal sealed class PacedWriter
{
    private const int LineSize = 100;
    private const double StderrShare = 0.1;
    private readonly LoggerUnderTest _logger;
    private readonly double _rate;
    private readonly Thread _thread;
    private readonly long _firstNumber;
    private volatile bool _stopping;
    private long _stdout, _stderr;

    /// <param name="firstNumber">The first line number of each stream (lines before it were written already).</param>
    public PacedWriter(LoggerUnderTest logger, double linesPerSecond, long firstNumber)
    {
        _logger = logger;
        _rate = linesPerSecond;
        _firstNumber = firstNumber;
        _stdout = _stderr = firstNumber;
        _thread = new Thread(Write) { IsBackground = true, Name = "paced writer" };
    }

    /// <summary>Lines written so far, both streams, those before <c>firstNumber</c> not included.</summary>
    public long Sent => Interlocked.Read(ref _stdout) + Interlocked.Read(ref _stderr) - 2 * _firstNumber;

    public void Start() => _thread.Start();

    public void Stop()
    {
        _stopping = true;
        _thread.Join();
    }

    private void Write()
    {
        var chunk = new byte[64 * 1024];
        var clock = Stopwatch.StartNew();
        while (!_stopping)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * _rate);
            long dueStderr = (long)(due * StderrShare);
            Burst(_logger.Stdout, chunk, stderr: false, ref _stdout, _firstNumber + due - dueStderr);
            Burst(_logger.Stderr, chunk, stderr: true, ref _stderr, _firstNumber + dueStderr);
            Thread.Sleep(5);
        }
    }

    /// <summary>Writes stream lines up to number <paramref name="until"/>.</summary>
    private static void Burst(Stream output, byte[] chunk, bool stderr, ref long next, long until)
    {
        while (next < until)
        {
            int lines = (int)Math.Min(chunk.Length / LineSize, until - next);
            for (int i = 0; i < lines; i++) LineSequence.Write(chunk.AsSpan(i * LineSize, LineSize), stderr, next + i, LineSize);
            output.Write(chunk, 0, lines * LineSize);
            Interlocked.Add(ref next, lines);
        }
    }
}
