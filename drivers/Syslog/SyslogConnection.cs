using ContainerLogger.Native;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// One open connection to the syslog server: a datagram socket (udp, unixgram, a datagram /dev/log) or a stream
/// (tcp, unix, a stream /dev/log, TLS over tcp). Blocking sockets with send timeouts: the driver runs on the
/// host's sender thread and a dead server must turn into an exception the host retries, never a hang.
/// </summary>
internal sealed class SyslogConnection : IDisposable
{
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Where the local syslog listens, in the order srslog tries them.</summary>
    internal static readonly IReadOnlyList<string> LocalPaths = ["/dev/log", "/var/run/syslog", "/var/run/log"];

    private readonly Socket _socket;
    private readonly SslStream? _tls;

    private SyslogConnection(Socket socket, SslStream? tls, string description)
    {
        _socket = socket;
        _tls = tls;
        Description = description;
    }

    public bool IsDatagram => _socket.SocketType == SocketType.Dgram;

    /// <summary>Where this connection goes, for diagnostics (the local socket that answered, the address it resolved to).</summary>
    public string Description { get; }

    /// <summary>
    /// Opens a connection, resolving the host name again each time. Throws <see cref="SocketException"/>,
    /// <see cref="IOException"/>, <see cref="AuthenticationException"/> or <see cref="TimeoutException"/>.
    /// </summary>
    public static SyslogConnection Open(SyslogAddress address, SyslogTls? tls, IReadOnlyList<string> localPaths)
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

    private static Socket ConnectUnix(string path, SocketType type)
    {
        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            socket.SendTimeout = (int)SendTimeout.TotalMilliseconds;
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SyslogConnection OpenNetwork(SyslogAddress address, SyslogTls? tls)
    {
        IPAddress[] candidates = IPAddress.TryParse(address.Host, out var literal) ? [literal] : Dns.GetHostAddresses(address.Host);
        if (candidates.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        Exception? last = null;
        foreach (var ip in candidates)
        {
            var endpoint = new IPEndPoint(ip, address.Port);
            var description = $"{address.Scheme}://{endpoint}";
            if (address.Transport == SyslogTransport.Udp)
            {
                // Connecting a UDP socket only fixes its peer; refusals show up on later sends.
                var udp = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    udp.Connect(endpoint);
                    return new SyslogConnection(udp, null, description);
                }
                catch (SocketException e)
                {
                    udp.Dispose();
                    last = e;
                    continue;
                }
            }
            Socket socket;
            try
            {
                socket = ConnectTcp(endpoint);
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                last = e;
                continue;
            }
            if (address.Transport == SyslogTransport.Tcp) return new SyslogConnection(socket, null, description);
            return new SyslogConnection(socket, Handshake(socket, address.Host, tls!), description);
        }
        throw last!;
    }

    /// <summary>A blocking connect with a timeout, without ever putting the socket in .NET's async mode (slower sends).</summary>
    private static Socket ConnectTcp(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            socket.SendTimeout = (int)SendTimeout.TotalMilliseconds;
            socket.ReceiveTimeout = (int)SendTimeout.TotalMilliseconds;
            socket.Blocking = false;
            try
            {
                socket.Connect(endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.AlreadyInProgress)
            {
                if (!socket.Poll(ConnectTimeout, SelectMode.SelectWrite))
                    throw new TimeoutException($"connect to {endpoint} timed out after {ConnectTimeout.TotalSeconds:0}s");
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success) throw new SocketException((int)error);
            }
            socket.Blocking = true;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SslStream Handshake(Socket socket, string host, SyslogTls tls)
    {
        string? rejection = null;
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            stream.AuthenticateAsClient(tls.ClientOptions(host, reason => rejection = reason));
            return stream;
        }
        catch (Exception e)
        {
            stream.Dispose();
            socket.Dispose();
            if (rejection is not null) throw new AuthenticationException(rejection, e);
            if (e is AuthenticationException or IOException or SocketException) throw new AuthenticationException($"TLS handshake failed: {Innermost(e)}", e);
            throw;
        }
    }

    private static string Innermost(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException) messages.Add(x.Message);
        return string.Join(": ", messages.Distinct());
    }

    /// <summary>
    /// A syslog server never talks back, so a readable socket with nothing to read means it closed the connection:
    /// writing there would only lose lines in the kernel's buffer before the reset arrives.
    /// </summary>
    public bool PeerClosed()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Writes part of <paramref name="data"/>; returns how much was taken, throws when the connection failed.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (_tls is not null)
        {
            _tls.Write(data);
            return data.Length;
        }
        int sent = _socket.Send(data, SocketFlags.None, out var error);
        if (error != SocketError.Success && sent == 0) throw new SocketException((int)error);
        return sent;
    }

    /// <summary>Datagrams, many per system call (see <see cref="Datagrams.Send"/>); a failure is returned, not thrown, as each is a counted loss.</summary>
    public int SendDatagrams(ReadOnlySpan<byte> buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, out int errno) =>
        Datagrams.Send(_socket.SafeHandle, buffer, starts, lengths, out errno);

    public void Dispose()
    {
        try
        {
            _tls?.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }
}
