using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// A listener on 127.0.0.1 reading each connection on a thread of its own and counting what arrives. It can go
/// down (stop listening, drop its connections) and come up again on the same port, as a restarted receiver does.
/// </summary>
internal abstract class StreamReceiver : Receiver
{
    private readonly object _gate = new();
    private readonly List<Thread> _threads = [];
    private readonly List<Socket> _connections = [];
    private Socket _listener;
    private ArrivalLedger? _ledger;
    private volatile bool _stopping;

    protected StreamReceiver()
    {
        _listener = Listen(0);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    protected int Port { get; }

    /// <summary>Counts every whole message in <paramref name="data"/>, answering on <paramref name="connection"/> if the protocol does; returns the bytes consumed.</summary>
    internal abstract int Consume(ReadOnlyMemory<byte> data, ArrivalLedger ledger, Socket? connection);

    private static Socket Listen(int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(16);
        return listener;
    }

    public override void Start(ArrivalLedger ledger)
    {
        _ledger = ledger;
        StartAccepting(_listener);
    }

    /// <summary>Stops listening and closes every connection: the logger's next attempts are refused.</summary>
    public void GoDown()
    {
        lock (_gate)
        {
            _listener.Dispose();
            foreach (var connection in _connections) connection.Dispose();
            _connections.Clear();
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public void GoUp()
    {
        lock (_gate)
        {
            _listener = Listen(Port);
            StartAccepting(_listener);
        }
    }

    private void StartAccepting(Socket listener)
    {
        var accept = new Thread(() => Accept(listener)) { IsBackground = true, Name = Name + " accept" };
        accept.Start();
        lock (_gate) _threads.Add(accept);
    }

    private void Accept(Socket listener)
    {
        while (!_stopping)
        {
            Socket connection;
            try
            {
                connection = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // stopped, or gone down
            }
            var reader = new Thread(() => Read(connection, _ledger!)) { IsBackground = true, Name = Name + " reader" };
            lock (_gate)
            {
                _connections.Add(connection);
                _threads.Add(reader);
            }
            reader.Start();
        }
    }

    private void Read(Socket connection, ArrivalLedger ledger)
    {
        try
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
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone down: the connection was closed under this thread.
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(connection);
                _threads.Remove(Thread.CurrentThread);
            }
            connection.Dispose();
        }
    }

    public override void Dispose()
    {
        _stopping = true;
        GoDown();
        List<Thread> threads;
        lock (_gate) threads = [.. _threads];
        foreach (var thread in threads) thread.Join(TimeSpan.FromSeconds(5));
    }
}
