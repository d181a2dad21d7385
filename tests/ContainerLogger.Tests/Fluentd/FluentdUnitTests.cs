using System.Buffers;
using System.Text;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.Fluentd;
using ContainerLogger.Tests.Support;
using MessagePack;

namespace ContainerLogger.Tests.Fluentd;

/// <summary>
/// The msgpack forms of the forward protocol's bytes, as MessagePackWriter writes them: smallest forms, str8
/// (OldSpec off) and Docker's int32 seconds.
/// </summary>
public class MsgPackTests
{
    private delegate void Write(ref MessagePackWriter writer);

    private static string Hex(Write write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        write(ref writer);
        writer.Flush();
        return Convert.ToHexString(output.WrittenSpan).ToLowerInvariant();
    }

    private static string Head(string hex, int bytes) => hex[..(2 * bytes)];

    [TestCase(0, "a0")]
    [TestCase(31, "bf")]
    [TestCase(32, "d920")]
    [TestCase(255, "d9ff")]
    [TestCase(256, "da0100")]
    [TestCase(65535, "daffff")]
    [TestCase(65536, "db00010000")]
    public void StrHeadersAtTheirBoundaries(int length, string expected)
    {
        var value = new byte[length];
        string hex = Hex((ref MessagePackWriter w) => w.WriteString(value));
        Assert.That(Head(hex, expected.Length / 2), Is.EqualTo(expected));
        Assert.That(hex.Length / 2, Is.EqualTo(expected.Length / 2 + length));
    }

    [TestCase(0, "80", "90")]
    [TestCase(15, "8f", "9f")]
    [TestCase(16, "de0010", "dc0010")]
    [TestCase(65535, "deffff", "dcffff")]
    [TestCase(65536, "df00010000", "dd00010000")]
    public void MapAndArrayHeadersAtTheirBoundaries(int count, string map, string array)
    {
        Assert.That(Hex((ref MessagePackWriter w) => w.WriteMapHeader(count)), Is.EqualTo(map));
        Assert.That(Hex((ref MessagePackWriter w) => w.WriteArrayHeader(count)), Is.EqualTo(array));
    }

    [TestCase(0UL, "00")]
    [TestCase(127UL, "7f")]
    [TestCase(128UL, "cc80")]
    [TestCase(255UL, "ccff")]
    [TestCase(256UL, "cd0100")]
    [TestCase(65535UL, "cdffff")]
    [TestCase(65536UL, "ce00010000")]
    [TestCase(4294967295UL, "ceffffffff")]
    [TestCase(4294967296UL, "cf0000000100000000")]
    public void UnsignedIntegersInTheirSmallestForm(ulong value, string expected) =>
        Assert.That(Hex((ref MessagePackWriter w) => w.Write(value)), Is.EqualTo(expected));

    [TestCase(1704164645L, "d265937d25")]
    [TestCase(2147483647L, "d27fffffff")]
    [TestCase(-1L, "d2ffffffff")]
    [TestCase(2147483648L, "d30000000080000000")]
    [TestCase(4294967296L, "d30000000100000000")]
    public void SecondsAsDockerSendsThem(long seconds, string expected) =>
        Assert.That(Hex((ref MessagePackWriter w) => FluentdEncoder.WriteSeconds(ref w, DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond)),
            Is.EqualTo(expected));

    [TestCase(10, "c40a")]
    [TestCase(258, "c50102")]
    [TestCase(65536, "c600010000")]
    public void BinHeadersCarryTheLengthInTheirSmallestForm(int length, string expected) =>
        Assert.That(Hex((ref MessagePackWriter w) => w.WriteBinHeader(length)), Is.EqualTo(expected));
}

public class FluentdEncoderTests
{
    private static readonly ContainerInfo Info = new() { ContainerId = new string('a', 64), ContainerName = "/web" };
    private static readonly long Ticks = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks + 1234567;

    private static string Encode(FluentdEncoder encoder, in LogRecord record)
    {
        var buffer = new byte[encoder.MaxEncodedLength(record.Line.Length)];
        return Convert.ToHexString(buffer, 0, encoder.Encode(record, buffer)).ToLowerInvariant();
    }

    private static string Str(string s) => Convert.ToHexString(Encoding.UTF8.GetBytes(s)).ToLowerInvariant();

    [Test]
    public void EntryIsTimeThenDockersRecordWithIntegerSeconds()
    {
        var encoder = new FluentdEncoder(Info, new Dictionary<string, string>(), subSecondPrecision: false);
        string hex = Encode(encoder, new LogRecord("hello"u8.ToArray(), LogStream.Stderr, Ticks));
        Assert.That(hex, Is.EqualTo("92" + "d265937d25" + "84" +
            "ac" + Str("container_id") + "d940" + Str(new string('a', 64)) +
            "ae" + Str("container_name") + "a4" + Str("/web") +
            "a6" + Str("source") + "a6" + Str("stderr") +
            "a3" + Str("log") + "a5" + Str("hello")));
    }

    [Test]
    public void EventTimeIsExtTypeZeroWithSecondsAndNanoseconds()
    {
        // docker-logdrivers.md 9.2: 2024-01-02T03:04:05.123456789Z (ticks keep 100 ns: ...1234567 → 123456700 ns).
        var encoder = new FluentdEncoder(Info, new Dictionary<string, string>(), subSecondPrecision: true);
        string hex = Encode(encoder, new LogRecord("x"u8.ToArray(), LogStream.Stdout, Ticks));
        Assert.That(hex[..22], Is.EqualTo("92" + "d70065937d25" + 123456700.ToString("x8")));
    }

    [Test]
    public void AttributesCopyOverTheRecordAndPartialsAreStrings()
    {
        var encoder = new FluentdEncoder(Info, new Dictionary<string, string> { ["source"] = "app" }, subSecondPrecision: true);
        var id = Encoding.ASCII.GetBytes(new string('f', 64));
        string hex = Encode(encoder, new LogRecord("piece"u8.ToArray(), LogStream.Stdout, Ticks, RecordFlags.Partial, 2, id));
        Assert.That(hex, Does.StartWith("92d700"));
        Assert.That(hex[22..24], Is.EqualTo("88"), "container_id, container_name, source (the attribute), log and 4 partial fields");
        Assert.That(hex, Does.Contain("a6" + Str("source") + "a3" + Str("app")));
        Assert.That(hex, Does.Not.Contain(Str("stdout")));
        Assert.That(hex, Does.EndWith("af" + Str("partial_message") + "a4" + Str("true") +
            "aa" + Str("partial_id") + "d940" + Str(new string('f', 64)) +
            "af" + Str("partial_ordinal") + "a1" + Str("2") +
            "ac" + Str("partial_last") + "a5" + Str("false")));
    }

    [Test]
    public void TheLargestRecordFitsInMaxEncodedLength()
    {
        // Every field at its longest: the source written, a str32 line, a 64-byte partial id, a 10-digit ordinal.
        var encoder = new FluentdEncoder(Info, new Dictionary<string, string>(), subSecondPrecision: true);
        var id = Encoding.ASCII.GetBytes(new string('f', 64));
        var record = new LogRecord(new byte[70_000], LogStream.Stdout, Ticks, RecordFlags.Partial, int.MaxValue, id);
        var exact = new byte[encoder.MaxEncodedLength(record.Line.Length)];
        Assert.That(encoder.Encode(record, exact), Is.LessThanOrEqualTo(exact.Length));
    }

    [Test]
    public void EmptyLinesAndInvalidUtf8AreSentAsTheyAre()
    {
        var encoder = new FluentdEncoder(Info, new Dictionary<string, string>(), subSecondPrecision: true);
        Assert.That(Encode(encoder, new LogRecord(default, LogStream.Stdout, Ticks)), Does.EndWith("a3" + Str("log") + "a0"));
        Assert.That(Encode(encoder, new LogRecord(new byte[] { 0xff, 0x00 }, LogStream.Stdout, Ticks)), Does.EndWith("a3" + Str("log") + "a2ff00"));
    }
}

public class FluentdOptionsTests
{
    private static RunConfiguration Load(string config) => Env.LoadFor(FluentdDriver.Descriptor, config);

    [TestCase("", "tcp://127.0.0.1:24224")]
    [TestCase("fluentd", "tcp://fluentd:24224")]
    [TestCase("fluentd:24225", "tcp://fluentd:24225")]
    [TestCase(":24225", "tcp://127.0.0.1:24225")]
    [TestCase("tls://fluentd", "tls://fluentd:24224")]
    [TestCase("tcp://[::1]:24224", "tcp://[::1]:24224")]
    [TestCase("unix:///run/fluentd.sock", "unix:///run/fluentd.sock")]
    public void Addresses(string raw, string parsed) => Assert.That(FluentdAddress.Parse(raw).ToString(), Is.EqualTo(parsed));

    [TestCase("udp://fluentd:24224", "unsupported scheme: 'udp'")]
    [TestCase("unix://", "path is empty")]
    [TestCase("tcp://fluentd:24224/x", "should not contain a path element")]
    [TestCase("fluentd:65536", "invalid port")]
    public void BadAddressesSayWhy(string raw, string cause) =>
        Assert.That(Load(Env.Option("fluentd-address", raw)).Errors, Has.One.Contains($"invalid fluentd-address ({raw}): ").And.Contains(cause));

    [Test]
    public void DefaultsFollowTheContract()
    {
        var options = Load("{}").Options;
        Assert.Multiple(() =>
        {
            Assert.That(options.Get(FluentdOptions.SubSecondPrecision), Is.True);
            Assert.That(options.Get(FluentdOptions.RequestAck), Is.False);
            Assert.That(options.Get(FluentdOptions.MaxRetries), Is.EqualTo(int.MaxValue));
            Assert.That(options.Get(FluentdOptions.RetryWait), Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(FluentdOptions.QueueBound(options), Is.Null);
        });
    }

    [Test]
    public void BufferLimitBoundsTheQueueAndMustHoldTwoLines()
    {
        Assert.That(FluentdOptions.QueueBound(Load(Env.Option("fluentd-buffer-limit", "256k")).Options), Is.EqualTo(256 * 1024));
        Assert.That(Load("{\"fluentd-buffer-limit\":\"64k\",\"max-line-size\":\"64k\"}").Errors, Has.One.Contains("fluentd-buffer-limit").And.Contains("131072"));
    }

    [TestCase("fluentd-async-reconnect-interval", "50ms", "between 100ms and 10s")]
    [TestCase("fluentd-max-retries", "-1", "fluentd-max-retries")]
    [TestCase("fluentd-retry-wait", "1", "fluentd-retry-wait")]
    [TestCase("fluentd-write-timeout", "-1s", "fluentd-write-timeout")]
    [TestCase("fluentd-sub-second-precision", "yes", "fluentd-sub-second-precision")]
    public void BadValuesNameTheOption(string option, string value, string message) =>
        Assert.That(Load(Env.Option(option, value)).Errors, Has.One.Contains(message));

    [Test]
    public void AMissingCaFileIsAConfigurationError() =>
        Assert.That(Load("{\"fluentd-address\":\"tls://h:1\",\"fluentd-tls-ca-cert\":\"/nonexistent/ca.pem\"}").Errors,
            Has.One.Contains("could not read CA certificate"));
}

public class FluentdDriverTests
{
    [Test]
    public void ABatchIsDroppedAndCountedAfterMaxRetriesFailuresInARow()
    {
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var config = Env.LoadFor(FluentdDriver.Descriptor, $"{{\"fluentd-address\":\"127.0.0.1:{closedPort}\",\"fluentd-max-retries\":\"2\"}}");
        Assert.That(config.Errors, Is.Empty);
        var counters = new ContainerLogger.Pipeline.Counters();
        var diagnostics = new StringWriter();
        using var driver = FluentdDriver.Descriptor.Create(config.CreateContext(new Diagnostics(diagnostics), counters));
        Assert.That(driver.TryAdd(new LogRecord("lost"u8.ToArray(), LogStream.Stderr, DateTime.UtcNow.Ticks)), Is.True);
        driver.FlushFails();
        Assert.That(driver.PendingCount, Is.EqualTo(1), "kept for the retry");
        Assert.That(counters.DroppedLines(LogStream.Stderr), Is.Zero);
        driver.Flush();
        Assert.That(driver.PendingCount, Is.Zero);
        Assert.That(counters.DroppedLines(LogStream.Stderr), Is.EqualTo(1));
        Assert.That(diagnostics.ToString(), Does.Contain("dropped a batch of 1 lines after 2 failed attempts"));
    }

    [TestCase("{}", 1000)]
    [TestCase("{\"fluentd-retry-wait\":\"250ms\"}", 250)]
    public void RetryWaitIsTheSendersFirstBackoffStep(string config, int milliseconds)
    {
        var loaded = Env.LoadFor(FluentdDriver.Descriptor, config);
        Assert.That(loaded.Errors, Is.Empty);
        using var driver = FluentdDriver.Descriptor.Create(loaded.CreateContext(new Diagnostics(TextWriter.Null)));
        Assert.That(driver.FirstRetryDelay, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("1", 1)]
    [TestCase("2147483647", int.MaxValue)]
    [TestCase("0", 13)]
    public void MaxRetriesCountsAttemptsAndZeroIsDockersThirteen(string raw, int attempts) =>
        Assert.That(Env.LoadFor(FluentdDriver.Descriptor, Env.Option("fluentd-max-retries", raw)).Options.Get(FluentdOptions.MaxRetries), Is.EqualTo(attempts));
}

public class FluentdWireTests
{
    private static System.Net.Sockets.TcpListener Listen()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static LogDriver AckingDriverWithTwoLines(System.Net.Sockets.TcpListener listener)
    {
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var config = Env.LoadFor(FluentdDriver.Descriptor,
            $"{{\"fluentd-address\":\"127.0.0.1:{port}\",\"fluentd-request-ack\":\"true\",\"tag\":\"web\",\"fluentd-read-timeout\":\"1s\"}}");
        Assert.That(config.Errors, Is.Empty);
        var driver = FluentdDriver.Descriptor.Create(config.CreateContext(new Diagnostics(TextWriter.Null)));
        driver.TryAdd(new LogRecord("one"u8.ToArray(), LogStream.Stdout, DateTime.UtcNow.Ticks));
        driver.TryAdd(new LogRecord("two"u8.ToArray(), LogStream.Stderr, DateTime.UtcNow.Ticks));
        return driver;
    }

    /// <summary>
    /// Flushes while a server on <paramref name="listener"/> takes the message, checks its framing and answers;
    /// then closes, or with <paramref name="holdOpen"/> waits for the driver to hang up. Returns the chunk id sent.
    /// </summary>
    private static string FlushAnswering(LogDriver driver, System.Net.Sockets.TcpListener listener, Func<string, byte[]> answer,
        out string? failure, bool holdOpen = false)
    {
        string chunk = "";
        var server = Task.Run(() =>
        {
            using var connection = listener.AcceptSocket();
            connection.ReceiveTimeout = 10_000;
            var buffer = new byte[4096];
            int filled = 0;
            while (true)
            {
                filled += connection.Receive(buffer.AsSpan(filled));
                var text = Encoding.ASCII.GetString(buffer, 0, filled);
                int at = text.IndexOf("chunk", StringComparison.Ordinal);
                if (at >= 0 && filled >= at + 6 + 24) break;
            }
            var reader = new MessagePackReader(buffer.AsMemory(0, filled));
            Assert.That(reader.ReadArrayHeader(), Is.EqualTo(3), "[tag, entries, options]");
            Assert.That(reader.ReadString(), Is.EqualTo("web"));
            Assert.That(reader.NextMessagePackType, Is.EqualTo(MessagePackType.Binary), "entries as bin (PackedForward)");
            reader.ReadBytes();
            var options = buffer.AsSpan((int)reader.Consumed, filled - (int)reader.Consumed);
            Assert.That(options[..7].ToArray(), Is.EqualTo(new byte[] { 0x82, 0xa4, (byte)'s', (byte)'i', (byte)'z', (byte)'e', 0x02 }));
            Assert.That(options[7..14].ToArray(), Is.EqualTo(new byte[] { 0xa5, (byte)'c', (byte)'h', (byte)'u', (byte)'n', (byte)'k', 0xb8 }));
            chunk = Encoding.ASCII.GetString(options[14..38]);
            connection.Send(answer(chunk));
            if (holdOpen) connection.Receive(buffer);
        });
        failure = driver.TryFlush(out var why) ? null : why.ToString();
        Assert.That(server.Wait(TimeSpan.FromSeconds(20)), Is.True, "the server finished");
        return chunk;
    }

    private static byte[] Ack(string chunk) => [0x81, 0xa3, .. "ack"u8, 0xb8, .. Encoding.ASCII.GetBytes(chunk)];

    [Test]
    public void ABatchIsOnePackedForwardMessageWhoseChunkIdSurvivesARetry()
    {
        using var listener = Listen();
        using var driver = AckingDriverWithTwoLines(listener);

        string first = FlushAnswering(driver, listener, _ => [0x81, 0xa3, (byte)'a', (byte)'c', (byte)'k', 0xa5, .. "wrong"u8], out var failure);
        Assert.That(failure, Does.Contain("not the chunk sent"));
        Assert.That(driver.PendingCount, Is.EqualTo(2));
        var id = Convert.FromBase64String(first);
        Assert.That(id, Has.Length.EqualTo(16));
        Assert.That(DateTimeOffset.FromUnixTimeSeconds(BitConverter.ToInt64(id, 0)), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));

        string second = FlushAnswering(driver, listener, Ack, out failure);
        Assert.That(failure, Is.Null);
        Assert.That(second, Is.EqualTo(first), "a batch sent again keeps its chunk id");
        Assert.That(driver.PendingCount, Is.Zero);
    }

    [Test]
    public void HostileTruncatedAndOversizedAnswersAreARetryWithADiagnostic()
    {
        using var listener = Listen();
        using var driver = AckingDriverWithTwoLines(listener);
        byte[] huge = [0x81, 0xa3, .. "ack"u8, 0xdb, 0x7f, 0xff, 0xff, 0xff, .. new byte[AckReader.MaxResponse]];
        var answers = new (Func<string, byte[]> Answer, bool HoldOpen, string Diagnostic)[]
        {
            (_ => [0xc1, .. "this is not msgpack"u8], false, "not an ack: Unexpected msgpack code 193"),
            (_ => [0x81, 0xa3, .. "ack"u8, 0x81, 0xa1, (byte)'x', 0x01], false, "not an ack: 0x81 (fixmap) where a string belongs"),
            (_ => [0xdf, 0xff, 0xff, 0xff, 0xff], false, "not an ack: a map declaring 4294967295 pairs"),
            (_ => huge, false, $"answer exceeds {AckReader.MaxResponse} bytes"),
            (chunk => Ack(chunk)[..20], false, "closed the connection before acknowledging"),
            (chunk => Ack(chunk)[..20], true, "answer stopped for 1s before it was whole"),
        };
        string? first = null;
        foreach (var (answer, holdOpen, diagnostic) in answers)
        {
            string chunk = FlushAnswering(driver, listener, answer, out var failure, holdOpen);
            Assert.That(failure, Does.Contain(diagnostic));
            Assert.That(driver.PendingCount, Is.EqualTo(2), "kept for the retry");
            Assert.That(chunk, Is.EqualTo(first ??= chunk), "sent again with the same chunk id");
        }
        FlushAnswering(driver, listener, Ack, out var none);
        Assert.That(none, Is.Null);
        Assert.That(driver.PendingCount, Is.Zero);
    }
}
