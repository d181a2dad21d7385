using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// GELF over udp with the given compression: reassembles chunked messages, decompresses gzip (1f 8b) and zlib
/// (78 ..) payloads, and counts each message's short_message. Datagrams the kernel drops while this receiver falls
/// behind show up as missing lines.
/// </summary>
internal sealed class GelfUdpReceiver : Receiver
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly string _compression;
    private readonly Dictionary<ulong, byte[]?[]> _chunks = new();
    private Thread? _reader;
    private volatile bool _stopping;

    public GelfUdpReceiver(string compression)
    {
        _compression = compression;
        _socket.ReceiveBufferSize = 32 << 20; // capped by net.core.rmem_max
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 200;
    }

    public override string Name => $"gelf/udp {_compression}";
    public override bool Lossless => false;
    public override string Driver => "gelf";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["gelf-address"] = $"udp://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}",
        ["gelf-compression-type"] = _compression,
    };

    public override void Start(ArrivalLedger ledger)
    {
        _reader = new Thread(() => Read(ledger)) { IsBackground = true, Name = "gelf udp reader" };
        _reader.Start();
    }

    private void Read(ArrivalLedger ledger)
    {
        var datagram = new byte[65536];
        using var inflater = new ZlibInflater();
        while (!_stopping)
        {
            int read;
            try
            {
                read = _socket.Receive(datagram);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || _stopping)
            {
                continue;
            }
            var payload = Reassemble(datagram.AsSpan(0, read));
            if (payload is not null) ledger.Record(GelfMessages.ShortMessage(Decompress(payload, inflater)));
        }
    }

    /// <summary>The whole payload once every chunk of a message is in; null while chunks are missing.</summary>
    internal byte[]? Reassemble(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 12 || datagram[0] != 0x1e || datagram[1] != 0x0f) return datagram.ToArray();
        ulong id = BitConverter.ToUInt64(datagram[2..10]);
        int sequence = datagram[10], count = datagram[11];
        if (!_chunks.TryGetValue(id, out var parts)) _chunks[id] = parts = new byte[count][];
        if (sequence >= parts.Length) return null;
        parts[sequence] = datagram[12..].ToArray();
        if (parts.Any(p => p is null)) return null;
        _chunks.Remove(id);
        return parts.SelectMany(p => p!).ToArray();
    }

    internal static ReadOnlySpan<byte> Decompress(byte[] payload, ZlibInflater inflater) =>
        payload.Length < 2 || (payload[0] != 0x1f && payload[0] != 0x78) ? payload : inflater.Inflate(payload);

    public override void Dispose()
    {
        _stopping = true;
        _reader?.Join();
        _socket.Dispose();
    }
}

internal static class GelfMessages
{
    /// <summary>The start of a GELF message's short_message value (the sequence prefix is plain ASCII).</summary>
    public static ReadOnlySpan<byte> ShortMessage(ReadOnlySpan<byte> json)
    {
        int at = json.IndexOf("\"short_message\":\""u8);
        return at < 0 ? default : json[(at + 17)..];
    }
}
