using MessagePack;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// Counts forward-protocol events with MessagePackReader: Message, Forward and PackedForward messages, each event's
/// "log" handed to the ledger, and the chunk id to acknowledge. A message cut short is left unread, to be read
/// again once more bytes arrived.
/// </summary>
internal ref struct ForwardMessages(ReadOnlyMemory<byte> data)
{
    private MessagePackReader _reader = new(data);

    public readonly int Consumed => (int)_reader.Consumed;

    /// <summary>Reads one whole message; false (nothing consumed) when it is not all there yet.</summary>
    public bool TryRead(ArrivalLedger ledger, out string? chunk)
    {
        chunk = null;
        // Whole first, so that no event of a message cut short is counted twice; the copy then reads it.
        var message = _reader;
        try
        {
            _reader.Skip();
        }
        catch (EndOfStreamException)
        {
            _reader = message;
            return false;
        }
        int items = message.ReadArrayHeader();
        message.Skip(); // tag
        switch (message.NextMessagePackType)
        {
            case MessagePackType.Binary or MessagePackType.String: // PackedForward: the entries in one blob
                var entries = new MessagePackReader(Text(ref message));
                while (!entries.End) Entry(ref entries, ledger);
                if (items > 2) chunk = Options(ref message);
                break;
            case MessagePackType.Array: // Forward
                for (int count = message.ReadArrayHeader(); count > 0; count--) Entry(ref message, ledger);
                if (items > 2) chunk = Options(ref message);
                break;
            default: // Message: [tag, time, record, options]
                message.Skip();
                ledger.Record(Log(ref message));
                if (items > 3) chunk = Options(ref message);
                break;
        }
        return true;
    }

    /// <summary>[time, record].</summary>
    private static void Entry(ref MessagePackReader reader, ArrivalLedger ledger)
    {
        reader.ReadArrayHeader();
        reader.Skip(); // time
        ledger.Record(Log(ref reader));
    }

    /// <summary>The record map's "log" value (other keys skipped).</summary>
    private static ReadOnlySpan<byte> Log(ref MessagePackReader reader)
    {
        ReadOnlySpan<byte> log = default;
        for (int pairs = reader.ReadMapHeader(); pairs > 0; pairs--)
        {
            if (Text(ref reader).Span.SequenceEqual("log"u8)) log = Text(ref reader).Span;
            else reader.Skip();
        }
        return log;
    }

    private static string? Options(ref MessagePackReader reader)
    {
        string? chunk = null;
        for (int pairs = reader.ReadMapHeader(); pairs > 0; pairs--)
        {
            if (Text(ref reader).Span.SequenceEqual("chunk"u8)) chunk = System.Text.Encoding.ASCII.GetString(Text(ref reader).Span);
            else reader.Skip();
        }
        return chunk;
    }

    /// <summary>A str or bin, as a slice of the buffer the reader reads (one segment).</summary>
    private static ReadOnlyMemory<byte> Text(ref MessagePackReader reader) =>
        (reader.NextMessagePackType == MessagePackType.Binary ? reader.ReadBytes() : reader.ReadStringSequence())!.Value.First;
}
