namespace ContainerLogger.Drivers;

/// <summary>Writes one record as a wire message into a span: a driver's pure encoder, as <see cref="MessageBatch"/> uses it.</summary>
public interface IMessageEncoder
{
    /// <summary>Room <see cref="Encode"/> may need for a line of this many bytes.</summary>
    int MaxEncodedLength(int lineLength);

    /// <summary>Returns the bytes written; 0 means the record is skipped (an empty line, for syslog and GELF).</summary>
    int Encode(in LogRecord record, Span<byte> destination);
}
