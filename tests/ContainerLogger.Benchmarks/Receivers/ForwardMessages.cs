using System.Buffers.Binary;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// Just enough MessagePack to count forward-protocol events: Message, Forward and PackedForward messages, each
/// event's "log" handed to a callback, and the chunk id to acknowledge. A message cut short returns false, to be
/// read again once more bytes arrived.
/// </summary>
internal ref struct ForwardMessages(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _at;

    public int Consumed => _at;

    /// <summary>Reads one whole message; false (nothing consumed) when it is not all there yet.</summary>
    public bool TryRead(ArrivalLedger ledger, out string? chunk)
    {
        int start = _at;
        chunk = null;
        try
        {
            // Whole first, so that no event of a message cut short is counted twice.
            Skip();
            _at = start;
            int items = ArrayLength();
            Skip(); // tag
            byte kind = Peek();
            string? found;
            if (kind is 0xc4 or 0xc5 or 0xc6 || (kind & 0xe0) == 0xa0 || kind is 0xd9 or 0xda or 0xdb)
            {
                var entries = new ForwardMessages(Bytes());
                while (entries._at < entries._data.Length) entries.Entry(ledger);
                found = items > 2 ? Options() : null;
            }
            else if ((kind & 0xf0) == 0x90 || kind is 0xdc or 0xdd)
            {
                int count = ArrayLength();
                for (int i = 0; i < count; i++) Entry(ledger);
                found = items > 2 ? Options() : null;
            }
            else
            {
                Skip(); // time
                ledger.Record(Log());
                found = items > 3 ? Options() : null;
            }
            chunk = found;
            return true;
        }
        catch (IndexOutOfRangeException)
        {
            _at = start;
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            _at = start;
            return false;
        }
    }

    private void Entry(ArrivalLedger ledger)
    {
        ArrayLength();
        Skip(); // time
        ledger.Record(Log());
    }

    /// <summary>The record map's "log" value (other keys skipped).</summary>
    private ReadOnlySpan<byte> Log()
    {
        int pairs = MapLength();
        ReadOnlySpan<byte> log = default;
        for (int i = 0; i < pairs; i++)
        {
            var key = Bytes();
            if (key.SequenceEqual("log"u8)) log = Bytes();
            else Skip();
        }
        return log;
    }

    private string? Options()
    {
        int pairs = MapLength();
        string? chunk = null;
        for (int i = 0; i < pairs; i++)
        {
            var key = Bytes();
            if (key.SequenceEqual("chunk"u8)) chunk = System.Text.Encoding.ASCII.GetString(Bytes());
            else Skip();
        }
        return chunk;
    }

    private byte Peek() => _data[_at];

    private int ArrayLength()
    {
        byte b = _data[_at++];
        if ((b & 0xf0) == 0x90) return b & 0x0f;
        return b == 0xdc ? U16() : b == 0xdd ? U32() : throw new InvalidDataException($"expected an array, got 0x{b:x2}");
    }

    private int MapLength()
    {
        byte b = _data[_at++];
        if ((b & 0xf0) == 0x80) return b & 0x0f;
        return b == 0xde ? U16() : b == 0xdf ? U32() : throw new InvalidDataException($"expected a map, got 0x{b:x2}");
    }

    /// <summary>A str or bin.</summary>
    private ReadOnlySpan<byte> Bytes()
    {
        byte b = _data[_at++];
        int length = (b & 0xe0) == 0xa0 ? b & 0x1f : b switch
        {
            0xd9 or 0xc4 => _data[_at++],
            0xda or 0xc5 => U16(),
            0xdb or 0xc6 => U32(),
            _ => throw new InvalidDataException($"expected str or bin, got 0x{b:x2}"),
        };
        var value = _data.Slice(_at, length);
        _at += length;
        return value;
    }

    private void Skip()
    {
        byte b = _data[_at];
        if (b < 0x80 || b >= 0xe0 || b is 0xc0 or 0xc2 or 0xc3) { _at++; return; }
        if ((b & 0xe0) == 0xa0 || b is 0xd9 or 0xda or 0xdb or 0xc4 or 0xc5 or 0xc6) { Bytes(); return; }
        if ((b & 0xf0) == 0x90 || b is 0xdc or 0xdd) { for (int n = ArrayLength(); n > 0; n--) Skip(); return; }
        if ((b & 0xf0) == 0x80 || b is 0xde or 0xdf) { for (int n = MapLength() * 2; n > 0; n--) Skip(); return; }
        _at += b switch
        {
            0xcc or 0xd0 => 2,
            0xcd or 0xd1 => 3,
            0xce or 0xd2 or 0xca => 5,
            0xcf or 0xd3 or 0xcb => 9,
            0xd7 => 10, // fixext 8: EventTime
            _ => throw new InvalidDataException($"unexpected 0x{b:x2}"),
        };
        if (_at > _data.Length) throw new IndexOutOfRangeException();
    }

    private int U16()
    {
        int value = BinaryPrimitives.ReadUInt16BigEndian(_data[_at..]);
        _at += 2;
        return value;
    }

    private int U32()
    {
        int value = (int)BinaryPrimitives.ReadUInt32BigEndian(_data[_at..]);
        _at += 4;
        return value;
    }
}
