using System.Buffers.Binary;

namespace ContainerLogger.Drivers.Fluentd;

/// <summary>
/// Reads fluentd's answer to a chunk, {"ack": "&lt;chunk id&gt;"}, from the bytes received so far. Bounded: an
/// answer that is not a small map of strings, integers, booleans or nils is garbage and a failure.
/// </summary>
public static class AckReader
{
    public const int MaxResponse = 4096;

    /// <summary>
    /// True once <paramref name="data"/> holds a whole map, with <paramref name="ack"/> its "ack" value (null when
    /// absent); false when more bytes are needed. Throws <see cref="IOException"/> on anything else.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out string? ack)
    {
        ack = null;
        int at = 0;
        if (!TryCollectionLength(data, ref at, out int pairs)) return false;
        for (int i = 0; i < pairs; i++)
        {
            if (!TryString(data, ref at, out var key)) return false;
            bool isAck = key.SequenceEqual("ack"u8);
            if (isAck)
            {
                if (!TryString(data, ref at, out var value)) return false;
                ack = System.Text.Encoding.UTF8.GetString(value);
            }
            else if (!TrySkipScalar(data, ref at)) return false;
        }
        return true;
    }

    private static bool TryCollectionLength(ReadOnlySpan<byte> data, ref int at, out int length)
    {
        length = 0;
        if (data.Length <= at) return false;
        byte b = data[at];
        if ((b & 0xf0) == 0x80)
        {
            length = b & 0x0f;
            at++;
            return true;
        }
        if (b != 0xde) throw Garbage($"expected a map, got 0x{b:x2}");
        if (data.Length < at + 3) return false;
        length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 1)..]);
        at += 3;
        return true;
    }

    private static bool TryString(ReadOnlySpan<byte> data, ref int at, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (data.Length <= at) return false;
        byte b = data[at];
        int header, length;
        // str, or bin as some msgpack libraries pack byte strings.
        if ((b & 0xe0) == 0xa0) (header, length) = (1, b & 0x1f);
        else if (b is 0xd9 or 0xc4 && data.Length > at + 1) (header, length) = (2, data[at + 1]);
        else if (b is 0xda or 0xc5 && data.Length > at + 2) (header, length) = (3, BinaryPrimitives.ReadUInt16BigEndian(data[(at + 1)..]));
        else if (b is 0xd9 or 0xda or 0xc4 or 0xc5) return false;
        else throw Garbage($"expected a string, got 0x{b:x2}");
        if (data.Length < at + header + length) return false;
        value = data.Slice(at + header, length);
        at += header + length;
        return true;
    }

    private static bool TrySkipScalar(ReadOnlySpan<byte> data, ref int at)
    {
        if (data.Length <= at) return false;
        byte b = data[at];
        int size = b switch
        {
            < 0x80 or >= 0xe0 or 0xc0 or 0xc2 or 0xc3 => 1,
            0xcc or 0xd0 => 2,
            0xcd or 0xd1 => 3,
            0xce or 0xd2 => 5,
            0xcf or 0xd3 => 9,
            _ => 0,
        };
        if (size > 0)
        {
            if (data.Length < at + size) return false;
            at += size;
            return true;
        }
        return TryString(data, ref at, out _);
    }

    private static IOException Garbage(string what) => new($"fluentd answered something that is not an ack ({what})");
}
