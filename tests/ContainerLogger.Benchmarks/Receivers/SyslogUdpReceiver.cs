using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// syslog over udp, rfc5424: one datagram per message into a large socket buffer. Datagrams the kernel drops
/// when this receiver falls behind show up as missing lines, so the figure stays honest.
/// </summary>
internal sealed class SyslogUdpReceiver : Receiver
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private Thread? _reader;
    private volatile bool _stopping;

    public SyslogUdpReceiver()
    {
        _socket.ReceiveBufferSize = 32 << 20; // capped by net.core.rmem_max; the harness reports what was lost
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 200;
    }

    public override string Name => "syslog/udp";
    public override bool Lossless => false;
    public override string Driver => "syslog";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["syslog-address"] = $"udp://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}",
        ["syslog-format"] = "rfc5424",
    };

    public override void Start(ArrivalLedger ledger)
    {
        _reader = new Thread(() => Read(ledger)) { IsBackground = true, Name = "syslog udp reader" };
        _reader.Start();
    }

    private void Read(ArrivalLedger ledger)
    {
        var datagram = new byte[65536];
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
            ledger.Record(LineSequence.FindMessage(datagram.AsSpan(0, read)));
        }
    }

    public override void Dispose()
    {
        _stopping = true;
        _reader?.Join();
        _socket.Dispose();
    }
}
