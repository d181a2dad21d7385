using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>One json-file record, decoded with JsonDocument.</summary>
public sealed record JsonFileRecord(string? Log, string? Stream, string? Time, string Raw)
{
    /// <summary>A record the logger wrote itself after a loss (CONTRACT.md section 6).</summary>
    public bool IsDropNotice => Log is not null && Log.StartsWith("containerlogger: dropped ", StringComparison.Ordinal);
}

/// <summary>One line as a reader of json-file sees it: its pieces put back together.</summary>
public sealed record ReassembledLine(string Text, int Pieces, bool Terminated, string? Time, IReadOnlyList<string?> PieceTimes);

/// <summary>Reads json-file output, plain or gzipped, and puts partial messages back together.</summary>
public static class JsonFileOutput
{
    /// <summary>Every record of a file; fails on a record that is not one complete JSON object on its own line.</summary>
    public static List<JsonFileRecord> Read(string path)
    {
        byte[] bytes = path.EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(path) : File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    public static List<JsonFileRecord> Parse(byte[] bytes, string what)
    {
        var records = new List<JsonFileRecord>();
        if (bytes.Length == 0) return records;
        Assert.That(bytes[^1], Is.EqualTo((byte)'\n'), $"{what} ends with a complete record");
        int start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            var line = bytes.AsMemory(start, end - start);
            start = end + 1;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                Assert.That(root.ValueKind, Is.EqualTo(JsonValueKind.Object), $"a record of {what} is a JSON object");
                records.Add(new JsonFileRecord(
                    root.TryGetProperty("log", out var log) ? log.GetString() : null,
                    root.TryGetProperty("stream", out var stream) ? stream.GetString() : null,
                    root.TryGetProperty("time", out var time) ? time.GetString() : null,
                    Encoding.UTF8.GetString(line.Span)));
            }
            catch (JsonException e)
            {
                Assert.Fail($"record {records.Count + 1} of {what} is not valid JSON ({e.Message}): {Encoding.UTF8.GetString(line.Span)[..Math.Min(300, line.Length)]}");
            }
        }
        return records;
    }

    public static byte[] Gunzip(string path)
    {
        using var input = File.OpenRead(path);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The FEXTRA bytes of a gzip file's header (Docker puts {"lastTime":"…"} there), or null.</summary>
    public static byte[]? GzipExtra(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.Length, Is.GreaterThan(12), $"{path} has a gzip header");
        Assert.That(bytes[0] == 0x1f && bytes[1] == 0x8b, $"{path} has the gzip magic");
        if ((bytes[3] & 0x04) == 0) return null;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(10));
        return bytes.AsSpan(12, length).ToArray();
    }

    /// <summary>
    /// The lines of one stream, each made of the records up to one whose log ends with '\n' (json-file's only
    /// partial marker); pieces left at the end are a line that was unterminated at EOF.
    /// </summary>
    public static List<ReassembledLine> Reassemble(IEnumerable<JsonFileRecord> records)
    {
        var lines = new List<ReassembledLine>();
        var text = new StringBuilder();
        var times = new List<string?>();
        foreach (var record in records)
        {
            Assert.That(record.Log, Is.Not.Null, $"record has a log field: {record.Raw}");
            times.Add(record.Time);
            if (record.Log!.EndsWith('\n'))
            {
                text.Append(record.Log, 0, record.Log.Length - 1);
                lines.Add(new ReassembledLine(text.ToString(), times.Count, true, times[0], times.ToList()));
                text.Clear();
                times.Clear();
            }
            else
            {
                text.Append(record.Log);
            }
        }
        if (times.Count > 0) lines.Add(new ReassembledLine(text.ToString(), times.Count, false, times[0], times.ToList()));
        return lines;
    }

    /// <summary>
    /// Text as Docker's JSON encoder shows bytes: valid UTF-8 as is, each byte of an invalid sequence as U+FFFD
    /// (Go's utf8.DecodeRune consumes one byte on error; .NET's decoder would replace maximal subparts instead).
    /// </summary>
    public static string DecodeLikeDocker(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out int consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
                bytes = bytes[consumed..];
            }
            else
            {
                text.Append('\uFFFD');
                bytes = bytes[1..];
            }
        }
        return text.ToString();
    }

    /// <summary>What a line sent as <paramref name="bytes"/> reads as after cutting into max-line-size pieces.</summary>
    public static (string Text, int Pieces) Expected(ReadOnlySpan<byte> bytes, int maxLineSize)
    {
        if (bytes.Length <= maxLineSize) return (DecodeLikeDocker(bytes), 1);
        var text = new StringBuilder();
        int pieces = 0;
        for (int offset = 0; offset < bytes.Length; offset += maxLineSize, pieces++)
            text.Append(DecodeLikeDocker(bytes.Slice(offset, Math.Min(maxLineSize, bytes.Length - offset))));
        return (text.ToString(), pieces);
    }

    /// <summary>Fails with the first difference (a whole-list comparison of 50,000 lines says nothing useful).</summary>
    public static void AssertSameLines(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string what)
    {
        int common = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < common; i++)
        {
            if (expected[i] != actual[i])
                Assert.Fail($"{what}: line {i} differs\n  expected: {Show(expected[i])}\n  actual:   {Show(actual[i])}" +
                            $"\n  previous expected: {(i > 0 ? Show(expected[i - 1]) : "-")}\n  (expected {expected.Count} lines, got {actual.Count})");
        }
        if (expected.Count != actual.Count)
            Assert.Fail($"{what}: expected {expected.Count} lines, got {actual.Count}; first extra/missing: " +
                        Show(expected.Count > actual.Count ? expected[common] : actual[common]));
    }

    public static string Show(string s)
    {
        var shown = s.Length > 160 ? s[..160] + $"... ({s.Length} chars)" : s;
        return "\"" + System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(shown) + "\"";
    }
}
