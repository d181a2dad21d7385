using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Text;

namespace ContainerLogger.Files;

/// <summary>
/// Writes one record as Docker's json-file line (docker-logdrivers.md 11.3):
/// {"log":"…\n","stream":"stdout","attrs":{…},"time":"2024-01-02T03:04:05.123456789Z"}\n
/// The attrs object never changes during a run, so it is encoded once here.
/// </summary>
public sealed class JsonFileEncoder : IMessageEncoder
{
    // Everything but the escaped line: keys and punctuation (about 50 bytes), the stream name and the time.
    private const int FixedOverhead = 128;

    private readonly byte[] _attrs;

    /// <param name="attributes">labels/env attributes.</param>
    /// <param name="tag">The rendered tag, added as attribute "tag" (winning over a label of that name) when not empty.</param>
    public JsonFileEncoder(IReadOnlyDictionary<string, string> attributes, string? tag)
    {
        _attrs = EncodeAttrs(attributes, tag);
    }

    /// <summary>Room <see cref="Encode(in LogRecord, Span{byte})"/> may need for a line of this many bytes.</summary>
    public int MaxEncodedLength(int lineLength) => FixedOverhead + _attrs.Length + JsonEscaper.MaxExpansion * lineLength;

    /// <returns>Bytes written; <paramref name="destination"/> must hold <see cref="MaxEncodedLength"/> bytes.</returns>
    public int Encode(in LogRecord record, Span<byte> destination) =>
        Encode(record.Line, LogRecord.StreamNameUtf8(record.Stream), EndsWithNewline(record), record.TimestampTicks, destination);

    /// <summary>
    /// Docker puts back the '\n' the line was split on. A piece that does not end its line had none, nor have
    /// bytes left unterminated at EOF.
    /// </summary>
    internal static bool EndsWithNewline(in LogRecord record) => !record.IsUnterminated && (!record.IsPartial || record.IsLast);

    /// <summary>The encoder proper; the stream name is a parameter so Docker's own test lines ("src1") can be checked.</summary>
    internal int Encode(ReadOnlySpan<byte> line, ReadOnlySpan<byte> stream, bool newline, long ticks, Span<byte> destination)
    {
        // Docker's MarshalJSONBuf: empty log and stream are left out, and so are the commas around them.
        int n = 0;
        destination[n++] = (byte)'{';
        bool first = true;
        if (!line.IsEmpty || newline)
        {
            Append("\"log\":\""u8, destination, ref n);
            n += JsonEscaper.EscapeDocker(line, destination.Slice(n));
            if (newline) Append("\\n"u8, destination, ref n);
            destination[n++] = (byte)'"';
            first = false;
        }
        if (!stream.IsEmpty)
        {
            Append(first ? "\"stream\":\""u8 : ",\"stream\":\""u8, destination, ref n);
            n += JsonEscaper.EscapeDocker(stream, destination.Slice(n));
            destination[n++] = (byte)'"';
            first = false;
        }
        if (_attrs.Length > 0)
        {
            if (!first) destination[n++] = (byte)',';
            Append(_attrs, destination, ref n);
            first = false;
        }
        Append(first ? "\"time\":\""u8 : ",\"time\":\""u8, destination, ref n);
        n += Rfc3339.FormatNano(ticks, destination.Slice(n));
        Append("\"}\n"u8, destination, ref n);
        return n;
    }

    private static void Append(ReadOnlySpan<byte> bytes, Span<byte> destination, ref int n)
    {
        bytes.CopyTo(destination.Slice(n));
        n += bytes.Length;
    }

    /// <summary>"attrs":{…} as Go's json.Marshal of a map[string]string writes it (keys in byte order), or nothing.</summary>
    private static byte[] EncodeAttrs(IReadOnlyDictionary<string, string> attributes, string? tag)
    {
        var all = new Dictionary<string, string>(attributes, StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(tag)) all["tag"] = tag;
        if (all.Count == 0) return [];

        var entries = all.Select(p => (Key: Encoding.UTF8.GetBytes(p.Key), Value: Encoding.UTF8.GetBytes(p.Value))).ToList();
        entries.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        var output = new List<byte>();
        output.AddRange("\"attrs\":{"u8);
        foreach (var (key, value) in entries)
        {
            if (output.Count > "\"attrs\":{".Length) output.Add((byte)',');
            AddGoString(output, key);
            output.Add((byte)':');
            AddGoString(output, value);
        }
        output.Add((byte)'}');
        return [.. output];
    }

    private static void AddGoString(List<byte> output, byte[] value)
    {
        var escaped = new byte[value.Length * JsonEscaper.MaxExpansion];
        int length = JsonEscaper.EscapeGo(value, escaped);
        output.Add((byte)'"');
        output.AddRange(escaped.AsSpan(0, length));
        output.Add((byte)'"');
    }
}
