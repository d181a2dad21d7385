using System.Buffers.Binary;

namespace ContainerLogger.Drivers.Fluentd;

/// <summary>
/// The MessagePack subset the forward protocol needs, written into spans: each method returns the bytes written.
/// Strings are str (raw bytes, as Docker sends the log even when it is not UTF-8); integers take their smallest
/// form; EventTime is ext type 0.
/// </summary>
public static class MsgPack
{
    public const int MaxHeaderSize = 9;
    public const int EventTimeSize = 10;

    public static int ArrayHeader(int count, Span<byte> destination) => CollectionHeader(count, 0x90, 0xdc, destination);

    public static int MapHeader(int count, Span<byte> destination) => CollectionHeader(count, 0x80, 0xde, destination);

    public static int Str(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        int n = StrHeader(value.Length, destination);
        value.CopyTo(destination[n..]);
        return n + value.Length;
    }

    public static int StrHeader(int length, Span<byte> destination)
    {
        if (length < 32)
        {
            destination[0] = (byte)(0xa0 | length);
            return 1;
        }
        if (length <= byte.MaxValue)
        {
            destination[0] = 0xd9;
            destination[1] = (byte)length;
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            destination[0] = 0xda;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length);
            return 3;
        }
        destination[0] = 0xdb;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
        return 5;
    }

    /// <summary>bin32 header (0xc6): used with a length patched in later, when it is not known up front.</summary>
    public static int Bin32Header(int length, Span<byte> destination)
    {
        destination[0] = 0xc6;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
        return 5;
    }

    /// <summary>A non-negative integer in its smallest form: positive fixint, uint8, uint16, uint32 or uint64.</summary>
    public static int UInt(ulong value, Span<byte> destination)
    {
        if (value < 128)
        {
            destination[0] = (byte)value;
            return 1;
        }
        if (value <= byte.MaxValue)
        {
            destination[0] = 0xcc;
            destination[1] = (byte)value;
            return 2;
        }
        if (value <= ushort.MaxValue)
        {
            destination[0] = 0xcd;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
            return 3;
        }
        if (value <= uint.MaxValue)
        {
            destination[0] = 0xce;
            BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value);
            return 5;
        }
        destination[0] = 0xcf;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], value);
        return 9;
    }

    /// <summary>
    /// Integer seconds as Docker sends them without sub-second precision: fixint when it fits, else the smallest
    /// signed form (int32 0xd2 for current dates).
    /// </summary>
    public static int Int(long value, Span<byte> destination)
    {
        if (value is >= -32 and <= 127)
        {
            destination[0] = (byte)(sbyte)value;
            return 1;
        }
        if (value is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            destination[0] = 0xd0;
            destination[1] = (byte)(sbyte)value;
            return 2;
        }
        if (value is >= short.MinValue and <= short.MaxValue)
        {
            destination[0] = 0xd1;
            BinaryPrimitives.WriteInt16BigEndian(destination[1..], (short)value);
            return 3;
        }
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            destination[0] = 0xd2;
            BinaryPrimitives.WriteInt32BigEndian(destination[1..], (int)value);
            return 5;
        }
        destination[0] = 0xd3;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], value);
        return 9;
    }

    /// <summary>Fluentd's EventTime: fixext 8 (0xd7) of type 0, big-endian seconds then nanoseconds.</summary>
    public static int EventTime(long ticks, Span<byte> destination)
    {
        long sinceEpoch = ticks - DateTime.UnixEpoch.Ticks;
        destination[0] = 0xd7;
        destination[1] = 0x00;
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)(sinceEpoch / TimeSpan.TicksPerSecond));
        BinaryPrimitives.WriteUInt32BigEndian(destination[6..], (uint)(sinceEpoch % TimeSpan.TicksPerSecond * 100));
        return EventTimeSize;
    }

    private static int CollectionHeader(int count, byte fix, byte sixteen, Span<byte> destination)
    {
        if (count < 16)
        {
            destination[0] = (byte)(fix | count);
            return 1;
        }
        if (count <= ushort.MaxValue)
        {
            destination[0] = sixteen;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)count);
            return 3;
        }
        destination[0] = (byte)(sixteen + 1);
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)count);
        return 5;
    }
}
