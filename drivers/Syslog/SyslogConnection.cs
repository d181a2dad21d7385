using ContainerLogger.Native;
using ContainerLogger.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// The connection to the syslog server: a datagram socket (udp, unixgram, a datagram /dev/log) or a stream (tcp,
/// unix, a stream /dev/log, TLS over tcp). Blocking sockets with send timeouts (<see cref="RawSocket"/>): the driver
/// runs on the host's sender thread and a dead server must turn into a failure the host retries, never a hang. One
/// object opens again and again, so a reconnect allocates nothing (a TLS handshake aside).
/// </summary>
internal sealed class SyslogConnection : IDisposable
{
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Where the local syslog listens, in the order srslog tries them.</summary>
    internal static readonly IReadOnlyList<string> LocalPaths = ["/dev/log", "/var/run/syslog", "/var/run/log"];

    /// <summary>One way to the server: a socket of <paramref name="Type"/> to <paramref name="Target"/>.</summary>
    internal readonly record struct Route(SocketTarget Target, SocketType Type);

    private readonly RawSocket _socket = new();
    private SslStream? _tls;

    public bool IsOpen => _socket.IsOpen;

    public bool IsDatagram => _socket.Type == SocketType.Dgram;

    /// <summary>Where the connection goes (went), for diagnostics: the local socket that answered, say.</summary>
    public string Description { get; private set; } = "";

    /// <summary>
    /// The ways to <paramref name="address"/>, tried in turn: the address itself, or for the local syslog each path as
    /// a datagram then a stream socket. Made once, so that connecting again allocates nothing.
    /// </summary>
    public static Route[] Routes(SyslogAddress address, IReadOnlyList<string> localPaths)
    {
        switch (address.Transport)
        {
            case SyslogTransport.Local:
                return [.. localPaths.SelectMany(path => new[]
                {
                    new Route(SocketTarget.ForPath(path, "unixgram://" + path), SocketType.Dgram),
                    new Route(SocketTarget.ForPath(path, "unix://" + path), SocketType.Stream),
                })];
            case SyslogTransport.Unix:
                return [new Route(SocketTarget.ForPath(address.Path, address.ToString()), SocketType.Stream)];
            case SyslogTransport.Unixgram:
                return [new Route(SocketTarget.ForPath(address.Path, address.ToString()), SocketType.Dgram)];
            default:
                // Connecting a UDP socket only fixes its peer; refusals show up on later sends.
                var type = address.Transport == SyslogTransport.Udp ? SocketType.Dgram : SocketType.Stream;
                return [new Route(SocketTarget.ForHost(address.Host, address.Port, address.ToString()), type)];
        }
    }

    /// <summary>
    /// Opens the connection by the first route that answers (a host name is resolved again each time); false, with
    /// the last route's failure, when none does. A TLS handshake that fails throws, as the runtime does
    /// (<see cref="AuthenticationException"/>, <see cref="IOException"/>).
    /// </summary>
    public bool TryOpen(SyslogAddress address, Route[] routes, TlsClient? tls, out DeliveryFailure failure)
    {
        Close();
        failure = default;
        foreach (var route in routes)
        {
            if (!route.Target.TryConnect(_socket, route.Type, ConnectTimeout, SendTimeout, out var attempt))
            {
                // The local routes: a socket that exists but refuses (EACCES, ECONNREFUSED) says more than a path that does not.
                if (failure.Destination is null || failure.Errno == Libc.ENOENT) failure = attempt;
                continue;
            }
            Description = route.Target.Destination;
            if (address.Transport == SyslogTransport.TcpTls) _tls = tls!.Authenticate(_socket, address.Host, SendTimeout);
            return true;
        }
        return false;
    }

    /// <summary>A syslog server never talks back: see <see cref="RawSocket.PeerClosed"/>.</summary>
    public bool PeerClosed() => _socket.PeerClosed();

    /// <summary>
    /// Writes part of <paramref name="data"/>: returns how much was taken, or -1 with the errno when the connection
    /// failed (over TLS the runtime throws instead).
    /// </summary>
    public int TryWrite(ReadOnlySpan<byte> data, out int errno)
    {
        if (_tls is null) return _socket.TrySend(data, out errno);
        _tls.Write(data);
        errno = 0;
        return data.Length;
    }

    /// <summary>Datagrams, many per system call (see <see cref="Datagrams.Send"/>); a failure is returned, not thrown, as each is a counted loss.</summary>
    public int SendDatagrams(ReadOnlySpan<byte> buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, out int errno) =>
        Datagrams.Send(_socket.Fd, buffer, starts, lengths, out errno);

    public void Close()
    {
        TlsClient.CloseQuietly(_tls);
        _tls = null;
        _socket.Close();
    }

    public void Dispose() => Close();
}
