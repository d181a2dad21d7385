using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Tests.Memory;

/// <summary>
/// A receiver that allocates nothing per connection or message: one connection at a time, read into one buffer and
/// discarded, and with <c>acknowledge</c> a forward-protocol ack ({"ack": chunk}) for each chunk id seen. The harness's
/// receivers allocate a megabyte per connection, and the collections that causes on the runtime the tests run on blur
/// small counts on other threads (a few bytes now and then); a reconnect's cost is measured against this one instead.
/// </summary>
internal sealed class QuietServer : IDisposable
{
    private static readonly byte[] ChunkKey = [0xa5, .. "chunk"u8, 0xb8];
    private const int ChunkIdLength = 24;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Thread _thread;
    private readonly bool _acknowledge;

    public QuietServer(bool acknowledge)
    {
        _acknowledge = acknowledge;
        _listener.Start(64);
        _thread = new Thread(Serve) { IsBackground = true, Name = "quiet server" };
        _thread.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private int _connections;

    private void Serve()
    {
        var buffer = new byte[256 * 1024];
        var ack = new byte[2 + 3 + 1 + ChunkIdLength];
        while (true)
        {
            Socket connection;
            try
            {
                connection = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            using (connection)
            {
                int filled = 0;
                while (true)
                {
                    int read;
                    try
                    {
                        read = connection.Receive(buffer, filled, buffer.Length - filled, SocketFlags.None);
                    }
                    catch (SocketException)
                    {
                        break;
                    }
                    if (read == 0) break;
                    filled += read;
                    if (!_acknowledge)
                    {
                        filled = 0;
                        continue;
                    }
                    // A batch ends with its options, {size, chunk}: the chunk id is the message's last 24 bytes.
                    int at = buffer.AsSpan(0, filled).LastIndexOf(ChunkKey);
                    if (at < 0 || filled < at + ChunkKey.Length + ChunkIdLength) continue;
                    ack[0] = 0x81;
                    ack[1] = 0xa3;
                    "ack"u8.CopyTo(ack.AsSpan(2));
                    ack[5] = 0xb8;
                    buffer.AsSpan(at + ChunkKey.Length, ChunkIdLength).CopyTo(ack.AsSpan(6));
                    connection.Send(ack);
                    filled = 0;
                }
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _thread.Join(TimeSpan.FromSeconds(10));
    }
}
