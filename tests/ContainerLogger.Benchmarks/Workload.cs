namespace ContainerLogger.Benchmarks;

/// <summary>
/// N numbered lines split between stdout and stderr, written into the logger's inputs as fast as it takes them:
/// one thread per stream, 64 KiB writes. With <see cref="LinesPerRecord"/> above 1, a multiline-start-regex
/// makes every line whose number is a multiple of it start a record and the others continue it, so every line is
/// part of a multi-line record.
/// </summary>
internal sealed record Workload(long Lines, int LineSize, double StderrShare, int LinesPerRecord = 1)
{
    /// <summary>1, or a power of 10 (the regex matches the number's trailing zeros).</summary>
    public static bool ValidLinesPerRecord(int n) => n >= 1 && n <= 1_000_000_000 && Math.Pow(10, Math.Round(Math.Log10(n))) == n;

    /// <summary>The log options the workload needs: the start regex that joins its lines into records.</summary>
    public IReadOnlyDictionary<string, string> LogOptions
    {
        get
        {
            if (LinesPerRecord == 1) return new Dictionary<string, string>();
            int zeros = (int)Math.Round(Math.Log10(LinesPerRecord));
            return new Dictionary<string, string> { ["multiline-start-regex"] = $"^[oe][0-9]{{{10 - zeros}}}{new string('0', zeros)} " };
        }
    }

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
