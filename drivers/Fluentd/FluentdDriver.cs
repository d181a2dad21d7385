using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net.Security;
using System.Net.Sockets;
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
    /// <summary>Docker's chunk id: 16 bytes in base64.</summary>
    private const int ChunkIdLength = 24;

    private readonly FluentdAddress _address;
    private readonly SocketTarget _target;
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
    /// <summary>The pending batch's chunk id (ASCII), kept across its retries; <see cref="_hasChunk"/> says whether there is one.</summary>
    private readonly byte[] _chunk = new byte[ChunkIdLength];
    private bool _hasChunk;
    /// <summary>Why an ack did not come, made once: the read timeout does not change.</summary>
    private readonly string _noAck, _ackStopped;
    private readonly RawSocket _socket = new();
    private SslStream? _tlsStream;
    private long _connectedAt;
    private int _failures;

    private FluentdDriver(DriverContext context)
    {
        var options = context.Options;
        _address = options.Get(FluentdOptions.Address);
        _target = _address.Transport == FluentdTransport.Unix
            ? SocketTarget.ForPath(_address.Path, _address.ToString())
            : SocketTarget.ForHost(_address.Host, _address.Port, _address.ToString());
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
        _noAck = $"no answer within {_readTimeout.TotalSeconds:0.###}s";
        _ackStopped = $"fluentd's answer stopped for {_readTimeout.TotalSeconds:0.###}s before it was whole";
    }

    public override int PendingCount => _batch.Pending;

    public override TimeSpan FirstRetryDelay => _retryWait;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override bool TryFlush(out DeliveryFailure failure)
    {
        if (_requestAck && !_hasChunk) NewChunkId();
        if (_socket.IsOpen && _reconnectInterval > TimeSpan.Zero && Environment.TickCount64 - _connectedAt > _reconnectInterval.TotalMilliseconds)
            Disconnect();
        if (_socket.IsOpen && !_requestAck && _socket.PeerClosed()) Disconnect();
        bool sent;
        try
        {
            sent = Send(out failure) && (!_requestAck || AwaitAck(out failure));
        }
        catch (Exception e) when (DeliveryFailure.IsRuntimeFailure(e))
        {
            // The runtime's failures: the TLS handshake and stream, a reply that is not an ack.
            failure = DeliveryFailure.From(_target.Destination, Cause(e));
            sent = false;
        }
        if (sent)
        {
            if (_failures > 0) _diagnostics.Report($"fluentd: delivering to {_target.Destination} again");
            _failures = 0;
            _hasChunk = false;
            _batch.Clear();
            return true;
        }
        Disconnect();
        if (++_failures < _maxRetries) return false;
        DropBatch(failure);
        return true;
    }

    /// <summary>[tag, bin(entries), options] with as few writes as the three parts allow; false, with the failure, if one fails.</summary>
    private bool Send(out DeliveryFailure failure)
    {
        var entries = _batch.Bytes;
        _framing.ResetWrittenCount();
        var writer = new MessagePackWriter(_framing);
        writer.WriteArrayHeader(3);
        writer.WriteString(_tag);
        writer.WriteBinHeader(entries.Length);
        writer.Flush();
        int prefix = _framing.WrittenCount;
        writer.WriteMapHeader(_hasChunk ? 2 : 1);
        writer.WriteString("size"u8);
        writer.Write(_batch.Pending);
        if (_hasChunk)
        {
            writer.WriteString("chunk"u8);
            writer.WriteString(_chunk);
        }
        writer.Flush();
        if (!_socket.IsOpen)
        {
            if (!_target.TryConnect(_socket, SocketType.Stream, ConnectTimeout, _writeTimeout, out failure)) return false;
            _connectedAt = Environment.TickCount64;
        }
        // The TLS stream's reads are the handshake's and the acks': fluentd-read-timeout bounds them (writes are
        // bounded by the socket's send timeout, fluentd-write-timeout).
        if (_tls is not null) _tlsStream ??= _tls.Authenticate(_socket, _address.Host, _readTimeout);
        return WriteAll(_framing.WrittenSpan[..prefix], out failure) && WriteAll(entries, out failure)
            && WriteAll(_framing.WrittenSpan[prefix..], out failure);
    }

    private bool WriteAll(ReadOnlySpan<byte> data, out DeliveryFailure failure)
    {
        failure = default;
        if (_tlsStream is not null)
        {
            _tlsStream.Write(data);
            return true;
        }
        while (!data.IsEmpty)
        {
            int sent = _socket.TrySend(data, out int errno);
            if (sent < 0)
            {
                failure = new DeliveryFailure(_target.Destination, "write", errno);
                return false;
            }
            data = data[sent..];
        }
        return true;
    }

    /// <summary>Reads one small map and requires its "ack" to be this batch's chunk id; false, with the failure, if it is not.</summary>
    private bool AwaitAck(out DeliveryFailure failure)
    {
        int filled = 0;
        while (true)
        {
            if (filled == _ackBuffer.Length)
            {
                failure = new DeliveryFailure(_target.Destination, AnswerTooLong);
                return false;
            }
            int errno = RawSocket.ETIMEDOUT;
            int read = _tlsStream is not null ? ReadTls(filled) : _socket.TryReceive(_ackBuffer.AsSpan(filled), _readTimeout, out errno);
            if (read < 0)
            {
                failure = errno == RawSocket.ETIMEDOUT
                    ? new DeliveryFailure(_target.Destination, filled == 0 ? _noAck : _ackStopped)
                    : new DeliveryFailure(_target.Destination, "reading the acknowledgement", errno);
                return false;
            }
            if (read == 0)
            {
                failure = new DeliveryFailure(_target.Destination, "fluentd closed the connection before acknowledging the chunk");
                return false;
            }
            filled += read;
            if (!AckReader.TryRead(_ackBuffer.AsMemory(0, filled), out var ack)) continue;
            var answer = _ackBuffer.AsSpan(0, filled);
            if (ack is not { } range || !answer[range].SequenceEqual(_chunk))
            {
                // A protocol error, not a steady state: its message may allocate.
                string acknowledged = ack is { } r ? Encoding.UTF8.GetString(answer[r]) : "nothing";
                failure = new DeliveryFailure(_target.Destination, $"fluentd acknowledged \"{acknowledged}\", not the chunk sent (\"{Encoding.ASCII.GetString(_chunk)}\")");
                return false;
            }
            failure = default;
            return true;
        }
    }

    private static readonly string AnswerTooLong = $"fluentd's answer exceeds {AckReader.MaxResponse} bytes";

    /// <summary>One read of the TLS stream; -1 when it timed out (the runtime reports that by exception).</summary>
    private int ReadTls(int filled)
    {
        try
        {
            return _tlsStream!.Read(_ackBuffer, filled, _ackBuffer.Length - filled);
        }
        catch (Exception e) when (e is IOException or TimeoutException && Cause(e) is TimeoutException)
        {
            return -1;
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

    private void DropBatch(DeliveryFailure cause)
    {
        int count = _batch.Pending;
        for (int record = 0; record < count; record++) _losses.Lost(_batch.StreamOf(record), _batch.LineLengthOf(record));
        _diagnostics.Report($"fluentd: dropped a batch of {count} lines after {_failures} failed attempts (fluentd-max-retries {_maxRetries}): {cause}");
        _failures = 0;
        _hasChunk = false;
        _batch.Clear();
    }

    private void Disconnect()
    {
        TlsClient.CloseQuietly(_tlsStream);
        _tlsStream = null;
        _socket.Close();
    }

    /// <summary>Docker's chunk id: base64 of the little-endian unix seconds and 8 random bytes.</summary>
    private void NewChunkId()
    {
        Span<byte> id = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(id, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Random.Shared.NextBytes(id[8..]);
        Base64.EncodeToUtf8(id, _chunk, out _, out _);
        _hasChunk = true;
    }

    private static TimeSpan Positive(TimeSpan timeout) => timeout > TimeSpan.Zero ? timeout : DefaultTimeout;

    public override void Reopen() => Disconnect();

    public override void Dispose() => Disconnect();
}
