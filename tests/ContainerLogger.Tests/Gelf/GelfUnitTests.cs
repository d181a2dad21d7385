using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.Gelf;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Gelf;

public class GelfEncoderTests
{
    private const string Id = "a7317399f3f857173c6179d44823594f8294678dea9999662e5c625b5a1c7657";
    // 2024-01-02T03:04:05.123Z
    private static readonly long Ticks = new DateTime(2024, 1, 2, 3, 4, 5, 123, DateTimeKind.Utc).Ticks;

    private static readonly ContainerInfo Info = new()
    {
        ContainerId = Id,
        ContainerName = "/web",
        ContainerCreated = "2024-01-02T03:00:00.987654321Z",
        ImageId = "sha256:582c496ccf79d8aa6f8203a79d32aaf7ffd8b13362c60a701a2f9ac64886c93d",
        ImageName = "nginx:latest",
        Entrypoint = ["/docker-entrypoint.sh"],
        Cmd = ["nginx", "-g", "daemon off;"],
        Hostname = "dockerhost",
    };

    private static string Encode(GelfEncoder encoder, in LogRecord record)
    {
        var buffer = new byte[encoder.MaxEncodedLength(record.Line.Length)];
        return Encoding.UTF8.GetString(buffer, 0, encoder.Encode(record, buffer));
    }

    [Test]
    public void StdoutLineIsDockersMessageWithGoEscaping()
    {
        var encoder = new GelfEncoder(Info, "a7317399f3f8", new Dictionary<string, string> { ["rack"] = "101" }, nulTerminated: false);
        string json = Encode(encoder, new LogRecord("GET / <200> & \t done"u8.ToArray(), LogStream.Stdout, Ticks));
        Assert.That(json, Is.EqualTo(
            "{\"version\":\"1.1\",\"host\":\"dockerhost\",\"short_message\":\"GET / \\u003c200\\u003e \\u0026 \\t done\",\"timestamp\":1704164645.123,\"level\":6," +
            "\"_command\":\"/docker-entrypoint.sh nginx -g daemon off;\",\"_container_id\":\"" + Id + "\",\"_container_name\":\"web\"," +
            "\"_created\":\"2024-01-02T03:00:00.987654321Z\",\"_image_id\":\"sha256:582c496ccf79d8aa6f8203a79d32aaf7ffd8b13362c60a701a2f9ac64886c93d\"," +
            "\"_image_name\":\"nginx:latest\",\"_rack\":\"101\",\"_tag\":\"a7317399f3f8\"}"));
    }

    /// <summary>A multiline record: short_message holds the whole text, its newlines escaped, so no framing sees them.</summary>
    [Test]
    public void AJoinedRecordIsOneMessageWithItsNewlinesEscaped()
    {
        var encoder = new GelfEncoder(Info, "t", new Dictionary<string, string>(), nulTerminated: true);
        const string trace = "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d";
        string json = Encode(encoder, new LogRecord(Encoding.UTF8.GetBytes(trace), LogStream.Stderr, Ticks));
        Assert.That(json.TrimEnd('\0'), Does.Not.Contain("\n"), "no raw newline inside the message");
        Assert.That(json.IndexOf('\0'), Is.EqualTo(json.Length - 1), "one NUL: one TCP message");
        using var doc = JsonDocument.Parse(json.TrimEnd('\0'));
        Assert.That(doc.RootElement.GetProperty("short_message").GetString(), Is.EqualTo(trace));
    }

    [Test]
    public void StderrIsLevelThreeAndTcpMessagesEndWithNul()
    {
        var encoder = new GelfEncoder(Info, "t", new Dictionary<string, string>(), nulTerminated: true);
        byte[] line = [.. Encoding.UTF8.GetBytes("\u2028 \u0001 "), 0xff]; // and one byte that is not UTF-8
        string json = Encode(encoder, new LogRecord(line, LogStream.Stderr, Ticks));
        Assert.That(json, Does.Contain("\"short_message\":\"\\u2028 \\u0001 \\ufffd\""));
        Assert.That(json, Does.Contain(",\"level\":3,"));
        Assert.That(json, Does.EndWith("}\0"));
        using var doc = JsonDocument.Parse(json.TrimEnd('\0'));
        Assert.That(doc.RootElement.GetProperty("short_message").GetString(), Is.EqualTo("\u2028 \u0001 \ufffd"));
    }

    [Test]
    public void PartialFieldsGoInTheirSortedPlace()
    {
        var encoder = new GelfEncoder(Info, "t", new Dictionary<string, string> { ["zone"] = "z", ["owner"] = "o" }, nulTerminated: false);
        var partialId = Encoding.ASCII.GetBytes(new string('c', 64));
        string json = Encode(encoder, new LogRecord("piece"u8.ToArray(), LogStream.Stdout, Ticks, RecordFlags.Partial | RecordFlags.Last, 3, partialId));
        var keys = JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(keys.Skip(5), Is.Ordered.Using<string>(StringComparer.Ordinal));
        Assert.That(keys, Is.SupersetOf(new[] { "_owner", "_partial_id", "_partial_last", "_partial_ordinal", "_zone" }));
        Assert.That(json, Does.Contain($"\"_partial_id\":\"{new string('c', 64)}\",\"_partial_last\":true,\"_partial_ordinal\":3,\"_tag\""));
    }

    [Test]
    public void EmptyLinesAreSkipped()
    {
        var encoder = new GelfEncoder(Info, "t", new Dictionary<string, string>(), nulTerminated: true);
        Assert.That(encoder.Encode(new LogRecord(default, LogStream.Stdout, Ticks), new byte[encoder.MaxEncodedLength(0)]), Is.Zero);
    }

    [TestCase(123, "1704164645.123")]
    [TestCase(100, "1704164645.1")]
    [TestCase(120, "1704164645.12")]
    [TestCase(0, "1704164645")]
    public void TimestampIsSecondsWithMillisecondsInShortestForm(int milliseconds, string expected)
    {
        long ticks = new DateTime(2024, 1, 2, 3, 4, 5, milliseconds, DateTimeKind.Utc).Ticks + 9999; // sub-millisecond part is cut
        var buffer = new byte[32];
        Assert.That(Encoding.ASCII.GetString(buffer, 0, GelfEncoder.WriteTimestamp(ticks, buffer)), Is.EqualTo(expected));
    }
}

public class GelfChunkerTests
{
    [TestCase(1, 1)]
    [TestCase(1420, 1)]
    [TestCase(1421, 2)]
    [TestCase(1408 * 2, 2)]
    [TestCase(1408 * 2 + 1, 3)]
    [TestCase(1408 * 128, 128)]
    [TestCase(1408 * 128 + 1, 129)]
    public void DatagramCountsAtTheBoundaries(int length, int expected) =>
        Assert.That(GelfChunker.DatagramCount(length), Is.EqualTo(expected));

    [Test]
    public void ChunksCarryTheHeaderAndReassembleWithoutAHeaderOnlyTail()
    {
        var payload = Enumerable.Range(0, 1408 * 3).Select(i => (byte)i).ToArray();
        var id = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        int count = GelfChunker.DatagramCount(payload.Length);
        Assert.That(count, Is.EqualTo(3));
        var reassembled = new List<byte>();
        for (int sequence = 0; sequence < count; sequence++)
        {
            var datagram = new byte[GelfChunker.MaxDatagram];
            int length = GelfChunker.WriteChunk(payload, id, sequence, count, datagram);
            Assert.That(length, Is.EqualTo(1420));
            Assert.That(datagram[..12], Is.EqualTo(new byte[] { 0x1e, 0x0f, 1, 2, 3, 4, 5, 6, 7, 8, (byte)sequence, 3 }));
            reassembled.AddRange(datagram[12..length]);
        }
        Assert.That(reassembled, Is.EqualTo(payload));
    }

    [Test]
    public void TheLastChunkHoldsTheRemainder()
    {
        var payload = new byte[1421];
        var datagram = new byte[GelfChunker.MaxDatagram];
        Assert.That(GelfChunker.WriteChunk(payload, new byte[8], 0, 2, datagram), Is.EqualTo(1420));
        Assert.That(GelfChunker.WriteChunk(payload, new byte[8], 1, 2, datagram), Is.EqualTo(12 + 13));
    }
}

public class GelfCompressorTests
{
    private static readonly byte[] Json = Encoding.UTF8.GetBytes("{\"version\":\"1.1\",\"short_message\":\"" + new string('a', 500) + "\"}");

    [Test]
    public void GzipAndZlibDecompressToTheJson()
    {
        using var gzipCompressor = new GelfCompressor("gzip", 1);
        var gzip = gzipCompressor.Compress(Json).ToArray();
        Assert.That(gzip[..2], Is.EqualTo(new byte[] { 0x1f, 0x8b }));
        using (var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        using (var output = new MemoryStream())
        {
            input.CopyTo(output);
            Assert.That(output.ToArray(), Is.EqualTo(Json));
        }
        using var zlibCompressor = new GelfCompressor("zlib", 9);
        var zlib = zlibCompressor.Compress(Json).ToArray();
        Assert.That(zlibCompressor.Compress(Json).ToArray(), Is.EqualTo(zlib), "a reset stream compresses the same message the same way");
        Assert.That(zlib[0], Is.EqualTo(0x78));
        using (var input = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress))
        using (var output = new MemoryStream())
        {
            input.CopyTo(output);
            Assert.That(output.ToArray(), Is.EqualTo(Json));
        }
        using var none = new GelfCompressor("none", 1);
        Assert.That(none.Compress(Json).ToArray(), Is.EqualTo(Json));
    }
}

public class GelfOptionsTests
{
    private static IReadOnlyList<string> Errors(string config) => Env.LoadFor(GelfDriver.Descriptor, config).Errors;

    [Test]
    public void AddressIsRequired() =>
        Assert.That(Errors("{}"), Has.One.Contains("\"gelf-address\" is required"));

    [TestCase("udp://127.0.0.1:12201")]
    [TestCase("tcp://graylog:12201")]
    [TestCase("tls://[::1]:12201")]
    public void ValidAddresses(string address) =>
        Assert.That(Errors($"{{\"gelf-address\":\"{address}\"}}"), Is.Empty);

    [TestCase("127.0.0.1:12201", "proto://host:port")]
    [TestCase("http://graylog:12201", "endpoint needs to be udp://, tcp:// or tls://")]
    [TestCase("udp://graylog", "proto://host:port")]
    [TestCase("udp://graylog:0", "invalid port")]
    public void BadAddresses(string address, string message) =>
        Assert.That(Errors($"{{\"gelf-address\":\"{address}\"}}"), Has.One.Contains("gelf-address").And.Contains(message));

    [Test]
    public void CompressionIsUdpsAndReconnectionTcps()
    {
        Assert.That(Errors("{\"gelf-address\":\"tcp://h:1\",\"gelf-compression-type\":\"zlib\",\"gelf-compression-level\":\"5\"}"),
            Has.Exactly(2).Contains("compression is only supported on UDP"));
        Assert.That(Errors("{\"gelf-address\":\"udp://h:1\",\"gelf-tcp-max-reconnect\":\"5\",\"gelf-tcp-reconnect-delay\":\"2\"}"),
            Has.Exactly(2).Contains("is only valid for TCP"));
        Assert.That(Errors("{\"gelf-address\":\"tcp://h:1\",\"gelf-tls-skip-verify\":\"true\"}"), Is.Empty, "ignored, as syslog's TLS options are");
    }

    [TestCase("gelf-compression-type", "lz4")]
    [TestCase("gelf-compression-level", "10")]
    [TestCase("gelf-compression-level", "-2")]
    public void BadCompressionValues(string option, string value) =>
        Assert.That(Errors($"{{\"gelf-address\":\"udp://h:1\",\"{option}\":\"{value}\"}}"), Has.One.Contains(option).And.Contains(value));

    [Test]
    public void AMissingCaFileIsAConfigurationError() =>
        Assert.That(Errors("{\"gelf-address\":\"tls://h:1\",\"gelf-tls-ca-cert\":\"/nonexistent/ca.pem\"}"),
            Has.One.Contains("could not read CA certificate").And.Contains("/nonexistent/ca.pem"));
}

public class GelfDriverTests
{
    [Test]
    public void AMessageBeyond128ChunksIsDroppedCountedAndReportedWhileTheRestIsSent()
    {
        using var server = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        server.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        server.ReceiveTimeout = 5000;
        int port = ((System.Net.IPEndPoint)server.LocalEndPoint!).Port;
        var config = Env.LoadFor(GelfDriver.Descriptor, $"{{\"gelf-address\":\"udp://127.0.0.1:{port}\",\"gelf-compression-type\":\"none\",\"max-line-size\":\"1m\",\"max-buffer-size\":\"4m\"}}");
        Assert.That(config.Errors, Is.Empty);
        var counters = new ContainerLogger.Pipeline.Counters();
        var diagnostics = new StringWriter();
        using var driver = GelfDriver.Descriptor.Create(config.CreateContext(new Diagnostics(diagnostics), counters));
        var huge = new byte[1408 * 128 + 1];
        Array.Fill(huge, (byte)'h');
        driver.TryAdd(new LogRecord(huge, LogStream.Stderr, DateTime.UtcNow.Ticks));
        driver.TryAdd(new LogRecord("small"u8.ToArray(), LogStream.Stdout, DateTime.UtcNow.Ticks));
        driver.Flush();
        Assert.That(counters.DroppedLines(LogStream.Stderr), Is.EqualTo(1));
        Assert.That(diagnostics.ToString(), Does.Contain("chunks (at most 128)"));
        var datagram = new byte[2048];
        int length = server.Receive(datagram);
        Assert.That(Encoding.UTF8.GetString(datagram, 0, length), Does.Contain("\"short_message\":\"small\""), "only the message that fits is sent");
    }
}
