using System.Buffers.Text;
using System.Text;
using ContainerLogger.Config;
using ContainerLogger.Text;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// One line as Docker's GELF message (docker-logdrivers.md 10.2): version, host, short_message, timestamp (seconds
/// with milliseconds), level 6 or 3, then the extra fields sorted by name, Go encoding/json escaping. Partial lines
/// add _partial_id, _partial_last and _partial_ordinal in their sorted place. Empty lines are skipped. Everything
/// but the line, the time, the level and the partial fields is encoded once.
/// </summary>
public sealed class GelfEncoder : IMessageEncoder
{
    private const string PartialFirst = "_partial_id";
    // "timestamp", up to 20 digits and 4 of fraction, "level", the partial fields and punctuation.
    private const int FixedOverhead = 256;

    private readonly byte[] _head;
    private readonly byte[] _extrasBeforePartial;
    private readonly byte[] _extrasAfterPartial;
    private readonly byte[] _terminator;

    /// <param name="nulTerminated">End each message with a NUL byte, as GELF over TCP frames them.</param>
    public GelfEncoder(ContainerInfo info, string? tag, IReadOnlyDictionary<string, string> attributes, bool nulTerminated)
    {
        _head = Encoding.UTF8.GetBytes($"{{\"version\":\"1.1\",\"host\":\"{Go(info.Hostname)}\",\"short_message\":\"");
        var extras = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["_command"] = info.Command,
            ["_container_id"] = info.FullId,
            ["_container_name"] = info.Name,
            ["_created"] = info.ContainerCreated,
            ["_image_id"] = info.ImageFullId,
            ["_image_name"] = info.ImageName,
            ["_tag"] = tag ?? "",
        };
        foreach (var (key, value) in attributes) extras["_" + key] = value;
        _extrasBeforePartial = EncodeExtras(extras.Where(e => string.CompareOrdinal(e.Key, PartialFirst) < 0));
        _extrasAfterPartial = EncodeExtras(extras.Where(e => string.CompareOrdinal(e.Key, PartialFirst) >= 0));
        _terminator = nulTerminated ? [0] : [];
    }

    public int MaxEncodedLength(int lineLength) =>
        FixedOverhead + _head.Length + _extrasBeforePartial.Length + _extrasAfterPartial.Length + JsonEscaper.MaxExpansion * lineLength;

    public int Encode(in LogRecord record, Span<byte> destination)
    {
        if (record.Line.IsEmpty) return 0;
        int n = Append(_head, destination, 0);
        n += JsonEscaper.EscapeGo(record.Line, destination[n..]);
        n = Append("\",\"timestamp\":"u8, destination, n);
        n += WriteTimestamp(record.TimestampTicks, destination[n..]);
        n = Append(record.Stream == LogStream.Stdout ? ",\"level\":6"u8 : ",\"level\":3"u8, destination, n);
        n = Append(_extrasBeforePartial, destination, n);
        if (record.IsPartial)
        {
            n = Append(",\"_partial_id\":\""u8, destination, n);
            n = Append(record.PartialId, destination, n);
            n = Append(record.IsLast ? "\",\"_partial_last\":true,\"_partial_ordinal\":"u8 : "\",\"_partial_last\":false,\"_partial_ordinal\":"u8, destination, n);
            Utf8Formatter.TryFormat(record.PartialOrdinal, destination[n..], out int written);
            n += written;
        }
        n = Append(_extrasAfterPartial, destination, n);
        destination[n++] = (byte)'}';
        return Append(_terminator, destination, n);
    }

    /// <summary>Unix seconds with milliseconds as Go writes the float: 1704164645.123, 1704164645.1 or 1704164645.</summary>
    internal static int WriteTimestamp(long ticks, Span<byte> destination)
    {
        long milliseconds = (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;
        Utf8Formatter.TryFormat(milliseconds / 1000, destination, out int n);
        int fraction = (int)(milliseconds % 1000);
        if (fraction == 0) return n;
        destination[n++] = (byte)'.';
        int digits = 3;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }
        for (int i = digits - 1; i >= 0; i--, fraction /= 10) destination[n + i] = (byte)('0' + fraction % 10);
        return n + digits;
    }

    private static byte[] EncodeExtras(IEnumerable<KeyValuePair<string, string>> extras)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in extras) text.Append($",\"{Go(key)}\":\"{Go(value)}\"");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Go's encoding/json escaping of a string's content, for the parts encoded once.</summary>
    private static string Go(string value)
    {
        var source = Encoding.UTF8.GetBytes(value);
        var escaped = new byte[source.Length * JsonEscaper.MaxExpansion];
        return Encoding.UTF8.GetString(escaped, 0, JsonEscaper.EscapeGo(source, escaped));
    }

    private static int Append(ReadOnlySpan<byte> bytes, Span<byte> destination, int at)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }
}
