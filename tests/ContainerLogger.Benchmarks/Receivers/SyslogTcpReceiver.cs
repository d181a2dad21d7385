using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>syslog over tcp, rfc5424, newline framed: a listener on 127.0.0.1 that counts each line's message.</summary>
internal sealed class SyslogTcpReceiver : Receiver
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    public SyslogTcpReceiver()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
    }

    public override string Name => "syslog/tcp";
    public override string Driver => "syslog";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["syslog-address"] = $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}",
        ["syslog-format"] = "rfc5424",
        ["syslog-tcp-framing"] = "non-transparent",
    };

    public override void Start(ArrivalLedger ledger)
    {
        var accept = new Thread(() => Accept(ledger)) { IsBackground = true, Name = "syslog accept" };
        accept.Start();
        _threads.Add(accept);
    }

    private void Accept(ArrivalLedger ledger)
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
            var reader = new Thread(() => Read(connection, ledger)) { IsBackground = true, Name = "syslog reader" };
            reader.Start();
            lock (_threads) _threads.Add(reader);
        }
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
                int consumed = RecordFrames(buffer.AsSpan(0, filled), ledger);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }

    /// <summary>Records every complete newline-framed message; returns the bytes consumed.</summary>
    internal static int RecordFrames(ReadOnlySpan<byte> data, ArrivalLedger ledger)
    {
        int consumed = 0;
        while (true)
        {
            int newline = data.Slice(consumed).IndexOf((byte)'\n');
            if (newline < 0) return consumed;
            ledger.Record(LineSequence.FindMessage(data.Slice(consumed, newline)));
            consumed += newline + 1;
        }
    }

    public override void Dispose()
    {
        _stopping = true;
        _listener.Dispose();
        lock (_threads)
            foreach (var thread in _threads) thread.Join(TimeSpan.FromSeconds(5));
    }
}
