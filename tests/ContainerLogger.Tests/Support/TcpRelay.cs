using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Tests.Support;

/// <summary>
/// A receiver that is down until <see cref="Up"/>: its port is bound from the start but not listening, so connections
/// are refused and no other process (nor a connect(2) that picks it as its own port) can take it. Once up, each
/// connection is relayed byte for byte, both ways, to the real receiver behind it.
/// </summary>
internal sealed class TcpRelay : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();

    public TcpRelay(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Up()
    {
        _listener.Listen(16);
        _ = Task.Run(AcceptAll);
    }

    private async Task AcceptAll()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await upstream.ConnectAsync(_target);
            lock (_sockets) _sockets.AddRange([client, upstream]);
            _ = Pump(client, upstream);
            _ = Pump(upstream, client);
        }
    }

    /// <summary>Copies one direction until its end, then passes the end on.</summary>
    private static async Task Pump(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) break;
                for (int sent = 0; sent < n;) sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The other side went away (a sidecar killed with SIGKILL): nothing more to pass on.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
            foreach (var socket in _sockets) socket.Dispose();
    }
}
