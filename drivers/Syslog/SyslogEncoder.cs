using System.Globalization;
using System.Text;

namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// Writes one record as Docker's syslog driver would (docker-logdrivers.md 8.3 and 8.4), with CONTRACT.md's
/// changes: the timestamp is the line's capture time, PROCID is this process's pid, APP-NAME and MSGID are cut
/// to 48 and 32 printable US-ASCII characters.
/// <code>
/// ""           &lt;30&gt;Jan  2 03:04:05 TAG[PID]: MSG\n
/// rfc3164      &lt;30&gt;Jan  2 03:04:05 HOSTNAME TAG[PID]: MSG\n
/// rfc5424      &lt;30&gt;1 2024-01-02T03:04:05Z HOSTNAME APP-NAME PROCID MSGID - MSG\n
/// rfc5424micro &lt;30&gt;1 2024-01-02T03:04:05.123456Z HOSTNAME APP-NAME PROCID MSGID - MSG\n
/// </code>
/// Octet-counted framing puts "&lt;length&gt; " first, the length counting the trailing '\n' (RFC 5425 as Docker).
/// With non-transparent framing on a stream a '\n' ends the message, so one inside a record (a joined multiline
/// record) is written as "#012", the way rsyslog shows control characters; datagrams and octet-counted messages
/// carry it as is.
/// Times are in the process's time zone, as Docker's are in the daemon's; "Z" when its offset is zero.
/// Everything but the time and the line is encoded once, here; <see cref="Encode"/> allocates nothing.
/// </summary>
public sealed class SyslogEncoder : IMessageEncoder
{
    public const int MaxAppNameLength = 48;
    public const int MaxMsgIdLength = 32;
    public const int MaxHostnameLength = 255;
    /// <summary>Tag used when the rendered tag is empty (srslog falls back to the program name).</summary>
    public const string EmptyTagFallback = "containerlogger";

    private const int SeverityInfo = 6, SeverityError = 3;
    // Octet count and its space, "<191>1 ", the longest time, the '\n'.
    private const int FixedOverhead = 11 + 7 + 32 + 1;
    private static readonly long OffsetWindowTicks = TimeSpan.FromMinutes(15).Ticks;

    private readonly SyslogFormat _format;
    private readonly bool _octetCounted;
    private readonly bool _escapeNewlines;
    private readonly TimeZoneInfo _zone;
    private readonly byte[] _stdoutHead, _stderrHead;
    private readonly byte[] _tail;

    // Time cache: lines arrive in bursts within one second, so the text of a second is written once.
    private readonly byte[] _time = new byte[32];
    private int _timeLength;
    private long _timeSecond = long.MinValue;
    private long _offsetFrom = long.MaxValue, _offsetTo = long.MinValue;
    private long _offsetTicks;

    /// <param name="facility">0 to 23.</param>
    /// <param name="hostname">HOSTNAME; made printable ASCII, at most 255 characters.</param>
    /// <param name="tag">The rendered tag: TAG, APP-NAME and MSGID.</param>
    /// <param name="zone">Time zone of the timestamps; the process's local zone in a run.</param>
    /// <param name="datagrams">Each message travels in a datagram of its own (udp, unixgram): a newline ends nothing.</param>
    /// <param name="joinedLines">Records may hold several lines joined with '\n' (multiline is on); without it the framer
    /// has cut every line at its newline, and no room is reserved for escaping one.</param>
    public SyslogEncoder(SyslogFormat format, SyslogFraming framing, int facility, string hostname, string tag, int pid, TimeZoneInfo zone,
        bool datagrams = false, bool joinedLines = false)
    {
        _format = format;
        _octetCounted = framing == SyslogFraming.OctetCounted;
        _escapeNewlines = joinedLines && !_octetCounted && !datagrams;
        _zone = zone;
        bool rfc5424 = format is SyslogFormat.Rfc5424 or SyslogFormat.Rfc5424Micro;
        string version = rfc5424 ? "1 " : "";
        _stdoutHead = Ascii($"<{facility << 3 | SeverityInfo}>{version}");
        _stderrHead = Ascii($"<{facility << 3 | SeverityError}>{version}");
        string pidText = pid.ToString(CultureInfo.InvariantCulture);
        string host = Printable(hostname, MaxHostnameLength, "localhost");
        if (tag.Length == 0) tag = EmptyTagFallback;
        _tail = format switch
        {
            SyslogFormat.Unix => Utf8($" {Rfc3164Tag(tag)}[{pidText}]: "),
            SyslogFormat.Rfc3164 => Utf8($" {host} {Rfc3164Tag(tag)}[{pidText}]: "),
            _ => Ascii($" {host} {Printable(tag, MaxAppNameLength, "-")} {pidText} {Printable(tag, MaxMsgIdLength, "-")} - "),
        };
    }

    /// <summary>Room <see cref="Encode"/> may need for a line of this many bytes.</summary>
    public int MaxEncodedLength(int lineLength) => FixedOverhead + _stdoutHead.Length + _tail.Length + (_escapeNewlines ? EscapedNewline.Length : 1) * lineLength;

    private static ReadOnlySpan<byte> EscapedNewline => "#012"u8;

    /// <returns>
    /// Bytes written, 0 for an empty line (Docker sends none); <paramref name="destination"/> must hold
    /// <see cref="MaxEncodedLength"/> bytes.
    /// </returns>
    public int Encode(in LogRecord record, Span<byte> destination)
    {
        var line = record.Line;
        if (line.IsEmpty) return 0;
        var head = record.Stream == LogStream.Stderr ? _stderrHead : _stdoutHead;
        var time = Time(record.TimestampTicks);
        int newlines = _escapeNewlines ? line.Count((byte)'\n') : 0;
        int message = head.Length + time.Length + _tail.Length + line.Length + newlines * (EscapedNewline.Length - 1) + 1;
        int n = 0;
        if (_octetCounted)
        {
            message.TryFormat(destination, out n, default, CultureInfo.InvariantCulture);
            destination[n++] = (byte)' ';
        }
        head.CopyTo(destination.Slice(n));
        n += head.Length;
        time.CopyTo(destination.Slice(n));
        n += time.Length;
        _tail.CopyTo(destination.Slice(n));
        n += _tail.Length;
        n += newlines == 0 ? Copy(line, destination.Slice(n)) : CopyEscapingNewlines(line, destination.Slice(n));
        destination[n++] = (byte)'\n';
        return n;
    }

    private static int Copy(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        line.CopyTo(destination);
        return line.Length;
    }

    private static int CopyEscapingNewlines(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        int n = 0;
        for (int newline; (newline = line.IndexOf((byte)'\n')) >= 0; line = line[(newline + 1)..])
        {
            line[..newline].CopyTo(destination[n..]);
            n += newline;
            EscapedNewline.CopyTo(destination[n..]);
            n += EscapedNewline.Length;
        }
        return n + Copy(line, destination[n..]);
    }

    /// <summary>The TIMESTAMP text of a capture time, from the cache when in the same second.</summary>
    private ReadOnlySpan<byte> Time(long utcTicks)
    {
        if (utcTicks < _offsetFrom || utcTicks >= _offsetTo)
        {
            // Offsets change on quarter hours at the finest; one lookup per window.
            _offsetFrom = utcTicks - utcTicks % OffsetWindowTicks;
            _offsetTo = _offsetFrom + OffsetWindowTicks;
            _offsetTicks = _zone.GetUtcOffset(new DateTime(_offsetFrom, DateTimeKind.Utc)).Ticks;
            _timeSecond = long.MinValue;
        }
        long local = utcTicks + _offsetTicks;
        long second = local / TimeSpan.TicksPerSecond;
        if (second != _timeSecond)
        {
            _timeSecond = second;
            _timeLength = _format is SyslogFormat.Unix or SyslogFormat.Rfc3164
                ? FormatStamp(local, _time)
                : FormatRfc3339(local, _offsetTicks, _time);
        }
        if (_format != SyslogFormat.Rfc5424Micro) return _time.AsSpan(0, _timeLength);
        // rfc5424micro: seconds and zone from the cache, the 6 fractional digits written in place.
        int fractionAt = 19;
        int micros = (int)(local % TimeSpan.TicksPerSecond / 10);
        _time[fractionAt] = (byte)'.';
        WriteDigits(_time, fractionAt + 1, micros, 6);
        return _time.AsSpan(0, _timeLength);
    }

    /// <summary>Go's "Jan _2 15:04:05" (RFC 3164 TIMESTAMP): the day padded with a space.</summary>
    private static int FormatStamp(long localTicks, Span<byte> d)
    {
        var t = new DateTime(localTicks, DateTimeKind.Unspecified);
        "JanFebMarAprMayJunJulAugSepOctNovDec"u8.Slice((t.Month - 1) * 3, 3).CopyTo(d);
        d[3] = (byte)' ';
        d[4] = t.Day < 10 ? (byte)' ' : (byte)('0' + t.Day / 10);
        d[5] = (byte)('0' + t.Day % 10);
        d[6] = (byte)' ';
        WriteClock(t, d, 7);
        return 15;
    }

    /// <summary>Go's RFC3339 (seconds) or, for rfc5424micro, room for ".000000" left before the zone.</summary>
    private int FormatRfc3339(long localTicks, long offsetTicks, Span<byte> d)
    {
        var t = new DateTime(localTicks, DateTimeKind.Unspecified);
        WriteDigits(d, 0, t.Year, 4);
        d[4] = (byte)'-';
        WriteDigits(d, 5, t.Month, 2);
        d[7] = (byte)'-';
        WriteDigits(d, 8, t.Day, 2);
        d[10] = (byte)'T';
        WriteClock(t, d, 11);
        int n = _format == SyslogFormat.Rfc5424Micro ? 26 : 19;
        if (offsetTicks == 0)
        {
            d[n++] = (byte)'Z';
            return n;
        }
        long minutes = Math.Abs(offsetTicks) / TimeSpan.TicksPerMinute;
        d[n++] = offsetTicks < 0 ? (byte)'-' : (byte)'+';
        WriteDigits(d, n, (int)(minutes / 60), 2);
        d[n + 2] = (byte)':';
        WriteDigits(d, n + 3, (int)(minutes % 60), 2);
        return n + 5;
    }

    private static void WriteClock(DateTime t, Span<byte> d, int at)
    {
        WriteDigits(d, at, t.Hour, 2);
        d[at + 2] = (byte)':';
        WriteDigits(d, at + 3, t.Minute, 2);
        d[at + 5] = (byte)':';
        WriteDigits(d, at + 6, t.Second, 2);
    }

    private static void WriteDigits(Span<byte> d, int at, int value, int count)
    {
        for (int i = at + count - 1; i >= at; i--)
        {
            d[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary>
    /// RFC 5424 PRINTUSASCII: every other character (a space, a control, anything not ASCII) becomes '_', then the
    /// text is cut to <paramref name="max"/> characters; nothing left gives <paramref name="empty"/>.
    /// </summary>
    internal static string Printable(string text, int max, string empty)
    {
        var output = new StringBuilder(Math.Min(text.Length, max));
        foreach (var rune in text.EnumerateRunes())
        {
            if (output.Length == max) break;
            output.Append(rune.Value is >= 33 and <= 126 ? (char)rune.Value : '_');
        }
        return output.Length == 0 ? empty : output.ToString();
    }

    /// <summary>The tag of the "" and rfc3164 formats as Docker sends it, except that control characters become '_' so framing holds.</summary>
    private static string Rfc3164Tag(string tag)
    {
        var output = new StringBuilder(tag.Length);
        foreach (char c in tag) output.Append(c < ' ' || c == '\x7f' ? '_' : c);
        return output.ToString();
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
