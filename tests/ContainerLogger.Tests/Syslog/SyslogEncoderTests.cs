using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.Syslog;

namespace ContainerLogger.Tests.Syslog;

/// <summary>The wire text of each format against docker-logdrivers.md 8.4's literal examples, with CONTRACT.md's changes.</summary>
public class SyslogEncoderTests
{
    private const string Tag = "a7317399f3f8";
    private static readonly long Ticks = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks + 1234567; // .1234567 s

    private static string Encode(SyslogFormat format, string line = "hello world", LogStream stream = LogStream.Stdout,
        SyslogFraming framing = SyslogFraming.NonTransparent, int facility = 3, string tag = Tag, string host = "dockerhost",
        TimeZoneInfo? zone = null, long? ticks = null)
    {
        var encoder = new SyslogEncoder(format, framing, facility, host, tag, 1234, zone ?? TimeZoneInfo.Utc, joinedLines: true);
        return Encode(encoder, Encoding.UTF8.GetBytes(line), stream, ticks ?? Ticks);
    }

    private static string Encode(SyslogEncoder encoder, byte[] line, LogStream stream, long ticks)
    {
        var buffer = new byte[encoder.MaxEncodedLength(line.Length)];
        int n = encoder.Encode(new LogRecord(line, stream, ticks), buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Test]
    public void UnixFormatHasNoHostname() =>
        Assert.That(Encode(SyslogFormat.Unix), Is.EqualTo("<30>Jan  2 03:04:05 a7317399f3f8[1234]: hello world\n"));

    [Test]
    public void Rfc3164OnStderrHasErrorSeverityAndHostname() =>
        Assert.That(Encode(SyslogFormat.Rfc3164, stream: LogStream.Stderr),
            Is.EqualTo("<27>Jan  2 03:04:05 dockerhost a7317399f3f8[1234]: hello world\n"));

    [Test]
    public void Rfc5424HasSecondsOnly() =>
        Assert.That(Encode(SyslogFormat.Rfc5424),
            Is.EqualTo("<30>1 2024-01-02T03:04:05Z dockerhost a7317399f3f8 1234 a7317399f3f8 - hello world\n"));

    [Test]
    public void Rfc5424MicroHasSixFractionalDigits() =>
        Assert.That(Encode(SyslogFormat.Rfc5424Micro),
            Is.EqualTo("<30>1 2024-01-02T03:04:05.123456Z dockerhost a7317399f3f8 1234 a7317399f3f8 - hello world\n"));

    [Test]
    public void Rfc5424MicroWritesZeroFractionAsSixZeros()
    {
        long whole = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks;
        Assert.That(Encode(SyslogFormat.Rfc5424Micro, ticks: whole), Does.StartWith("<30>1 2024-01-02T03:04:05.000000Z "));
    }

    [Test]
    public void NonTransparentFramingWritesAnEmbeddedNewlineAsHash012() =>
        Assert.That(Encode(SyslogFormat.Rfc5424, "Traceback (most recent call last):\n  File \"a.py\"\n\nValueError: x"),
            Is.EqualTo("<30>1 2024-01-02T03:04:05Z dockerhost a7317399f3f8 1234 a7317399f3f8 - Traceback (most recent call last):#012  File \"a.py\"#012#012ValueError: x\n"));

    [Test]
    public void OctetCountedFramingCountsAndKeepsAnEmbeddedNewline()
    {
        string frame = Encode(SyslogFormat.Rfc5424, "one\ntwo", framing: SyslogFraming.OctetCounted);
        Assert.That(frame, Is.EqualTo("79 <30>1 2024-01-02T03:04:05Z dockerhost a7317399f3f8 1234 a7317399f3f8 - one\ntwo\n"));
        Assert.That(Encoding.UTF8.GetByteCount(frame) - "79 ".Length, Is.EqualTo(79), "the count covers the embedded newline");
    }

    [Test]
    public void DatagramsKeepAnEmbeddedNewline()
    {
        var encoder = new SyslogEncoder(SyslogFormat.Unix, SyslogFraming.NonTransparent, 3, "h", Tag, 1234, TimeZoneInfo.Utc, datagrams: true);
        Assert.That(Encode(encoder, "one\ntwo"u8.ToArray(), LogStream.Stdout, Ticks), Is.EqualTo("<30>Jan  2 03:04:05 a7317399f3f8[1234]: one\ntwo\n"));
    }

    /// <summary>Without multiline the framer cut every line at its newline: a line needs its own length, not four times it.</summary>
    [Test]
    public void WithoutJoinedLinesNoRoomIsReservedForEscapes()
    {
        var plain = new SyslogEncoder(SyslogFormat.Rfc5424Micro, SyslogFraming.NonTransparent, 3, "h", Tag, 1234, TimeZoneInfo.Utc);
        var joined = new SyslogEncoder(SyslogFormat.Rfc5424Micro, SyslogFraming.NonTransparent, 3, "h", Tag, 1234, TimeZoneInfo.Utc, joinedLines: true);
        Assert.That(plain.MaxEncodedLength(100_000) - plain.MaxEncodedLength(0), Is.EqualTo(100_000));
        Assert.That(joined.MaxEncodedLength(100_000) - joined.MaxEncodedLength(0), Is.EqualTo(400_000));
    }

    [Test]
    public void EscapedNewlinesFitTheRoomReserved()
    {
        var encoder = new SyslogEncoder(SyslogFormat.Rfc5424Micro, SyslogFraming.NonTransparent, 3, "h", Tag, 1234, TimeZoneInfo.Utc, joinedLines: true);
        var line = Encoding.ASCII.GetBytes(new string('\n', 1000));
        var buffer = new byte[encoder.MaxEncodedLength(line.Length)];
        int n = encoder.Encode(new LogRecord(line, LogStream.Stdout, Ticks), buffer);
        Assert.That(Encoding.ASCII.GetString(buffer, 0, n), Does.EndWith("- " + string.Concat(Enumerable.Repeat("#012", 1000)) + "\n"));
    }

    [Test]
    public void OctetCountedFrameMatchesDockersExample()
    {
        string frame = Encode(SyslogFormat.Rfc5424, framing: SyslogFraming.OctetCounted);
        Assert.That(frame, Is.EqualTo("83 <30>1 2024-01-02T03:04:05Z dockerhost a7317399f3f8 1234 a7317399f3f8 - hello world\n"));
    }

    [TestCase(1)]
    [TestCase(9)]
    [TestCase(10)]
    [TestCase(100)]
    [TestCase(913)]
    [TestCase(10000)]
    public void OctetCountIsTheByteLengthOfTheMessageWithItsNewline(int lineLength)
    {
        // Multi-byte characters: the count is in bytes, not characters.
        string line = string.Concat(Enumerable.Repeat("é", lineLength / 2)) + (lineLength % 2 == 1 ? "x" : "");
        foreach (var format in new[] { SyslogFormat.Unix, SyslogFormat.Rfc3164, SyslogFormat.Rfc5424, SyslogFormat.Rfc5424Micro })
        {
            byte[] frame = Encoding.UTF8.GetBytes(Encode(format, line, framing: SyslogFraming.OctetCounted));
            int space = Array.IndexOf(frame, (byte)' ');
            int count = int.Parse(Encoding.ASCII.GetString(frame, 0, space));
            Assert.That(count, Is.EqualTo(frame.Length - space - 1), format.ToString());
            Assert.That(frame[^1], Is.EqualTo((byte)'\n'));
            string plain = Encode(format, line);
            Assert.That(Encoding.UTF8.GetString(frame, space + 1, frame.Length - space - 1), Is.EqualTo(plain));
        }
    }

    [Test]
    public void TimeIsInTheGivenZoneWithItsOffset()
    {
        var plusOne = TimeZoneInfo.CreateCustomTimeZone("test+1", TimeSpan.FromHours(1), "test+1", "test+1");
        var minusFiveThirty = TimeZoneInfo.CreateCustomTimeZone("test-530", new TimeSpan(-5, -30, 0), "test-530", "test-530");
        Assert.Multiple(() =>
        {
            Assert.That(Encode(SyslogFormat.Rfc5424, zone: plusOne), Does.StartWith("<30>1 2024-01-02T04:04:05+01:00 "));
            Assert.That(Encode(SyslogFormat.Rfc5424Micro, zone: plusOne), Does.StartWith("<30>1 2024-01-02T04:04:05.123456+01:00 "));
            Assert.That(Encode(SyslogFormat.Rfc5424, zone: minusFiveThirty), Does.StartWith("<30>1 2024-01-01T21:34:05-05:30 "));
            Assert.That(Encode(SyslogFormat.Rfc3164, zone: minusFiveThirty), Does.StartWith("<30>Jan  1 21:34:05 dockerhost "));
        });
    }

    [Test]
    public void TwoDigitDaysAreNotPaddedAndMonthsAreNamed()
    {
        long christmas = new DateTime(2023, 12, 25, 23, 59, 59, DateTimeKind.Utc).Ticks;
        Assert.That(Encode(SyslogFormat.Unix, ticks: christmas), Is.EqualTo("<30>Dec 25 23:59:59 a7317399f3f8[1234]: hello world\n"));
    }

    [Test]
    public void ConsecutiveRecordsGetTheirOwnCaptureTimes()
    {
        var encoder = new SyslogEncoder(SyslogFormat.Rfc5424Micro, SyslogFraming.NonTransparent, 3, "h", "t", 1, TimeZoneInfo.Utc);
        long t0 = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks;
        byte[] line = "x"u8.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(Encode(encoder, line, LogStream.Stdout, t0 + 10), Does.Contain(" 2024-01-02T03:04:05.000001Z "));
            Assert.That(Encode(encoder, line, LogStream.Stdout, t0 + 9_999_990), Does.Contain(" 2024-01-02T03:04:05.999999Z "));
            Assert.That(Encode(encoder, line, LogStream.Stdout, t0 + 10_000_000), Does.Contain(" 2024-01-02T03:04:06.000000Z "));
            // Out of order (stdout and stderr interleave): the cache must not reuse the later second.
            Assert.That(Encode(encoder, line, LogStream.Stderr, t0 + 5), Does.Contain(" 2024-01-02T03:04:05.000000Z "));
            Assert.That(Encode(encoder, line, LogStream.Stderr, t0 + TimeSpan.TicksPerDay), Does.Contain(" 2024-01-03T03:04:05.000000Z "));
        });
    }

    [TestCase(0, "<6>", "<3>")]
    [TestCase(1, "<14>", "<11>")]
    [TestCase(3, "<30>", "<27>")]
    [TestCase(16, "<134>", "<131>")]
    [TestCase(23, "<190>", "<187>")]
    public void PriorityIsFacilityTimesEightPlusSixOrThree(int facility, string stdout, string stderr)
    {
        Assert.That(Encode(SyslogFormat.Rfc5424, facility: facility), Does.StartWith(stdout + "1 "));
        Assert.That(Encode(SyslogFormat.Unix, facility: facility, stream: LogStream.Stderr), Does.StartWith(stderr + "Jan"));
    }

    [Test]
    public void AppNameIsCutTo48AndMsgIdTo32()
    {
        string tag = string.Concat(Enumerable.Range(0, 60).Select(i => (char)('a' + i % 26)));
        string frame = Encode(SyslogFormat.Rfc5424, tag: tag);
        string[] fields = frame.Split(' ');
        Assert.That(fields[3], Is.EqualTo(tag[..48]));
        Assert.That(fields[5], Is.EqualTo(tag[..32]));
        // The "" and rfc3164 formats send the tag whole, as Docker does.
        Assert.That(Encode(SyslogFormat.Rfc3164, tag: tag), Does.Contain($" {tag}[1234]: "));
    }

    [Test]
    public void NonPrintableAndNonAsciiTagCharactersBecomeUnderscoresInRfc5424()
    {
        string frame = Encode(SyslogFormat.Rfc5424, tag: "web app/ünï\u0001🐳x");
        Assert.That(frame, Is.EqualTo("<30>1 2024-01-02T03:04:05Z dockerhost web_app/_n___x 1234 web_app/_n___x - hello world\n"));
    }

    [Test]
    public void NonAsciiTagIsCountedInCharactersNotBytes()
    {
        string tag = new string('ü', 40) + new string('a', 20);
        string[] fields = Encode(SyslogFormat.Rfc5424, tag: tag).Split(' ');
        Assert.That(fields[3], Is.EqualTo(new string('_', 40) + new string('a', 8)));
        Assert.That(fields[5], Is.EqualTo(new string('_', 32)));
    }

    [Test]
    public void Rfc3164TagKeepsUtf8ButNotControlCharacters() =>
        Assert.That(Encode(SyslogFormat.Rfc3164, tag: "wëb\nx"), Is.EqualTo("<30>Jan  2 03:04:05 dockerhost wëb_x[1234]: hello world\n"));

    [Test]
    public void EmptyTagFallsBackToTheProgramName() =>
        Assert.That(Encode(SyslogFormat.Rfc5424, tag: ""),
            Is.EqualTo("<30>1 2024-01-02T03:04:05Z dockerhost containerlogger 1234 containerlogger - hello world\n"));

    [Test]
    public void HostnameIsMadePrintable()
    {
        Assert.That(Encode(SyslogFormat.Rfc5424, host: "my host"), Does.Contain(" my_host a7317399f3f8 "));
        Assert.That(Encode(SyslogFormat.Rfc5424, host: ""), Does.Contain(" localhost a7317399f3f8 "));
        Assert.That(Encode(SyslogFormat.Rfc3164, host: new string('h', 300)), Does.Contain($" {new string('h', 255)} a7317399f3f8[1234]"));
    }

    [Test]
    public void EmptyLinesAreNotEncoded()
    {
        var encoder = new SyslogEncoder(SyslogFormat.Rfc5424, SyslogFraming.OctetCounted, 3, "h", "t", 1, TimeZoneInfo.Utc);
        Assert.That(encoder.Encode(new LogRecord([], LogStream.Stdout, Ticks), new byte[encoder.MaxEncodedLength(0)]), Is.Zero);
    }

    [Test]
    public void LineBytesPassThroughUnchanged()
    {
        byte[] line = [(byte)'a', (byte)'\r', 0, 0xff, 0xfe, (byte)'\t', (byte)'z'];
        var encoder = new SyslogEncoder(SyslogFormat.Unix, SyslogFraming.NonTransparent, 3, "h", "t", 7, TimeZoneInfo.Utc);
        var buffer = new byte[encoder.MaxEncodedLength(line.Length)];
        int n = encoder.Encode(new LogRecord(line, LogStream.Stdout, Ticks), buffer);
        Assert.That(buffer.AsSpan(0, n).ToArray(), Is.EqualTo("<30>Jan  2 03:04:05 t[7]: "u8.ToArray().Concat(line).Append((byte)'\n').ToArray()));
    }

    [Test]
    public void MaxEncodedLengthBoundsTheLongestFrame()
    {
        var encoder = new SyslogEncoder(SyslogFormat.Rfc5424Micro, SyslogFraming.OctetCounted, 23, new string('h', 255), new string('t', 100),
            int.MaxValue, TimeZoneInfo.CreateCustomTimeZone("x", new TimeSpan(-11, -45, 0), "x", "x"));
        byte[] line = new byte[1 << 20];
        Array.Fill(line, (byte)'x');
        var buffer = new byte[encoder.MaxEncodedLength(line.Length)];
        int n = encoder.Encode(new LogRecord(line, LogStream.Stderr, Ticks), buffer);
        Assert.That(n, Is.LessThanOrEqualTo(buffer.Length));
        // "<187>1 " + 32-byte time + " " + 255 + " " + 48 + " " + 10 + " " + 32 + " - " + the line + "\n"
        Assert.That(Encoding.ASCII.GetString(buffer, 0, 8), Is.EqualTo("1048968 "));
        Assert.That(n, Is.EqualTo(8 + 1048968));
    }
}
