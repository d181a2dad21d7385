using System.Net.Security;
using System.Net.Sockets;
using ContainerLogger.Native;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// GELF to Graylog or any GELF input. UDP: each message compressed and, when larger than one datagram, chunked;
/// datagrams leave many per system call; a datagram the kernel refuses, or a message too large for 128 chunks, is
/// counted as dropped and reported, never retried. TCP and TLS: NUL-terminated JSON, many messages per write; a
/// failure keeps the batch for the host's retry, paced by gelf-tcp-reconnect-delay. Names are resolved on every
/// TCP connection and at least every 30 s for UDP (an IP literal never changes: its UDP socket stays). Neither a
/// batch, compressed or not, nor a failure allocates (a name's lookup and a TLS handshake aside: the runtime's).
/// </summary>
public sealed class GelfDriver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("gelf", "GELF 1.1 over UDP (chunked, gzip or zlib), TCP or TLS",
        defaultTag: "{{.ID}}", options: GelfOptions.All, create: context => new GelfDriver(context), validate: GelfOptions.Validate, diskBuffer: true);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan UdpResolveInterval = TimeSpan.FromSeconds(30);
    private const int WriteChunk = 64 * 1024;

    private readonly GelfAddress _address;
    private readonly SocketTarget _target;
    private readonly GelfEncoder _encoder;
    /// <summary>UDP only (GELF over TCP is not compressed): zlib's state takes about 200 KiB of private memory.</summary>
    private readonly GelfCompressor? _compressor;
    private readonly TlsClient? _tls;
    private readonly MessageBatch _batch = new();
    private readonly DatagramQueue? _datagrams;
    private readonly Diagnostics _diagnostics;
    private readonly TimeSpan _reconnectDelay;
    private readonly RawSocket _socket = new();
    private SslStream? _tlsStream;
    private long _connectedAt;
    private bool _failing;

    private GelfDriver(DriverContext context)
    {
        var options = context.Options;
        _address = options.Get(GelfOptions.Address)!;
        _target = SocketTarget.ForHost(_address.Host, _address.Port, _address.ToString());
        bool udp = _address.Transport == GelfTransport.Udp;
        _encoder = new GelfEncoder(context.Info, context.Tag, context.Attributes, nulTerminated: !udp);
        if (udp) _compressor = new GelfCompressor(options.Get(GelfOptions.CompressionType), options.Get(GelfOptions.CompressionLevel));
        _diagnostics = context.Diagnostics;
        if (_address.Transport == GelfTransport.Tls) _tls = GelfOptions.LoadTls(options);
        else if (GelfOptions.TlsOptions.Where(options.IsSet).Select(o => o.Name).ToList() is [_, ..] ignored)
            _diagnostics.Always($"gelf: {string.Join(", ", ignored)} ignored: gelf-address is not tls://");
        if (udp) _datagrams = new DatagramQueue(context.Losses, context.Diagnostics);
        _reconnectDelay = udp ? TimeSpan.Zero : TimeSpan.FromSeconds(options.Get(GelfOptions.TcpReconnectDelay));
    }

    public override int PendingCount => _batch.Pending;

    public override TimeSpan FirstRetryDelay => _reconnectDelay;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override bool TryFlush(out DeliveryFailure failure)
    {
        bool flushed;
        try
        {
            flushed = _address.Transport == GelfTransport.Udp ? TrySendDatagrams(out failure) : TryWriteStream(out failure);
        }
        catch (Exception e) when (DeliveryFailure.IsRuntimeFailure(e))
        {
            // The runtime's failures: a TLS handshake or stream.
            failure = DeliveryFailure.From(_target.Destination, e);
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
            _diagnostics.Report($"gelf: delivering to {_target.Destination} again");
        }
        _batch.Clear();
        return true;
    }

    private bool TrySendDatagrams(out DeliveryFailure failure)
    {
        failure = default;
        if (_socket.IsOpen && !_target.IsFixed && Environment.TickCount64 - _connectedAt > UdpResolveInterval.TotalMilliseconds) Disconnect();
        Span<int> records = stackalloc int[Datagrams.MaxPerCall];
        Span<int> starts = stackalloc int[Datagrams.MaxPerCall];
        Span<int> lengths = stackalloc int[Datagrams.MaxPerCall];
        while (true)
        {
            int count = _batch.PeekMessages(records, starts, lengths);
            if (count == 0) return true;
            if (!_socket.IsOpen && !TryConnect(SocketType.Dgram, out failure)) return false;
            for (int i = 0; i < count; i++)
            {
                var payload = _compressor!.Compress(_batch.Bytes.Slice(starts[i], lengths[i]));
                _datagrams!.Add(_socket, payload, records[i], _batch);
            }
            _datagrams!.Send(_socket, _batch);
            _datagrams.ForgetLosses();
            _batch.DoneThrough(records[count - 1]);
        }
    }

    private bool TryWriteStream(out DeliveryFailure failure)
    {
        failure = default;
        if (_socket.IsOpen && _socket.PeerClosed()) Disconnect();
        while (true)
        {
            var unsent = _batch.Unsent(WriteChunk);
            if (unsent.IsEmpty)
            {
                _batch.MarkSent(0);
                return true;
            }
            if (!_socket.IsOpen && !TryConnect(SocketType.Stream, out failure)) return false;
            if (_tls is not null)
            {
                _tlsStream ??= _tls.Authenticate(_socket, _address.Host, SendTimeout);
                _tlsStream.Write(unsent);
                _batch.MarkSent(unsent.Length);
                continue;
            }
            int sent = _socket.TrySend(unsent, out int errno);
            if (sent < 0)
            {
                failure = new DeliveryFailure(_target.Destination, "write", errno);
                return false;
            }
            _batch.MarkSent(sent);
        }
    }

    private bool TryConnect(SocketType type, out DeliveryFailure failure)
    {
        _connectedAt = Environment.TickCount64;
        return _target.TryConnect(_socket, type, ConnectTimeout, SendTimeout, out failure);
    }

    private void Disconnect()
    {
        TlsClient.CloseQuietly(_tlsStream);
        _tlsStream = null;
        _socket.Close();
    }

    /// <summary>SIGHUP: reconnect (and re-resolve) before the next batch.</summary>
    public override void Reopen() => Disconnect();

    public override void Dispose()
    {
        Disconnect();
        _compressor?.Dispose();
    }
}
