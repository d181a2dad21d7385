using System.Buffers.Text;
using System.Text;
using ContainerLogger.Config;

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

    private readonly byte[] _constantPairs;
    private readonly int _constantCount;
    private readonly bool _writeSource;
    private readonly bool _writeLog;
    private readonly bool _subSecond;

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
        var bytes = new List<byte>();
        Span<byte> header = stackalloc byte[MsgPack.MaxHeaderSize];
        foreach (var (key, value) in constant)
            foreach (var text in new[] { key, value })
            {
                var utf8 = Encoding.UTF8.GetBytes(text);
                bytes.AddRange(header[..MsgPack.StrHeader(utf8.Length, header)]);
                bytes.AddRange(utf8);
            }
        _constantPairs = [.. bytes];
        _subSecond = subSecondPrecision;
    }

    public int MaxEncodedLength(int lineLength) => FixedOverhead + _constantPairs.Length + lineLength;

    public int Encode(in LogRecord record, Span<byte> destination)
    {
        int n = MsgPack.ArrayHeader(2, destination);
        n += _subSecond
            ? MsgPack.EventTime(record.TimestampTicks, destination[n..])
            : MsgPack.Int((record.TimestampTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond, destination[n..]);
        int count = _constantCount + (_writeSource ? 1 : 0) + (_writeLog ? 1 : 0) + (record.IsPartial ? 4 : 0);
        n += MsgPack.MapHeader(count, destination[n..]);
        _constantPairs.CopyTo(destination[n..]);
        n += _constantPairs.Length;
        if (_writeSource)
        {
            n += MsgPack.Str("source"u8, destination[n..]);
            n += MsgPack.Str(LogRecord.StreamNameUtf8(record.Stream), destination[n..]);
        }
        if (_writeLog)
        {
            n += MsgPack.Str("log"u8, destination[n..]);
            n += MsgPack.Str(record.Line, destination[n..]);
        }
        if (record.IsPartial)
        {
            n += MsgPack.Str("partial_message"u8, destination[n..]);
            n += MsgPack.Str("true"u8, destination[n..]);
            n += MsgPack.Str("partial_id"u8, destination[n..]);
            n += MsgPack.Str(record.PartialId, destination[n..]);
            n += MsgPack.Str("partial_ordinal"u8, destination[n..]);
            Span<byte> ordinal = stackalloc byte[11];
            Utf8Formatter.TryFormat(record.PartialOrdinal, ordinal, out int digits);
            n += MsgPack.Str(ordinal[..digits], destination[n..]);
            n += MsgPack.Str("partial_last"u8, destination[n..]);
            n += MsgPack.Str(record.IsLast ? "true"u8 : "false"u8, destination[n..]);
        }
        return n;
    }
}
