using ContainerLogger.Native;
using ContainerLogger.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// One open connection to the syslog server: a datagram socket (udp, unixgram, a datagram /dev/log) or a stream
/// (tcp, unix, a stream /dev/log, TLS over tcp). Blocking sockets with send timeouts (<see cref="RawSocket"/>): the
/// driver runs on the host's sender thread and a dead server must turn into an exception the host retries, never a hang.
/// </summary>
internal sealed class SyslogConnection : IDisposable
{
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Where the local syslog listens, in the order srslog tries them.</summary>
    internal static readonly IReadOnlyList<string> LocalPaths = ["/dev/log", "/var/run/syslog", "/var/run/log"];

    private readonly RawSocket _socket;
    private readonly SslStream? _tls;

    private SyslogConnection(RawSocket socket, SslStream? tls, string description)
    {
        _socket = socket;
        _tls = tls;
        Description = description;
    }

    public bool IsDatagram => _socket.Type == SocketType.Dgram;

    /// <summary>Where this connection goes, for diagnostics (the local socket that answered, the address it resolved to).</summary>
    public string Description { get; }

    /// <summary>
    /// Opens a connection, resolving the host name again each time. Throws <see cref="SocketException"/>,
    /// <see cref="IOException"/>, <see cref="AuthenticationException"/> or <see cref="TimeoutException"/>.
    /// </summary>
    public static SyslogConnection Open(SyslogAddress address, TlsClient? tls, IReadOnlyList<string> localPaths)
    {
        switch (address.Transport)
        {
            case SyslogTransport.Local:
                return OpenLocal(localPaths);
            case SyslogTransport.Unix:
            case SyslogTransport.Unixgram:
            {
                var type = address.Transport == SyslogTransport.Unix ? SocketType.Stream : SocketType.Dgram;
                return new SyslogConnection(ConnectUnix(address.Path, type), null, address.ToString());
            }
            default:
                return OpenNetwork(address, tls);
        }
    }

    private static SyslogConnection OpenLocal(IReadOnlyList<string> paths)
    {
        var failures = new List<string>();
        foreach (var path in paths)
        foreach (var type in new[] { SocketType.Dgram, SocketType.Stream })
        {
            try
            {
                return new SyslogConnection(ConnectUnix(path, type), null, $"{(type == SocketType.Dgram ? "unixgram" : "unix")}://{path}");
            }
            catch (SocketException e)
            {
                if (type == SocketType.Stream) failures.Add($"{path}: {e.Message}");
            }
        }
        throw new IOException($"Unix syslog delivery error: no local syslog socket ({string.Join("; ", failures)})");
    }

    private static RawSocket ConnectUnix(string path, SocketType type) =>
        RawSocket.Connect(new UnixDomainSocketEndPoint(path), type, ConnectTimeout, SendTimeout);

    private static SyslogConnection OpenNetwork(SyslogAddress address, TlsClient? tls)
    {
        // Connecting a UDP socket only fixes its peer; refusals show up on later sends.
        var type = address.Transport == SyslogTransport.Udp ? SocketType.Dgram : SocketType.Stream;
        var socket = RawSocket.ConnectToHost(address.Host, address.Port, type, ConnectTimeout, SendTimeout, out var endpoint);
        string description = $"{address.Scheme}://{endpoint}";
        var session = address.Transport == SyslogTransport.TcpTls ? tls!.Authenticate(socket, address.Host, SendTimeout) : null;
        return new SyslogConnection(socket, session, description);
    }

    /// <summary>A syslog server never talks back: see <see cref="RawSocket.PeerClosed"/>.</summary>
    public bool PeerClosed() => _socket.PeerClosed();

    /// <summary>Writes part of <paramref name="data"/>; returns how much was taken, throws when the connection failed.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (_tls is not null)
        {
            _tls.Write(data);
            return data.Length;
        }
        return _socket.Send(data);
    }

    /// <summary>Datagrams, many per system call (see <see cref="Datagrams.Send"/>); a failure is returned, not thrown, as each is a counted loss.</summary>
    public int SendDatagrams(ReadOnlySpan<byte> buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, out int errno) =>
        Datagrams.Send(_socket.Fd, buffer, starts, lengths, out errno);

    public void Dispose()
    {
        TlsClient.CloseQuietly(_tls);
        _socket.Dispose();
    }
}
