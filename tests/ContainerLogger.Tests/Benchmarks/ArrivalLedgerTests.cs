using System.Buffers;
using System.Text;
using ContainerLogger.Benchmarks;
using ContainerLogger.Benchmarks.Receivers;
using MessagePack;

namespace ContainerLogger.Tests.Benchmarks;

/// <summary>A receiver that miscounts makes every benchmark figure a lie: the counting is tested here.</summary>
public class ArrivalLedgerTests
{
    private static byte[] Line(bool stderr, long number, int size = 40)
    {
        var line = new byte[size];
        LineSequence.Write(line, stderr, number, size);
        return line;
    }

    [Test]
    public void LinesAreNumberedPerStreamAndParseBack()
    {
        var line = Line(stderr: true, 42, 20);
        Assert.That(Encoding.ASCII.GetString(line), Is.EqualTo("e0000000042 xxxxxxx\n"));
        Assert.That(LineSequence.TryParse(line, out bool stderr, out long number), Is.True);
        Assert.That((stderr, number), Is.EqualTo((true, 42L)));
        Assert.That(LineSequence.TryParse("containerlogger: dropped 3 lines"u8, out _, out _), Is.False);
        Assert.That(LineSequence.TryParse("o00000000x1 "u8, out _, out _), Is.False);
    }

    [Test]
    public void CountsUniqueLinesDuplicatesAndForeignRecordsPerStream()
    {
        var ledger = new ArrivalLedger(stdoutLines: 100, stderrLines: 10);
        for (int i = 0; i < 100; i++) ledger.Record(Line(false, i));
        ledger.Record(Line(false, 7));          // a duplicate
        ledger.Record(Line(true, 3));
        ledger.Record(Line(true, 3));           // a duplicate on the other stream
        ledger.Record(Line(true, 10));          // beyond what was sent: foreign
        ledger.Record("drop notice"u8);
        Assert.Multiple(() =>
        {
            Assert.That(ledger.Expected, Is.EqualTo(110));
            Assert.That(ledger.Unique, Is.EqualTo(101));
            Assert.That(ledger.Duplicates, Is.EqualTo(2));
            Assert.That(ledger.Foreign, Is.EqualTo(2));
            Assert.That(ledger.MissingRanges(stderr: false, 10), Is.Empty);
            Assert.That(ledger.MissingRanges(stderr: true, 10), Is.EqualTo(new[] { "0-2", "4-9" }));
        });
    }

    /// <summary>A multiline record joins lines with '\n': raw (fluentd, datagrams), escaped in JSON, or syslog's #012.</summary>
    [TestCase("\n")]
    [TestCase("\\n")]
    [TestCase("#012")]
    public void WithJoinedLinesEveryLineOfAMessageCounts(string separator)
    {
        string Text(long n) => Encoding.ASCII.GetString(Line(false, n, 20)).TrimEnd('\n');
        string message = string.Join(separator, Text(0), Text(1), Text(2)) + separator + "\",\"stream\":\"stdout\"}";
        var joined = new ArrivalLedger(stdoutLines: 5, stderrLines: 0, joinedLines: true);
        joined.Record(Encoding.ASCII.GetBytes(message));
        Assert.That(joined.Unique, Is.EqualTo(3));
        Assert.That(joined.MissingRanges(false, 10), Is.EqualTo(new[] { "3-4" }));
        Assert.That(joined.Foreign, Is.Zero);

        var plain = new ArrivalLedger(stdoutLines: 5, stderrLines: 0);
        plain.Record(Encoding.ASCII.GetBytes(message));
        Assert.That(plain.Unique, Is.EqualTo(1), "without joined lines only the first prefix counts");
    }

    [Test]
    public void MissingRangesAreCappedAndHandleSingleLines()
    {
        var ledger = new ArrivalLedger(stdoutLines: 10, stderrLines: 0);
        foreach (int i in new[] { 0, 2, 4, 5, 6 }) ledger.Record(Line(false, i));
        Assert.That(ledger.MissingRanges(false, 10), Is.EqualTo(new[] { "1", "3", "7-9" }));
        Assert.That(ledger.MissingRanges(false, 2), Is.EqualTo(new[] { "1", "3" }));
    }

    [Test]
    public void JsonFileReceiverRecordsCompleteRecordsOnlyAndReadsTheLogValue()
    {
        var ledger = new ArrivalLedger(stdoutLines: 3, stderrLines: 0);
        string records =
            "{\"log\":\"o0000000000 xx\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-22T09:00:00Z\"}\n" +
            "{\"log\":\"o0000000001 xx\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-22T09:00:00Z\"}\n" +
            "{\"log\":\"o0000000002 x";
        byte[] data = Encoding.ASCII.GetBytes(records);
        int consumed = JsonFileReceiver.RecordLines(data, ledger);
        Assert.That(consumed, Is.EqualTo(records.LastIndexOf('\n') + 1));
        Assert.That(ledger.Unique, Is.EqualTo(2));
        Assert.That(ledger.MissingRanges(false, 5), Is.EqualTo(new[] { "2" }));
    }

    [Test]
    public void SyslogFramesAreCountedByTheMessageAfterTheHeader()
    {
        var ledger = new ArrivalLedger(stdoutLines: 2, stderrLines: 1);
        string frames =
            "<14>1 2026-11-22T09:00:00.123456Z host b0e1c2d3a4f5 1234 b0e1c2d3a4f5 - o0000000000 xx\n" +
            "<11>Nov 22 09:00:00 b0e1c2d3a4f5[1234]: e0000000000 xx\n" +
            "<14>1 2026-11-22T09:00:00Z host app 1 m - not one of ours\n" +
            "<14>1 2026-11-22T09:00:00Z host app 1 m - o00000000";
        using var receiver = new SyslogTcpReceiver();
        int consumed = receiver.Consume(Encoding.ASCII.GetBytes(frames), ledger, connection: null);
        Assert.Multiple(() =>
        {
            Assert.That(consumed, Is.EqualTo(frames.LastIndexOf('\n') + 1));
            Assert.That(ledger.Unique, Is.EqualTo(2));
            Assert.That(ledger.Foreign, Is.EqualTo(1));
            Assert.That(ledger.MissingRanges(stderr: false, 5), Is.EqualTo(new[] { "1" }));
        });
    }

    [Test]
    public void FindMessageSkipsHeadersThatMerelyStartLikeAPrefix()
    {
        var frame = "<14>1 t o123 e0000000007 o0000000001 x"u8;
        Assert.That(Encoding.ASCII.GetString(LineSequence.FindMessage(frame)), Is.EqualTo("e0000000007 o0000000001 x"));
        Assert.That(LineSequence.FindMessage("no prefix here at all"u8).IsEmpty, Is.True);
    }

    [Test]
    public void GelfUdpReceiverReassemblesChunksInAnyOrderAndDecompresses()
    {
        using var receiver = new GelfUdpReceiver("gzip");
        var json = Encoding.ASCII.GetBytes("{\"version\":\"1.1\",\"short_message\":\"o0000000004 " + new string('x', 3000) + "\"}");
        var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.NoCompression, leaveOpen: true)) gzip.Write(json);
        var payload = compressed.ToArray();
        var chunks = payload.Chunk(1408).Select((part, i) => (byte[])[0x1e, 0x0f, 1, 2, 3, 4, 5, 6, 7, 8, (byte)i, 3, .. part]).ToList();
        Assert.That(chunks, Has.Count.EqualTo(3));
        Assert.That(receiver.Reassemble(chunks[2]), Is.Null);
        Assert.That(receiver.Reassemble(chunks[0]), Is.Null);
        var whole = receiver.Reassemble(chunks[1]);
        Assert.That(whole, Is.EqualTo(payload));
        var ledger = new ArrivalLedger(stdoutLines: 5, stderrLines: 0);
        using var inflater = new ZlibInflater();
        ledger.Record(GelfMessages.ShortMessage(GelfUdpReceiver.Decompress(whole!, inflater)));
        Assert.That(ledger.MissingRanges(stderr: false, 5), Is.EqualTo(new[] { "0-3" }));
    }

    [Test]
    public void FluentdReceiverCountsEachEventOnceHoweverTheBytesArriveAndAcksChunks()
    {
        var entries = new ArrayBufferWriter<byte>();
        var entry = new MessagePackWriter(entries);
        for (int i = 0; i < 3; i++)
        {
            entry.WriteArrayHeader(2);
            entry.WriteExtensionFormatHeader(new ExtensionHeader(0, 8)); // EventTime
            entry.WriteRaw(new byte[8]);
            entry.WriteMapHeader(1);
            entry.WriteString("log"u8);
            var line = new byte[20];
            LineSequence.Write(line, stderr: false, i, line.Length);
            entry.WriteString(line.AsSpan(0, 19));
        }
        entry.Flush();
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.WriteString("tag"u8);
        writer.Write(entries.WrittenSpan);
        writer.WriteMapHeader(1);
        writer.WriteString("chunk"u8);
        writer.WriteString("abc"u8);
        writer.Flush();
        var message = buffer.WrittenSpan.ToArray();

        using var receiver = new FluentdReceiver(requestAck: true);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        client.Connect(listener.LocalEndpoint);
        using var peer = listener.AcceptSocket();
        client.ReceiveTimeout = 5000;
        for (int cut = 0; cut < message.Length; cut++)
        {
            var ledger = new ArrivalLedger(stdoutLines: 3, stderrLines: 0);
            Assert.That(receiver.Consume(message.AsMemory(0, cut), ledger, peer), Is.Zero, $"cut at {cut}");
            Assert.That(receiver.Consume(message, ledger, peer), Is.EqualTo(message.Length));
            Assert.That((ledger.Unique, ledger.Duplicates, ledger.Foreign), Is.EqualTo((3L, 0L, 0L)), $"cut at {cut}");
            var ack = new byte[9];
            Assert.That(client.Receive(ack), Is.EqualTo(9));
            Assert.That(ack, Is.EqualTo(FluentdReceiver.Ack("abc")), "one ack, for the whole message");
        }
        Assert.That(FluentdReceiver.Ack("abc"), Is.EqualTo(new byte[] { 0x81, 0xa3, (byte)'a', (byte)'c', (byte)'k', 0xa3, (byte)'a', (byte)'b', (byte)'c' }));
    }

    [Test]
    public void FluentdReceiverCountsForwardAndMessageModesToo()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        void Record(ref MessagePackWriter writer, int number)
        {
            var line = new byte[20];
            LineSequence.Write(line, stderr: true, number, line.Length);
            writer.WriteMapHeader(2);
            writer.WriteString("source"u8);
            writer.WriteString("stderr"u8);
            writer.WriteString("log"u8);
            writer.WriteString(line.AsSpan(0, 19));
        }
        writer.WriteArrayHeader(3); // Forward: [tag, [[time, record], ...], options]
        writer.Write("tag");
        writer.WriteArrayHeader(2);
        for (int i = 0; i < 2; i++)
        {
            writer.WriteArrayHeader(2);
            writer.Write(1_700_000_000);
            Record(ref writer, i);
        }
        writer.WriteMapHeader(1);
        writer.Write("chunk");
        writer.Write("forward");
        writer.WriteArrayHeader(3); // Message: [tag, time, record], no options
        writer.Write("tag");
        writer.WriteExtensionFormatHeader(new ExtensionHeader(0, 8)); // EventTime
        writer.WriteRaw(new byte[8]);
        Record(ref writer, 2);
        writer.Flush();

        using var receiver = new FluentdReceiver(requestAck: false);
        var ledger = new ArrivalLedger(stdoutLines: 0, stderrLines: 3);
        Assert.That(receiver.Consume(buffer.WrittenMemory, ledger, connection: null), Is.EqualTo(buffer.WrittenCount));
        Assert.That((ledger.Unique, ledger.Duplicates, ledger.Foreign), Is.EqualTo((3L, 0L, 0L)));
    }
}
