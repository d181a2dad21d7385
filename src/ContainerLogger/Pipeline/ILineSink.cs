using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline;

/// <summary>
/// Where the line framer puts each line (or piece of a long line): the buffer itself, or a stage in front of it
/// that may hold lines for a while (multiline). Called on the reader's thread with the buffer's gate held.
/// </summary>
internal interface ILineSink
{
    /// <summary>
    /// Takes one line. <paramref name="offset"/> is where the line's first byte was in its input stream, counted
    /// from the first byte read from that input: a stage that holds lines reports the oldest it holds through
    /// <see cref="HeldFrom"/>. False once the buffer takes no more lines (shutdown).
    /// </summary>
    bool Append(in LogRecord record, long offset);

    /// <summary>
    /// The input offset of the oldest line of <paramref name="stream"/> taken but not yet queued, or
    /// <see cref="long.MaxValue"/> when nothing is held: input before it may be released (the disk buffer
    /// consumes a pipe only up to there).
    /// </summary>
    long HeldFrom(LogStream stream);
}
