using ContainerLogger.Net;
using ContainerLogger.Native;
using System.Net.Sockets;
using System.Security.Authentication;

namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// Docker's syslog driver (docker-logdrivers.md section 8) with CONTRACT.md section 8's changes. Records are
/// encoded into one buffer while the host holds its lock (CPU only). Flush connects when needed, then writes the
/// buffer in large pieces (tcp, unix, tls) or one datagram per message (udp, unixgram). A connection failure
/// keeps the batch for the host's retry; a refused datagram is counted as lost and never retried.
/// </summary>
public sealed class SyslogDriver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("syslog",
        "Docker's syslog driver: udp, tcp, tcp+tls, unix, unixgram or the local syslog; formats \"\", rfc3164, rfc5424, rfc5424micro",
        defaultTag: "{{.ID}}", options: SyslogOptions.All, create: context => new SyslogDriver(context), validate: SyslogOptions.Validate, diskBuffer: true);

    /// <summary>A stream write is at most this large, so a failure re-sends little.</summary>
    private const int WriteChunk = 64 * 1024;

    private readonly SyslogAddress _address;
    private readonly TlsClient? _tls;
    private readonly IReadOnlyList<string> _localPaths;
    private readonly SyslogEncoder _encoder;
    private readonly MessageBatch _batch = new();
    private readonly DriverLosses _losses;
    private readonly Diagnostics _diagnostics;
    private SyslogConnection? _connection;
    private bool _failing;
    private long _datagramsLost;

    private SyslogDriver(DriverContext context) : this(context, SyslogConnection.LocalPaths, TimeZoneInfo.Local)
    {
    }

    /// <param name="localPaths">The sockets tried for an empty syslog-address (tests point them elsewhere).</param>
    internal SyslogDriver(DriverContext context, IReadOnlyList<string> localPaths, TimeZoneInfo zone)
    {
        var options = context.Options;
        _address = options.Get(SyslogOptions.Address);
        _localPaths = localPaths;
        _losses = context.Losses;
        _diagnostics = context.Diagnostics;
        // Validated already; loaded again here so a file that changed since is still a configuration error (FormatException).
        if (_address.Transport == SyslogTransport.TcpTls) _tls = SyslogOptions.LoadTls(options);
        if (SyslogOptions.UnusedTlsOptions(options).ToList() is { Count: > 0 } unused)
            _diagnostics.Report($"syslog: {string.Join(", ", unused)} ignored: syslog-address \"{_address}\" is not tcp+tls://");
        var format = options.Get(SyslogOptions.Format);
        var framing = SyslogOptions.ResolveFraming(_address, format, options.Get(SyslogOptions.TcpFraming));
        string hostname = options.Get(SyslogOptions.Hostname) ?? context.Info.Hostname;
        _encoder = new SyslogEncoder(format, framing, options.Get(SyslogOptions.Facility), hostname, context.Tag ?? "",
            Environment.ProcessId, zone, datagrams: _address.IsDatagram);
    }

    public override int PendingCount => _batch.Pending;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override void Flush()
    {
        try
        {
            if (_connection is { IsDatagram: false } stream && stream.PeerClosed()) Disconnect();
            FlushBatch();
            if (_failing)
            {
                _failing = false;
                _diagnostics.Report($"syslog: delivering to {_connection?.Description ?? _address.ToString()} again");
            }
            _batch.Clear();
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or TimeoutException
                                      or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
        {
            Disconnect();
            _batch.RewindToMessageStart();
            _failing = true;
            // The host reports it and retries; every exception it retries on is one of these.
            throw e switch
            {
                SocketException s => new IOException($"{_address}: {s.Message}", s),
                AuthenticationException => new AuthenticationException($"{_address}: {e.Message}", e),
                TimeoutException => new TimeoutException($"{_address}: {e.Message}", e),
                _ => new IOException($"{_address}: {e.Message}", e),
            };
        }
    }

    private void FlushBatch()
    {
        while (true)
        {
            // Only empty lines left: nothing to send, no reason to connect.
            if (_batch.Unsent(1).IsEmpty)
            {
                _batch.MarkSent(0);
                return;
            }
            var connection = _connection ??= SyslogConnection.Open(_address, _tls, _localPaths);
            if (connection.IsDatagram)
            {
                if (!SendDatagrams(connection)) return;
            }
            else
            {
                _batch.MarkSent(connection.Write(_batch.Unsent(WriteChunk)));
            }
        }
    }

    /// <summary>
    /// The next messages as one datagram each, many per system call. A datagram the kernel refused is lost,
    /// counted, and not retried; the next one reconnects. False when the batch is done.
    /// </summary>
    private bool SendDatagrams(SyslogConnection connection)
    {
        Span<int> records = stackalloc int[Datagrams.MaxPerCall];
        Span<int> starts = stackalloc int[Datagrams.MaxPerCall];
        Span<int> lengths = stackalloc int[Datagrams.MaxPerCall];
        int count = _batch.PeekMessages(records, starts, lengths);
        if (count == 0) return false;
        int sent = connection.SendDatagrams(_batch.Bytes, starts[..count], lengths[..count], out int errno);
        if (sent > 0) _batch.DoneThrough(records[sent - 1]);
        if (errno != 0)
        {
            int lost = records[sent];
            _losses.Lost(_batch.StreamOf(lost), _batch.LineLengthOf(lost));
            _datagramsLost++;
            _diagnostics.Report($"syslog: {connection.Description}: a {lengths[sent]}-byte message was dropped ({Libc.ErrorText(errno)}); {_datagramsLost} dropped so far");
            _batch.DoneThrough(lost);
            Disconnect();
        }
        return true;
    }

    private void Disconnect()
    {
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>SIGHUP: reconnect (and re-resolve) before the next batch.</summary>
    public override void Reopen() => Disconnect();

    public override void Dispose() => Disconnect();
}
