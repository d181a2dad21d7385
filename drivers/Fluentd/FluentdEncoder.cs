using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using ContainerLogger.Config;
using MessagePack;

namespace ContainerLogger.Drivers.Fluentd;

/// <summary>
/// One line as a forward-protocol entry, [time, record], with Docker's record: container_id, container_name (with
/// its leading '/'), source, log (the raw bytes as str, empty lines included), the labels/env attributes copied
/// over them, and partial_message / partial_id / partial_ordinal / partial_last (all strings) on partial lines.
/// Everything but the time, the source, the log and the partial fields is encoded once.
/// </summary>
public sealed class FluentdEncoder : IMessageEncoder
{
    // The most a record takes besides its constant pairs and its line: [time, record] header, EventTime, a map32
    // header, source, "log" and a str32 header, the partial fields with a 64-byte id and a 10-digit ordinal.
    private const int FixedOverhead = 1 + 10 + 5 + (7 + 7) + (4 + 5) + (16 + 5) + (11 + 2 + 64) + (16 + 11) + (13 + 6);

    private const sbyte EventTimeType = 0;

    private readonly byte[] _constantPairs;
    private readonly int _constantCount;
    private readonly bool _writeSource;
    private readonly bool _writeLog;
    private readonly bool _subSecond;
    private readonly PinnedSpanWriter _output = new();
    private readonly byte[] _ordinal = new byte[11]; // an int's digits (a stackalloc could not be handed to the writer by ref)

    public FluentdEncoder(ContainerInfo info, IReadOnlyDictionary<string, string> attributes, bool subSecondPrecision)
    {
        var constant = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["container_id"] = info.FullId,
            ["container_name"] = info.ContainerName,
        };
        foreach (var (key, value) in attributes) constant[key] = value;
        // An attribute named source or log wins over the line's own, as Docker copies attributes last.
        _writeSource = !constant.ContainsKey("source");
        _writeLog = !constant.ContainsKey("log");
        _constantCount = constant.Count;
        var pairs = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(pairs);
        foreach (var (key, value) in constant)
        {
            writer.Write(key);
            writer.Write(value);
        }
        writer.Flush();
        _constantPairs = pairs.WrittenSpan.ToArray();
        _subSecond = subSecondPrecision;
    }

    public int MaxEncodedLength(int lineLength) => FixedOverhead + _constantPairs.Length + lineLength;

    /// <summary>Writes through MessagePackWriter straight into <paramref name="destination"/>, pinned meanwhile.</summary>
    public unsafe int Encode(in LogRecord record, Span<byte> destination)
    {
        fixed (byte* start = destination)
        {
            _output.Start(start, destination.Length);
            var writer = new MessagePackWriter(_output);
            Write(ref writer, record);
            writer.Flush();
            return _output.Written;
        }
    }

    private void Write(ref MessagePackWriter writer, in LogRecord record)
    {
        writer.WriteArrayHeader(2);
        if (_subSecond) WriteEventTime(ref writer, record.TimestampTicks);
        else WriteSeconds(ref writer, record.TimestampTicks);
        writer.WriteMapHeader(_constantCount + (_writeSource ? 1 : 0) + (_writeLog ? 1 : 0) + (record.IsPartial ? 4 : 0));
        writer.WriteRaw(_constantPairs);
        if (_writeSource)
        {
            writer.WriteString("source"u8);
            writer.WriteString(LogRecord.StreamNameUtf8(record.Stream));
        }
        if (_writeLog)
        {
            writer.WriteString("log"u8);
            writer.WriteString(record.Line);
        }
        if (record.IsPartial)
        {
            writer.WriteString("partial_message"u8);
            writer.WriteString("true"u8);
            writer.WriteString("partial_id"u8);
            writer.WriteString(record.PartialId);
            writer.WriteString("partial_ordinal"u8);
            Utf8Formatter.TryFormat(record.PartialOrdinal, _ordinal, out int digits);
            writer.WriteString(_ordinal.AsSpan(0, digits));
            writer.WriteString("partial_last"u8);
            writer.WriteString(record.IsLast ? "true"u8 : "false"u8);
        }
    }

    /// <summary>Fluentd's EventTime: an ext of type 0 holding big-endian seconds and nanoseconds (fixext 8, 0xd7).</summary>
    internal static void WriteEventTime(ref MessagePackWriter writer, long ticks)
    {
        long sinceEpoch = ticks - DateTime.UnixEpoch.Ticks;
        writer.WriteExtensionFormatHeader(new ExtensionHeader(EventTimeType, 8));
        var body = writer.GetSpan(8);
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)(sinceEpoch / TimeSpan.TicksPerSecond));
        BinaryPrimitives.WriteUInt32BigEndian(body[4..], (uint)(sinceEpoch % TimeSpan.TicksPerSecond * 100));
        writer.Advance(8);
    }

    /// <summary>
    /// Integer seconds as Docker sends them: int32 (0xd2) for any date from 1901 to 2038, int64 beyond. (The
    /// library's compact Write(long) would pick uint32, 0xce: the same value, but not Docker's bytes.)
    /// </summary>
    internal static void WriteSeconds(ref MessagePackWriter writer, long ticks)
    {
        long seconds = (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
        if (seconds is >= int.MinValue and <= int.MaxValue) writer.WriteInt32((int)seconds);
        else writer.WriteInt64(seconds);
    }
}
