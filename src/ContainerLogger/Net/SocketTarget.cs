using System.Net;
using System.Net.Sockets;
using ContainerLogger.Drivers;

namespace ContainerLogger.Net;

/// <summary>
/// Where a driver connects: a host and port, or a unix socket path, named <see cref="Destination"/> in diagnostics.
/// An IP literal or a path becomes its sockaddr once, so connecting to it again, or failing to, allocates nothing; a host
/// name is resolved again for every connection (names change), by the runtime's resolver, which allocates.
/// </summary>
internal sealed class SocketTarget
{
    private readonly byte[]? _address;
    private readonly string? _host;
    private readonly int _port;

    private SocketTarget(string destination, byte[]? address, string? host, int port)
    {
        Destination = destination;
        _address = address;
        _host = host;
        _port = port;
    }

    /// <summary>How diagnostics name the destination (the option's address, say).</summary>
    public string Destination { get; }

    /// <summary>Every connection goes to the same address (an IP literal or a path): there is nothing to resolve again.</summary>
    public bool IsFixed => _address is not null;

    public static SocketTarget ForHost(string host, int port, string destination) => IPAddress.TryParse(host, out var ip)
        ? new SocketTarget(destination, RawSocket.SocketAddressBytes(new IPEndPoint(ip, port)), null, port)
        : new SocketTarget(destination, null, host, port);

    public static SocketTarget ForPath(string path, string destination) =>
        new(destination, RawSocket.SocketAddressBytes(new UnixDomainSocketEndPoint(path)), null, 0);

    /// <summary>
    /// Connects <paramref name="socket"/> (to a name: to the first of its addresses that answers); false, with the
    /// failure, when that fails. Sends then block at most <paramref name="sendTimeout"/>.
    /// </summary>
    public bool TryConnect(RawSocket socket, SocketType type, TimeSpan connectTimeout, TimeSpan sendTimeout, out DeliveryFailure failure)
    {
        failure = default;
        int errno;
        if (_address is not null)
        {
            if (socket.TryConnect(_address, type, connectTimeout, sendTimeout, out errno)) return true;
            failure = new DeliveryFailure(Destination, "connect", errno);
            return false;
        }
        IPAddress[] addresses;
        try
        {
            addresses = HostPort.Resolve(_host!);
        }
        catch (SocketException e)
        {
            failure = DeliveryFailure.From(Destination, e);
            return false;
        }
        errno = 0;
        foreach (var ip in addresses)
            if (socket.TryConnect(RawSocket.SocketAddressBytes(new IPEndPoint(ip, _port)), type, connectTimeout, sendTimeout, out errno)) return true;
        failure = new DeliveryFailure(Destination, "connect", errno);
        return false;
    }
}
