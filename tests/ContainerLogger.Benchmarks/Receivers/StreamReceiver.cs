using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>A listener on 127.0.0.1 reading delimited frames from each connection and counting each frame's message.</summary>
internal abstract class StreamReceiver : Receiver
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Thread> _threads = [];
    private readonly byte _delimiter;
    private volatile bool _stopping;

    protected StreamReceiver(byte delimiter)
    {
        _delimiter = delimiter;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
    }

    protected int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>The message inside one frame (without its delimiter), where its sequence prefix starts.</summary>
    protected abstract ReadOnlySpan<byte> Message(ReadOnlySpan<byte> frame);

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
                int consumed = RecordFrames(buffer.AsSpan(0, filled), ledger);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }

    /// <summary>Records every complete frame in <paramref name="data"/>; returns the bytes consumed.</summary>
    internal int RecordFrames(ReadOnlySpan<byte> data, ArrivalLedger ledger)
    {
        int consumed = 0;
        while (true)
        {
            int end = data[consumed..].IndexOf(_delimiter);
            if (end < 0) return consumed;
            ledger.Record(Message(data.Slice(consumed, end)));
            consumed += end + 1;
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
