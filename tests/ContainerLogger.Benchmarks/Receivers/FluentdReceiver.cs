using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>fluentd forward protocol on 127.0.0.1: counts each event's log and, when asked, acknowledges each chunk.</summary>
internal sealed class FluentdReceiver(bool requestAck) : Receiver
{
    private readonly Socket _listener = Listen();
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    public override string Name => requestAck ? "fluentd (acks)" : "fluentd";
    public override string Driver => "fluentd";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["fluentd-address"] = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}",
        ["fluentd-request-ack"] = requestAck ? "true" : "false",
    };

    private static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return listener;
    }

    public override void Start(ArrivalLedger ledger)
    {
        var accept = new Thread(() =>
        {
            while (!_stopping)
            {
                Socket connection;
                try
                {
                    connection = _listener.Accept();
                }
                catch (SocketException) when (_stopping)
                {
                    return;
                }
                var reader = new Thread(() => Read(connection, ledger)) { IsBackground = true, Name = "fluentd reader" };
                reader.Start();
                lock (_threads) _threads.Add(reader);
            }
        }) { IsBackground = true, Name = "fluentd accept" };
        accept.Start();
        lock (_threads) _threads.Add(accept);
    }

    private static void Read(Socket connection, ArrivalLedger ledger)
    {
        using (connection)
        {
            var buffer = new byte[1 << 20];
            int filled = 0;
            while (true)
            {
                int read = connection.Receive(buffer.AsSpan(filled));
                if (read == 0) return;
                filled += read;
                int consumed = Consume(buffer.AsSpan(0, filled), ledger, chunk => connection.Send(Ack(chunk)));
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }

    /// <summary>Counts every whole message in <paramref name="data"/>, acknowledging chunks; returns the bytes consumed.</summary>
    internal static int Consume(ReadOnlySpan<byte> data, ArrivalLedger ledger, Action<string> acknowledge)
    {
        var messages = new ForwardMessages(data);
        while (messages.Consumed < data.Length && messages.TryRead(ledger, out var chunk))
            if (chunk is not null) acknowledge(chunk);
        return messages.Consumed;
    }

    /// <summary>{"ack": chunk}.</summary>
    internal static byte[] Ack(string chunk) => [0x81, 0xa3, (byte)'a', (byte)'c', (byte)'k', (byte)(0xa0 | chunk.Length), .. System.Text.Encoding.ASCII.GetBytes(chunk)];

    public override void Dispose()
    {
        _stopping = true;
        _listener.Dispose();
        lock (_threads)
            foreach (var thread in _threads) thread.Join(TimeSpan.FromSeconds(5));
    }
}
