using ContainerLogger.Config;
using ContainerLogger.Net;
using ContainerLogger.Native;
using System.Net.Sockets;

namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// Docker's syslog driver (docker-logdrivers.md section 8) with CONTRACT.md section 8's changes. Records are
/// encoded into one buffer while the host holds its lock (CPU only). Flush connects when needed, then writes the
/// buffer in large pieces (tcp, unix, tls) or one datagram per message (udp, unixgram). A connection failure
/// keeps the batch for the host's retry; a refused datagram is counted as lost and never retried. Neither a batch
/// nor a failure allocates (a host name's lookup and a TLS handshake aside, which are the runtime's).
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
    private readonly string _destination;
    private readonly SyslogConnection.Route[] _routes;
    /// <summary>What a failure to reach the local syslog says (made once).</summary>
    private readonly string? _noLocalSocket;
    private readonly SyslogEncoder _encoder;
    private readonly MessageBatch _batch = new();
    private readonly DriverLosses _losses;
    private readonly Diagnostics _diagnostics;
    private readonly SyslogConnection _connection = new();
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
        _destination = _address.ToString();
        _routes = SyslogConnection.Routes(_address, localPaths);
        if (_address.Transport == SyslogTransport.Local) _noLocalSocket = $"no local syslog socket at {string.Join(", ", localPaths)}";
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
            Environment.ProcessId, zone, datagrams: _address.IsDatagram, joinedLines: MultilineOptions.Enabled(options));
    }

    public override int PendingCount => _batch.Pending;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override bool TryFlush(out DeliveryFailure failure)
    {
        bool flushed;
        try
        {
            if (_connection.IsOpen && !_connection.IsDatagram && _connection.PeerClosed()) Disconnect();
            flushed = TryFlushBatch(out failure);
        }
        catch (Exception e) when (DeliveryFailure.IsRuntimeFailure(e))
        {
            // The runtime's failures: a TLS handshake or stream, a name lookup.
            failure = DeliveryFailure.From(_destination, e);
            flushed = false;
        }
        if (!flushed)
        {
            Disconnect();
            _batch.RewindToMessageStart();
            _failing = true;
            return false;
        }
        if (_failing)
        {
            _failing = false;
            _diagnostics.Report($"syslog: delivering to {(_connection.IsOpen ? _connection.Description : _destination)} again");
        }
        _batch.Clear();
        return true;
    }

    private bool TryFlushBatch(out DeliveryFailure failure)
    {
        failure = default;
        while (true)
        {
            // Only empty lines left: nothing to send, no reason to connect.
            if (_batch.Unsent(1).IsEmpty)
            {
                _batch.MarkSent(0);
                return true;
            }
            if (!_connection.IsOpen && !_connection.TryOpen(_address, _routes, _tls, out failure))
            {
                if (_noLocalSocket is not null) failure = new DeliveryFailure(_destination, _noLocalSocket, failure.Errno);
                return false;
            }
            if (_connection.IsDatagram)
            {
                if (!SendDatagrams(_connection)) return true;
                continue;
            }
            int written = _connection.TryWrite(_batch.Unsent(WriteChunk), out int errno);
            if (written < 0)
            {
                failure = new DeliveryFailure(_connection.Description, "write", errno);
                return false;
            }
            _batch.MarkSent(written);
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

    private void Disconnect() => _connection.Close();

    /// <summary>SIGHUP: reconnect (and re-resolve) before the next batch.</summary>
    public override void Reopen() => Disconnect();

    public override void Dispose() => Disconnect();
}
