using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>A listener on 127.0.0.1 reading each connection on a thread of its own and counting what arrives.</summary>
internal abstract class StreamReceiver : Receiver
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    protected StreamReceiver()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
    }

    protected int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Counts every whole message in <paramref name="data"/>, answering on <paramref name="connection"/> if the protocol does; returns the bytes consumed.</summary>
    internal abstract int Consume(ReadOnlyMemory<byte> data, ArrivalLedger ledger, Socket? connection);

    public override void Start(ArrivalLedger ledger)
    {
        var accept = new Thread(() => Accept(ledger)) { IsBackground = true, Name = Name + " accept" };
        accept.Start();
        lock (_threads) _threads.Add(accept);
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
            var reader = new Thread(() => Read(connection, ledger)) { IsBackground = true, Name = Name + " reader" };
            reader.Start();
            lock (_threads) _threads.Add(reader);
        }
    }

    private void Read(Socket connection, ArrivalLedger ledger)
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
                int consumed = Consume(buffer.AsMemory(0, filled), ledger, connection);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
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
