using System.Buffers;
using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using ContainerLogger.Net;
using MessagePack;

namespace ContainerLogger.Drivers.Fluentd;

/// <summary>
/// The forward protocol to fluentd or Fluent Bit: each batch is one PackedForward message [tag, entries, {size,
/// chunk}]. With fluentd-request-ack the batch stays queued until its chunk id comes back, and a batch sent again
/// keeps its id, so fluentd can drop the duplicate. A failed batch is sent whole on the next connection; after
/// fluentd-max-retries failed attempts in a row it is dropped and counted. Names are resolved on every connection.
/// </summary>
public sealed class FluentdDriver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("fluentd", "fluentd / Fluent Bit forward protocol, batched, with optional acks",
        defaultTag: "{{.ID}}", options: FluentdOptions.All, create: context => new FluentdDriver(context),
        validate: FluentdOptions.Validate, queueBound: FluentdOptions.QueueBound, diskBuffer: true);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly FluentdAddress _address;
    private readonly FluentdEncoder _encoder;
    private readonly MessageBatch _batch = new();
    private readonly byte[] _tag;
    private readonly TlsClient? _tls;
    private readonly bool _requestAck;
    private readonly int _maxRetries;
    private readonly TimeSpan _retryWait, _writeTimeout, _readTimeout, _reconnectInterval;
    private readonly DriverLosses _losses;
    private readonly Diagnostics _diagnostics;
    private readonly byte[] _ackBuffer = new byte[AckReader.MaxResponse];
    /// <summary>The msgpack around the batch's entries: the array header, tag and bin header, then {size, chunk}.</summary>
    private readonly ArrayBufferWriter<byte> _framing = new(256);
    private RawSocket? _socket;
    private SslStream? _tlsStream;
    private long _connectedAt;
    private string? _chunk;
    private int _failures;

    private FluentdDriver(DriverContext context)
    {
        var options = context.Options;
        _address = options.Get(FluentdOptions.Address);
        _encoder = new FluentdEncoder(context.Info, context.Attributes, options.Get(FluentdOptions.SubSecondPrecision));
        _tag = Encoding.UTF8.GetBytes(context.Tag ?? "");
        if (_address.Transport == FluentdTransport.Tls) _tls = FluentdOptions.LoadTls(options);
        _requestAck = options.Get(FluentdOptions.RequestAck);
        _maxRetries = options.Get(FluentdOptions.MaxRetries);
        _retryWait = options.Get(FluentdOptions.RetryWait);
        _writeTimeout = Positive(options.Get(FluentdOptions.WriteTimeout));
        _readTimeout = Positive(options.Get(FluentdOptions.ReadTimeout));
        _reconnectInterval = options.Get(FluentdOptions.AsyncReconnectInterval);
        _losses = context.Losses;
        _diagnostics = context.Diagnostics;
    }

    public override int PendingCount => _batch.Pending;

    public override TimeSpan FirstRetryDelay => _retryWait;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override void Flush()
    {
        if (_requestAck) _chunk ??= NewChunkId();
        try
        {
            if (_socket is not null && _reconnectInterval > TimeSpan.Zero && Environment.TickCount64 - _connectedAt > _reconnectInterval.TotalMilliseconds)
                Disconnect();
            if (_socket is not null && !_requestAck && _socket.PeerClosed()) Disconnect();
            Send();
            if (_requestAck) AwaitAck();
            if (_failures > 0) _diagnostics.Report($"fluentd: delivering to {_address} again");
            _failures = 0;
            _chunk = null;
            _batch.Clear();
        }
        catch (Exception failure) when (failure is SocketException or IOException or AuthenticationException or TimeoutException or ObjectDisposedException)
        {
            var e = Cause(failure);
            Disconnect();
            if (++_failures >= _maxRetries)
            {
                DropBatch(e);
                return;
            }
            throw e switch
            {
                AuthenticationException => new AuthenticationException($"{_address}: {e.Message}", e),
                TimeoutException => new TimeoutException($"{_address}: {e.Message}", e),
                _ => new IOException($"{_address}: {e.Message}", e),
            };
        }
    }

    /// <summary>[tag, bin(entries), options] with as few writes as the three parts allow.</summary>
    private void Send()
    {
        var entries = _batch.Bytes;
        _framing.ResetWrittenCount();
        var writer = new MessagePackWriter(_framing);
        writer.WriteArrayHeader(3);
        writer.WriteString(_tag);
        writer.WriteBinHeader(entries.Length);
        writer.Flush();
        int prefix = _framing.WrittenCount;
        writer.WriteMapHeader(_chunk is null ? 1 : 2);
        writer.WriteString("size"u8);
        writer.Write(_batch.Pending);
        if (_chunk is not null)
        {
            writer.WriteString("chunk"u8);
            writer.Write(_chunk);
        }
        writer.Flush();
        var socket = _socket ??= Connect();
        // The TLS stream's reads are the handshake's and the acks': fluentd-read-timeout bounds them (writes are
        // bounded by the socket's send timeout, fluentd-write-timeout).
        if (_tls is not null) _tlsStream ??= _tls.Authenticate(socket, _address.Host, _readTimeout);
        WriteAll(_framing.WrittenSpan[..prefix]);
        WriteAll(entries);
        WriteAll(_framing.WrittenSpan[prefix..]);
    }

    private void WriteAll(ReadOnlySpan<byte> data)
    {
        if (_tlsStream is not null)
        {
            _tlsStream.Write(data);
            return;
        }
        while (!data.IsEmpty) data = data[_socket!.Send(data)..];
    }

    /// <summary>Reads one small map and requires its "ack" to be this batch's chunk id.</summary>
    private void AwaitAck()
    {
        int filled = 0;
        while (true)
        {
            if (filled == _ackBuffer.Length) throw new IOException($"fluentd's answer exceeds {AckReader.MaxResponse} bytes");
            int read;
            try
            {
                read = _tlsStream is not null ? _tlsStream.Read(_ackBuffer, filled, _ackBuffer.Length - filled) : _socket!.Receive(_ackBuffer.AsSpan(filled), _readTimeout);
            }
            catch (Exception e) when (filled > 0 && Cause(e) is TimeoutException)
            {
                throw new TimeoutException($"fluentd's answer stopped after {filled} bytes for {_readTimeout.TotalSeconds:0.###}s", e);
            }
            if (read == 0) throw new IOException("fluentd closed the connection before acknowledging the chunk");
            filled += read;
            if (!AckReader.TryRead(_ackBuffer.AsMemory(0, filled), out var ack)) continue;
            if (ack != _chunk) throw new IOException($"fluentd acknowledged \"{ack}\", not the chunk sent (\"{_chunk}\")");
            return;
        }
    }

    /// <summary>
    /// SslStream wraps the socket's own failure in an IOException whose text, in a trimmed build, is a resource key
    /// ("net_io_read"): the inner timeout or socket error says what happened.
    /// </summary>
    private static Exception Cause(Exception e)
    {
        while (e is IOException { InnerException: (IOException or SocketException or TimeoutException) and var inner }) e = inner;
        return e;
    }

    private void DropBatch(Exception cause)
    {
        int count = _batch.Pending;
        for (int record = 0; record < count; record++) _losses.Lost(_batch.StreamOf(record), _batch.LineLengthOf(record));
        _diagnostics.Report($"fluentd: dropped a batch of {count} lines after {_failures} failed attempts (fluentd-max-retries {_maxRetries}): {cause.Message}");
        _failures = 0;
        _chunk = null;
        _batch.Clear();
    }

    private RawSocket Connect()
    {
        if (_address.Transport == FluentdTransport.Unix)
            return Connected(RawSocket.Connect(new UnixDomainSocketEndPoint(_address.Path), SocketType.Stream, ConnectTimeout, _writeTimeout));
        return Connected(RawSocket.ConnectToHost(_address.Host, _address.Port, SocketType.Stream, ConnectTimeout, _writeTimeout, out _));
    }

    private RawSocket Connected(RawSocket socket)
    {
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

    /// <summary>Docker's chunk id: base64 of the little-endian unix seconds and 8 random bytes.</summary>
    private static string NewChunkId()
    {
        Span<byte> id = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(id, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Random.Shared.NextBytes(id[8..]);
        return Convert.ToBase64String(id);
    }

    private static TimeSpan Positive(TimeSpan timeout) => timeout > TimeSpan.Zero ? timeout : DefaultTimeout;

    public override void Reopen() => Disconnect();

    public override void Dispose() => Disconnect();
}
