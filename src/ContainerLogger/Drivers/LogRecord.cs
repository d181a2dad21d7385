namespace ContainerLogger.Drivers;

public enum LogStream : byte
{
    Stdout = 0,
    Stderr = 1,
}

[Flags]
public enum RecordFlags : byte
{
    None = 0,
    /// <summary>One piece of a line longer than max-line-size (or of a line cut by EOF).</summary>
    Partial = 1,
    /// <summary>The piece that ends a partial line.</summary>
    Last = 2,
    /// <summary>Bytes left without a newline at EOF: no '\n' was read, so json-file writes none.</summary>
    Unterminated = 4,
}

/// <summary>
/// One line handed to a driver. It points into the host's buffer and is valid only during the call
/// that receives it; drivers encode it, never keep it.
/// </summary>
public readonly ref struct LogRecord
{
    public LogRecord(ReadOnlySpan<byte> line, LogStream stream, long timestampTicks, RecordFlags flags = RecordFlags.None,
        int partialOrdinal = 0, ReadOnlySpan<byte> partialId = default)
    {
        Line = line;
        Stream = stream;
        TimestampTicks = timestampTicks;
        Flags = flags;
        PartialOrdinal = partialOrdinal;
        PartialId = partialId;
    }

    /// <summary>The line without its '\n'; any other byte (\r, NUL, invalid UTF-8) as read.</summary>
    public ReadOnlySpan<byte> Line { get; }
    public LogStream Stream { get; }
    /// <summary>UTC capture time as <see cref="DateTime.Ticks"/>: when the line was read, never when it is sent.</summary>
    public long TimestampTicks { get; }
    public RecordFlags Flags { get; }
    /// <summary>1-based position of this piece in its partial line; 0 when not partial.</summary>
    public int PartialOrdinal { get; }
    /// <summary>64 lowercase hex ASCII bytes shared by the pieces of one partial line; empty when not partial.</summary>
    public ReadOnlySpan<byte> PartialId { get; }

    public bool IsPartial => (Flags & RecordFlags.Partial) != 0;
    public bool IsLast => (Flags & RecordFlags.Last) != 0;
    public bool IsUnterminated => (Flags & RecordFlags.Unterminated) != 0;
    public DateTime Timestamp => new(TimestampTicks, DateTimeKind.Utc);

    public static string StreamName(LogStream stream) => stream == LogStream.Stdout ? "stdout" : "stderr";
    public static ReadOnlySpan<byte> StreamNameUtf8(LogStream stream) => stream == LogStream.Stdout ? "stdout"u8 : "stderr"u8;
}
