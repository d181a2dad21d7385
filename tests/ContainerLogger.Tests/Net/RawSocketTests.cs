using System.Net;
using System.Net.Sockets;
using System.Text;
using ContainerLogger.Net;

namespace ContainerLogger.Tests.Net;

public class RawSocketTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>A socket connected to <paramref name="endpoint"/>; a failure thrown as the socket's own calls throw it.</summary>
    private static RawSocket Connect(EndPoint endpoint, SocketType type, TimeSpan connectTimeout, TimeSpan sendTimeout)
    {
        var socket = new RawSocket();
        if (socket.TryConnect(RawSocket.SocketAddressBytes(endpoint), type, connectTimeout, sendTimeout, out int errno)) return socket;
        socket.Dispose();
        throw RawSocket.Failure(errno);
    }

    [Test]
    public void SendsAndReceivesOverTcpAndNoticesTheHangUp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var socket = Connect(listener.LocalEndpoint, SocketType.Stream, Second, Second);
        using var peer = listener.AcceptSocket();
        Assert.That(socket.Send("hello"u8), Is.EqualTo(5));
        var received = new byte[16];
        Assert.That(Encoding.ASCII.GetString(received, 0, peer.Receive(received)), Is.EqualTo("hello"));
        Assert.That(socket.PeerClosed(), Is.False);
        peer.Send("ack"u8);
        Assert.That(socket.Receive(received, Second), Is.EqualTo(3));
        peer.Shutdown(SocketShutdown.Both);
        peer.Close();
        Assert.That(() => socket.PeerClosed(), Is.True.After(2000, 20));
    }

    [Test]
    public void ReceiveGivesUpAfterItsTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var socket = Connect(listener.LocalEndpoint, SocketType.Stream, Second, Second);
        Assert.Throws<TimeoutException>(() => socket.Receive(new byte[4], TimeSpan.FromMilliseconds(50)));
    }

    [Test]
    public void ARefusedConnectionIsASocketExceptionWithDotNetsErrorCode()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var e = Assert.Throws<SocketException>(() => Connect(new IPEndPoint(IPAddress.Loopback, port), SocketType.Stream, Second, Second));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
        Assert.That(e.Message, Does.Contain("refused").IgnoreCase);
    }

    [Test]
    public void ConnectsToIPv6AndUnixDatagramSockets()
    {
        using var udp6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        udp6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        using (var socket = Connect(udp6.LocalEndPoint!, SocketType.Dgram, Second, Second)) socket.Send("six"u8);
        var buffer = new byte[8];
        Assert.That(Encoding.ASCII.GetString(buffer, 0, udp6.Receive(buffer)), Is.EqualTo("six"));

        string path = Path.Combine(Path.GetTempPath(), $"rawsocket-{Guid.NewGuid():N}.sock");
        try
        {
            using var unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            unix.Bind(new UnixDomainSocketEndPoint(path));
            using (var socket = Connect(new UnixDomainSocketEndPoint(path), SocketType.Dgram, Second, Second)) socket.Send("unix"u8);
            Assert.That(Encoding.ASCII.GetString(buffer, 0, unix.Receive(buffer)), Is.EqualTo("unix"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>CONTRACT section 7: a name is looked up again for every connection, and each of its addresses tried.</summary>
    [Test]
    public void AHostNameTargetResolvesTheNameAndTriesEachAddressUntilOneAnswers()
    {
        // localhost resolves to ::1 and 127.0.0.1; only the IPv4 one listens, so any ::1 attempt is refused first.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var target = SocketTarget.ForHost("localhost", port, $"tcp://localhost:{port}");
        Assert.That(target.IsFixed, Is.False, "a name is resolved for each connection");
        using var socket = new RawSocket();
        Assert.That(target.TryConnect(socket, SocketType.Stream, Second, Second, out var failure), Is.True, failure.ToString());
        using (var peer = listener.AcceptSocket())
            Assert.That(peer.RemoteEndPoint, Is.TypeOf<IPEndPoint>().With.Property("Address").EqualTo(IPAddress.Loopback), "connected to the address that listens");
        listener.Stop();
        Assert.That(target.TryConnect(socket, SocketType.Stream, Second, Second, out failure), Is.False);
        Assert.That(failure.ToString(), Is.EqualTo($"tcp://localhost:{port}: connect: Connection refused"));
    }
}
