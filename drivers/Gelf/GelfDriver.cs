using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using ContainerLogger.Native;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// GELF to Graylog or any GELF input. UDP: each message compressed and, when larger than one datagram, chunked;
/// datagrams leave many per system call; a datagram the kernel refuses, or a message too large for 128 chunks, is
/// counted as dropped and reported, never retried. TCP and TLS: NUL-terminated JSON, many messages per write; a
/// failure keeps the batch for the host's retry, paced by gelf-tcp-reconnect-delay. Names are resolved on every
/// TCP connection and at least every 30 s for UDP.
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
    private readonly GelfEncoder _encoder;
    private readonly GelfCompressor _compressor;
    private readonly TlsClient? _tls;
    private readonly MessageBatch _batch = new();
    private readonly DatagramQueue _datagrams;
    private readonly Diagnostics _diagnostics;
    private readonly TimeSpan _reconnectDelay;
    private RawSocket? _socket;
    private SslStream? _tlsStream;
    private long _connectedAt;
    private bool _failing;

    private GelfDriver(DriverContext context)
    {
        var options = context.Options;
        _address = options.Get(GelfOptions.Address)!;
        bool udp = _address.Transport == GelfTransport.Udp;
        _encoder = new GelfEncoder(context.Info, context.Tag, context.Attributes, nulTerminated: !udp);
        _compressor = new GelfCompressor(options.Get(GelfOptions.CompressionType), options.Get(GelfOptions.CompressionLevel));
        _diagnostics = context.Diagnostics;
        if (_address.Transport == GelfTransport.Tls) _tls = GelfOptions.LoadTls(options);
        else if (GelfOptions.TlsOptions.Where(options.IsSet).Select(o => o.Name).ToList() is [_, ..] ignored)
            _diagnostics.Always($"gelf: {string.Join(", ", ignored)} ignored: gelf-address is not tls://");
        _datagrams = new DatagramQueue(context.Losses, context.Diagnostics);
        _reconnectDelay = udp ? TimeSpan.Zero : TimeSpan.FromSeconds(options.Get(GelfOptions.TcpReconnectDelay));
    }

    public override int PendingCount => _batch.Pending;

    public override TimeSpan FirstRetryDelay => _reconnectDelay;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override void Flush()
    {
        try
        {
            if (_address.Transport == GelfTransport.Udp) SendDatagrams();
            else WriteStream();
            if (_failing)
            {
                _failing = false;
                _diagnostics.Report($"gelf: delivering to {_address} again");
            }
            _batch.Clear();
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or TimeoutException or ObjectDisposedException)
        {
            Disconnect();
            _batch.RewindToMessageStart();
            _failing = true;
            throw e switch
            {
                AuthenticationException => new AuthenticationException($"{_address}: {e.Message}", e),
                TimeoutException => new TimeoutException($"{_address}: {e.Message}", e),
                _ => new IOException($"{_address}: {e.Message}", e),
            };
        }
    }

    private void SendDatagrams()
    {
        if (_socket is not null && Environment.TickCount64 - _connectedAt > UdpResolveInterval.TotalMilliseconds) Disconnect();
        Span<int> records = stackalloc int[Datagrams.MaxPerCall];
        Span<int> starts = stackalloc int[Datagrams.MaxPerCall];
        Span<int> lengths = stackalloc int[Datagrams.MaxPerCall];
        while (true)
        {
            int count = _batch.PeekMessages(records, starts, lengths);
            if (count == 0) return;
            var socket = _socket ??= Connect(SocketType.Dgram);
            for (int i = 0; i < count; i++)
            {
                var payload = _compressor.Compress(_batch.Bytes.Slice(starts[i], lengths[i]));
                _datagrams.Add(socket, payload, records[i], _batch);
            }
            _datagrams.Send(socket, _batch);
            _datagrams.ForgetLosses();
            _batch.DoneThrough(records[count - 1]);
        }
    }

    private void WriteStream()
    {
        if (_socket is not null && _socket.PeerClosed()) Disconnect();
        while (true)
        {
            var unsent = _batch.Unsent(WriteChunk);
            if (unsent.IsEmpty)
            {
                _batch.MarkSent(0);
                return;
            }
            var socket = _socket ??= Connect(SocketType.Stream);
            if (_tls is not null)
            {
                _tlsStream ??= _tls.Authenticate(socket, _address.Host, SendTimeout);
                _tlsStream.Write(unsent);
                _batch.MarkSent(unsent.Length);
            }
            else _batch.MarkSent(socket.Send(unsent));
        }
    }

    private RawSocket Connect(SocketType type)
    {
        var socket = RawSocket.ConnectToHost(_address.Host, _address.Port, type, ConnectTimeout, SendTimeout, out _);
        _connectedAt = Environment.TickCount64;
        return socket;
    }

    private void Disconnect()
    {
        TlsClient.CloseQuietly(_tlsStream);
        _tlsStream = null;
        _socket?.Dispose();
        _socket = null;
    }

    /// <summary>SIGHUP: reconnect (and re-resolve) before the next batch.</summary>
    public override void Reopen() => Disconnect();

    public override void Dispose()
    {
        Disconnect();
        _compressor.Dispose();
    }
}
