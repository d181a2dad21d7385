namespace ContainerLogger.Benchmarks;

/// <summary>
/// N numbered lines split between stdout and stderr, written into the logger's inputs as fast as it takes them:
/// one thread per stream, 64 KiB writes.
/// </summary>
internal sealed record Workload(long Lines, int LineSize, double StderrShare)
{
    public long StderrLines => (long)Math.Round(Lines * StderrShare);
    public long StdoutLines => Lines - StderrLines;

    /// <summary>Writes every line; returns when both streams are written (the inputs stay open).</summary>
    public void WriteAll(LoggerUnderTest logger)
    {
        var stderr = new Thread(() => Write(logger.Stderr, stderr: true, StderrLines)) { Name = "stderr writer" };
        stderr.Start();
        Write(logger.Stdout, stderr: false, StdoutLines);
        stderr.Join();
    }

    private void Write(Stream output, bool stderr, long count)
    {
        int perChunk = Math.Max(1, 65536 / LineSize);
        var chunk = new byte[perChunk * LineSize];
        for (long next = 0; next < count;)
        {
            int lines = (int)Math.Min(perChunk, count - next);
            for (int i = 0; i < lines; i++) LineSequence.Write(chunk.AsSpan(i * LineSize, LineSize), stderr, next + i, LineSize);
            output.Write(chunk, 0, lines * LineSize);
            next += lines;
        }
    }
}
