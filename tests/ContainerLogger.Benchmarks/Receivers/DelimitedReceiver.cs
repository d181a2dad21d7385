using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>A stream of frames ended by one delimiter byte (syslog's newline, GELF's NUL), each holding one message.</summary>
internal abstract class DelimitedReceiver(byte delimiter) : StreamReceiver
{
    /// <summary>The message inside one frame (without its delimiter), where its sequence prefix starts.</summary>
    protected abstract ReadOnlySpan<byte> Message(ReadOnlySpan<byte> frame);

    internal override int Consume(ReadOnlyMemory<byte> data, ArrivalLedger ledger, Socket? connection)
    {
        var bytes = data.Span;
        int consumed = 0;
        while (true)
        {
            int end = bytes[consumed..].IndexOf(delimiter);
            if (end < 0) return consumed;
            ledger.Record(Message(bytes.Slice(consumed, end)));
            consumed += end + 1;
        }
    }
}
