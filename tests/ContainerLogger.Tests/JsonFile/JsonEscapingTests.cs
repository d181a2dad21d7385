using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.JsonFile;
using ContainerLogger.Files;
using ContainerLogger.Text;

namespace ContainerLogger.Tests.JsonFile;

/// <summary>json-file's record format and escaping (docker-logdrivers.md 11.3).</summary>
public class JsonEscapingTests
{
    private static readonly Dictionary<string, string> NoAttributes = new();
    private static readonly long T0 = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks;

    private static string Encode(JsonFileEncoder encoder, ReadOnlySpan<byte> line, string stream, bool newline, long ticks)
    {
        var buffer = new byte[encoder.MaxEncodedLength(line.Length)];
        int n = encoder.Encode(line, Encoding.ASCII.GetBytes(stream), newline, ticks, buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private static string Encode(JsonFileEncoder encoder, in LogRecord record)
    {
        var buffer = new byte[encoder.MaxEncodedLength(record.Line.Length)];
        int n = encoder.Encode(record, buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private static string Docker(byte[] input)
    {
        var buffer = new byte[input.Length * JsonEscaper.MaxExpansion];
        return Encoding.UTF8.GetString(buffer, 0, JsonEscaper.EscapeDocker(input, buffer));
    }

    private static string Go(byte[] input)
    {
        var buffer = new byte[input.Length * JsonEscaper.MaxExpansion];
        return Encoding.UTF8.GetString(buffer, 0, JsonEscaper.EscapeGo(input, buffer));
    }

    [Test]
    public void Docker_literal_line_without_attrs()
    {
        var encoder = new JsonFileEncoder(NoAttributes, null);
        Assert.That(Encode(encoder, "line1"u8, "src1", true, 0),
            Is.EqualTo("{\"log\":\"line1\\n\",\"stream\":\"src1\",\"time\":\"0001-01-01T00:00:00Z\"}\n"));
        // Verbatim from docker-logdrivers.md 11.3 (jsonfilelog_test.go):
        Assert.That(Encode(encoder, "line1"u8, "src1", true, 0), Is.EqualTo("""
            {"log":"line1\n","stream":"src1","time":"0001-01-01T00:00:00Z"}
            """ + "\n"));
    }

    [Test]
    public void Docker_literal_line_with_tag()
    {
        var encoder = new JsonFileEncoder(NoAttributes, "a7317399f3f8/test-container");
        Assert.That(Encode(encoder, "line1"u8, "src1", true, 0), Is.EqualTo("""
            {"log":"line1\n","stream":"src1","attrs":{"tag":"a7317399f3f8/test-container"},"time":"0001-01-01T00:00:00Z"}
            """ + "\n"));
    }

    [Test]
    public void Log_carries_a_newline_only_for_lines_that_had_one()
    {
        var encoder = new JsonFileEncoder(NoAttributes, null);
        var id = Encoding.ASCII.GetBytes(new string('f', 64));
        Assert.Multiple(() =>
        {
            Assert.That(Encode(encoder, new LogRecord("whole"u8, LogStream.Stdout, T0)),
                Is.EqualTo("{\"log\":\"whole\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
            Assert.That(Encode(encoder, new LogRecord("piece"u8, LogStream.Stderr, T0, RecordFlags.Partial, 1, id)),
                Is.EqualTo("{\"log\":\"piece\",\"stream\":\"stderr\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
            Assert.That(Encode(encoder, new LogRecord("end"u8, LogStream.Stderr, T0, RecordFlags.Partial | RecordFlags.Last, 2, id)),
                Is.EqualTo("{\"log\":\"end\\n\",\"stream\":\"stderr\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
            Assert.That(Encode(encoder, new LogRecord("tail"u8, LogStream.Stdout, T0, RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated, 1, id)),
                Is.EqualTo("{\"log\":\"tail\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
            Assert.That(Encode(encoder, new LogRecord(""u8, LogStream.Stdout, T0)),
                Is.EqualTo("{\"log\":\"\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
        });
    }

    [Test]
    public void Empty_log_and_stream_are_left_out_as_Docker_does()
    {
        var encoder = new JsonFileEncoder(NoAttributes, null);
        Assert.That(Encode(encoder, ""u8, "stdout", false, T0), Is.EqualTo("{\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
        Assert.That(Encode(encoder, ""u8, "", false, T0), Is.EqualTo("{\"time\":\"2024-01-02T03:04:05Z\"}\n"));
        Assert.That(Encode(new JsonFileEncoder(NoAttributes, "t"), ""u8, "", false, T0), Is.EqualTo("{\"attrs\":{\"tag\":\"t\"},\"time\":\"2024-01-02T03:04:05Z\"}\n"));
    }

    [TestCase(new byte[] { (byte)'"' }, "\\\"")]
    [TestCase(new byte[] { (byte)'\\' }, "\\\\")]
    [TestCase(new byte[] { (byte)'\n' }, "\\n")]
    [TestCase(new byte[] { (byte)'\r' }, "\\r")]
    [TestCase(new byte[] { (byte)'\t' }, "\\u0009")]
    [TestCase(new byte[] { 0x08 }, "\\u0008")]
    [TestCase(new byte[] { 0x0C }, "\\u000c")]
    [TestCase(new byte[] { 0x00 }, "\\u0000")]
    [TestCase(new byte[] { 0x01, 0x1B, 0x1F }, "\\u0001\\u001b\\u001f")]
    [TestCase(new byte[] { (byte)'<', (byte)'>', (byte)'&' }, "\\u003c\\u003e\\u0026")]
    [TestCase(new byte[] { 0x7F }, "\u007f")]
    [TestCase(new byte[] { (byte)' ', (byte)'~', (byte)'/', (byte)'\'' }, " ~/'")]
    [TestCase(new byte[] { 0xE2, 0x80, 0xA8 }, "\\u2028")]
    [TestCase(new byte[] { 0xE2, 0x80, 0xA9 }, "\\u2029")]
    [TestCase(new byte[] { 0xE2, 0x80, 0xA7 }, "\u2027")]
    [TestCase(new byte[] { 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80 }, "é€😀")]
    [TestCase(new byte[] { 0xEF, 0xBF, 0xBD }, "\ufffd")]
    [TestCase(new byte[] { 0xFF }, "\\ufffd")]
    [TestCase(new byte[] { 0xFF, 0xFE, (byte)'a' }, "\\ufffd\\ufffda")]
    [TestCase(new byte[] { 0x80 }, "\\ufffd")]
    [TestCase(new byte[] { 0xC0, 0xAF }, "\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xC1, 0xBF }, "\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xE0, 0x80, 0xAF }, "\\ufffd\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, "\\ufffd\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, "\\ufffd\\ufffd\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xF5, 0x80 }, "\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xE2, 0x82 }, "\\ufffd\\ufffd")]
    [TestCase(new byte[] { 0xE2, 0x82, (byte)'x' }, "\\ufffd\\ufffdx")]
    [TestCase(new byte[] { 0xF0, 0x9F, 0x98 }, "\\ufffd\\ufffd\\ufffd")]
    [TestCase(new byte[] { (byte)'a', 0xC3, 0xA9, 0xFF, 0xC3, 0xA9, (byte)'<' }, "aé\\ufffdé\\u003c")]
    public void Docker_escaping(byte[] input, string expected) => Assert.That(Docker(input), Is.EqualTo(expected));

    [Test]
    public void Every_ascii_byte_escapes_as_Docker_does()
    {
        var expected = new StringBuilder();
        for (int b = 0; b < 0x80; b++)
        {
            expected.Append(b switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '<' or '>' or '&' => $"\\u00{b:x2}",
                < 0x20 => $"\\u00{b:x2}",
                _ => ((char)b).ToString(),
            });
        }
        Assert.That(Docker(Enumerable.Range(0, 0x80).Select(b => (byte)b).ToArray()), Is.EqualTo(expected.ToString()));
    }

    [Test]
    public void Long_plain_run_around_escapes_is_copied_whole()
    {
        var text = new string('a', 1000) + "\t" + new string('b', 1000) + "é" + new string('c', 1000);
        Assert.That(Docker(Encoding.UTF8.GetBytes(text)), Is.EqualTo(new string('a', 1000) + "\\u0009" + new string('b', 1000) + "é" + new string('c', 1000)));
    }

    [TestCase(new byte[] { (byte)'\t', 0x08, 0x0C, (byte)'\n', (byte)'\r' }, "\\t\\b\\f\\n\\r")]
    [TestCase(new byte[] { 0x01, 0x1F }, "\\u0001\\u001f")]
    [TestCase(new byte[] { (byte)'<', (byte)'>', (byte)'&', (byte)'"', (byte)'\\' }, "\\u003c\\u003e\\u0026\\\"\\\\")]
    [TestCase(new byte[] { 0xE2, 0x80, 0xA8, 0xFF }, "\\u2028\\ufffd")]
    public void Go_escaping_for_attrs(byte[] input, string expected) => Assert.That(Go(input), Is.EqualTo(expected));

    [Test]
    public void Attrs_are_sorted_by_key_bytes_go_escaped_and_tag_wins()
    {
        var attributes = new Dictionary<string, string>
        {
            ["b"] = "2",
            ["a"] = "tab\there",
            ["B"] = "<&>",
            ["é"] = "accent",
            ["tag"] = "from-label",
            ["_x"] = "line\nbreak",
        };
        var encoder = new JsonFileEncoder(attributes, "rendered");
        Assert.That(Encode(encoder, "x"u8, "stdout", true, T0), Is.EqualTo(
            "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"attrs\":{\"B\":\"\\u003c\\u0026\\u003e\",\"_x\":\"line\\nbreak\",\"a\":\"tab\\there\",\"b\":\"2\",\"tag\":\"rendered\",\"é\":\"accent\"},\"time\":\"2024-01-02T03:04:05Z\"}\n"));
    }

    [Test]
    public void Empty_tag_adds_no_attribute()
    {
        Assert.That(Encode(new JsonFileEncoder(NoAttributes, ""), "x"u8, "stdout", true, T0),
            Is.EqualTo("{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
        Assert.That(Encode(new JsonFileEncoder(new Dictionary<string, string> { ["tag"] = "label" }, ""), "x"u8, "stdout", true, T0),
            Is.EqualTo("{\"log\":\"x\\n\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"label\"},\"time\":\"2024-01-02T03:04:05Z\"}\n"));
    }

    [Test]
    public void Line_is_escaped_inside_the_record()
    {
        var encoder = new JsonFileEncoder(NoAttributes, null);
        byte[] line = [(byte)'a', (byte)'\t', (byte)'"', 0xFF, (byte)'\r', 0xE2, 0x80, 0xA9, (byte)'<'];
        Assert.That(Encode(encoder, new LogRecord(line, LogStream.Stdout, T0)),
            Is.EqualTo("{\"log\":\"a\\u0009\\\"\\ufffd\\r\\u2029\\u003c\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n"));
    }

    [Test]
    public void Worst_case_line_fits_the_advertised_room()
    {
        var encoder = new JsonFileEncoder(new Dictionary<string, string> { ["k"] = "v" }, "tag");
        var line = Enumerable.Repeat((byte)0x01, 16384).ToArray();
        var buffer = new byte[encoder.MaxEncodedLength(line.Length)];
        int n = encoder.Encode(new LogRecord(line, LogStream.Stderr, DateTime.MaxValue.Ticks), buffer);
        Assert.That(n, Is.EqualTo(16384 * 6 + "{\"log\":\"\\n\",\"stream\":\"stderr\",\"attrs\":{\"k\":\"v\",\"tag\":\"tag\"},\"time\":\"9999-12-31T23:59:59.9999999Z\"}\n".Length));
    }

    [TestCase(0L, "0001-01-01T00:00:00Z")]
    [TestCase(1L, "0001-01-01T00:00:00.0000001Z")]
    [TestCase(10L, "0001-01-01T00:00:00.000001Z")]
    [TestCase(1_000_000L, "0001-01-01T00:00:00.1Z")]
    [TestCase(1_200_000L, "0001-01-01T00:00:00.12Z")]
    [TestCase(1_234_567L, "0001-01-01T00:00:00.1234567Z")]
    [TestCase(1_234_560L, "0001-01-01T00:00:00.123456Z")]
    [TestCase(1_230_000L, "0001-01-01T00:00:00.123Z")]
    [TestCase(1_000_001L, "0001-01-01T00:00:00.1000001Z")]
    [TestCase(10_000_000L, "0001-01-01T00:00:01Z")]
    public void Time_is_RFC3339Nano_with_trailing_zeros_trimmed(long ticks, string expected)
    {
        var buffer = new byte[Rfc3339.MaxNanoLength];
        Assert.That(Encoding.ASCII.GetString(buffer, 0, Rfc3339.FormatNano(ticks, buffer)), Is.EqualTo(expected));
    }

    [Test]
    public void Time_of_real_dates()
    {
        var buffer = new byte[Rfc3339.MaxNanoLength];
        string Format(DateTime t) => Encoding.ASCII.GetString(buffer, 0, Rfc3339.FormatNano(t.Ticks, buffer));
        Assert.That(Format(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc)), Is.EqualTo("2024-01-02T03:04:05Z"));
        Assert.That(Format(new DateTime(2024, 12, 31, 23, 59, 59, 120, DateTimeKind.Utc)), Is.EqualTo("2024-12-31T23:59:59.12Z"));
        Assert.That(Format(new DateTime(2024, 2, 29, 13, 0, 9, DateTimeKind.Utc).AddTicks(1234567)), Is.EqualTo("2024-02-29T13:00:09.1234567Z"));
        Assert.That(Format(DateTime.MaxValue), Is.EqualTo("9999-12-31T23:59:59.9999999Z"));
        Assert.That(Rfc3339.FormatNano(DateTime.MaxValue.Ticks, buffer), Is.EqualTo(Rfc3339.MaxNanoLength));
    }

    [Test]
    public void Utf8_valid_lengths_follow_Go_DecodeRune()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Utf8Rune.ValidLength("a"u8), Is.EqualTo(1));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xC2, 0x80 }), Is.EqualTo(2));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xDF, 0xBF }), Is.EqualTo(2));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xE0, 0xA0, 0x80 }), Is.EqualTo(3));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xED, 0x9F, 0xBF }), Is.EqualTo(3));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xEE, 0x80, 0x80 }), Is.EqualTo(3));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xF0, 0x90, 0x80, 0x80 }), Is.EqualTo(4));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xF4, 0x8F, 0xBF, 0xBF }), Is.EqualTo(4));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xC2 }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xC2, 0xC0 }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xE0, 0x9F, 0xBF }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xED, 0xA0, 0x80 }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xF0, 0x8F, 0xBF, 0xBF }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xF4, 0x90, 0x80, 0x80 }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xF0, 0x90, 0x80, 0x7F }), Is.EqualTo(0));
            Assert.That(Utf8Rune.ValidLength(new byte[] { 0xF8, 0x80, 0x80, 0x80 }), Is.EqualTo(0));
        });
    }
}
