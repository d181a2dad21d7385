using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Net;

/// <summary>
/// A blocking, connected socket driven by plain system calls. .NET's Socket starts a process-wide epoll thread
/// on first use even when every call is synchronous; a driver runs on the sender thread and only ever blocks,
/// so that thread would sit idle in each of the 2,000 sidecars on a host. Failures throw
/// <see cref="SocketException"/> (or <see cref="TimeoutException"/>), as .NET's sockets do.
/// </summary>
internal sealed unsafe class RawSocket : IDisposable
{
    private int _fd;

    private RawSocket(int fd, SocketType type)
    {
        _fd = fd;
        Type = type;
    }

    public SocketType Type { get; }

    /// <summary>The descriptor, for calls this class does not wrap (sendmmsg).</summary>
    public int Fd => _fd;

    /// <summary>
    /// Connects to <paramref name="endpoint"/> (an <see cref="IPEndPoint"/> or a <see cref="UnixDomainSocketEndPoint"/>),
    /// waiting at most <paramref name="connectTimeout"/>; sends then block at most <paramref name="sendTimeout"/>.
    /// </summary>
    public static RawSocket Connect(EndPoint endpoint, SocketType type, TimeSpan connectTimeout, TimeSpan sendTimeout)
    {
        var address = endpoint.Serialize();
        // .NET numbers IPv6 23 (as Windows does); Linux's AF_INET6 is 10. AF_INET and AF_UNIX agree.
        int domain = address.Family == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : (int)address.Family;
        int fd = Libc.socket(domain, (type == SocketType.Stream ? Libc.SOCK_STREAM : Libc.SOCK_DGRAM) | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw Failure();
        var socket = new RawSocket(fd, type);
        try
        {
            socket.SetSendTimeout(sendTimeout);
            if (type == SocketType.Stream && endpoint is IPEndPoint) socket.SetOption(Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            socket.ConnectWithin(address, connectTimeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Resolves <paramref name="host"/> again (names change; every connection looks them up) and connects to the
    /// first of its addresses that answers; throws the last failure when none does.
    /// </summary>
    public static RawSocket ConnectToHost(string host, int port, SocketType type, TimeSpan connectTimeout, TimeSpan sendTimeout, out IPEndPoint endpoint)
    {
        Exception? last = null;
        foreach (var ip in HostPort.Resolve(host))
        {
            endpoint = new IPEndPoint(ip, port);
            try
            {
                return Connect(endpoint, type, connectTimeout, sendTimeout);
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>One send(2): returns how many bytes the kernel took, blocking (up to the send timeout) for room.</summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                nint sent = Libc.send(_fd, p, data.Length, Libc.MSG_NOSIGNAL);
                if (sent >= 0) return (int)sent;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                if (errno == Libc.EAGAIN) throw new TimeoutException("the peer stopped reading (send timed out)");
                throw Failure(errno);
            }
        }
    }

    /// <summary>One recv(2), waiting at most <paramref name="timeout"/>; 0 means the peer closed the connection.</summary>
    public int Receive(Span<byte> buffer, TimeSpan timeout)
    {
        if (!WaitFor(Libc.POLLIN, timeout)) throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.###}s");
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint received = Libc.recv(_fd, p, buffer.Length, 0);
                if (received >= 0) return (int)received;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR) throw Failure(errno);
            }
        }
    }

    /// <summary>
    /// For a peer that never talks (syslog, GELF, fluentd without acks): readable with nothing to read means it
    /// closed the connection, and writing there would only lose lines in the kernel's buffer before the reset
    /// arrives. Bytes waiting (a TLS session ticket) read as open; they are peeked, never consumed.
    /// </summary>
    public bool PeerClosed()
    {
        if (!WaitFor(Libc.POLLIN, TimeSpan.Zero)) return false;
        byte probe;
        nint received = Libc.recv(_fd, &probe, 1, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
        return received == 0 || (received < 0 && Marshal.GetLastPInvokeError() != Libc.EAGAIN);
    }

    /// <summary>A stream over this socket, for <see cref="System.Net.Security.SslStream"/>.</summary>
    public Stream AsStream(TimeSpan readTimeout) => new RawSocketStream(this, readTimeout);

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }

    private void ConnectWithin(SocketAddress address, TimeSpan timeout)
    {
        // Non-blocking connect, then poll: a peer that never answers costs the timeout, not the kernel's minutes.
        int flags = Libc.fcntl(_fd, Libc.F_GETFL, 0);
        Libc.fcntl(_fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK);
        Span<byte> raw = stackalloc byte[address.Size];
        address.Buffer.Span[..address.Size].CopyTo(raw);
        fixed (byte* p = raw)
        {
            if (Libc.connect(_fd, p, (uint)raw.Length) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINPROGRESS && errno != Libc.EAGAIN) throw Failure(errno);
                if (!WaitFor(Libc.POLLOUT, timeout)) throw new TimeoutException($"connect timed out after {timeout.TotalSeconds:0.###}s");
                int error = 0;
                uint length = sizeof(int);
                if (Libc.getsockopt(_fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &length) != 0) throw Failure();
                if (error != 0) throw Failure(error);
            }
        }
        Libc.fcntl(_fd, Libc.F_SETFL, flags);
    }

    private bool WaitFor(short events, TimeSpan timeout)
    {
        var poll = new Libc.PollFd { Fd = _fd, Events = events };
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            int ready = Libc.poll(&poll, 1, (int)Math.Max(0, deadline - Environment.TickCount64));
            if (ready > 0) return true;
            if (ready == 0) return false;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR) throw Failure(errno);
        }
    }

    private void SetSendTimeout(TimeSpan timeout)
    {
        long* value = stackalloc long[2]; // struct timeval
        value[0] = (long)timeout.TotalSeconds;
        value[1] = timeout.Milliseconds * 1000L;
        if (Libc.setsockopt(_fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, value, 16) != 0) throw Failure();
    }

    private void SetOption(int level, int name, int value)
    {
        if (Libc.setsockopt(_fd, level, name, &value, sizeof(int)) != 0) throw Failure();
    }

    private static SocketException Failure() => Failure(Marshal.GetLastPInvokeError());

    /// <summary>A SocketException with .NET's error code for the errno, so its message reads as .NET's would.</summary>
    internal static SocketException Failure(int errno) => new((int)(errno switch
    {
        111 => SocketError.ConnectionRefused,
        104 => SocketError.ConnectionReset,
        32 => SocketError.Shutdown,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        101 => SocketError.NetworkUnreachable,
        103 => SocketError.ConnectionAborted,
        99 => SocketError.AddressNotAvailable,
        13 or 1 => SocketError.AccessDenied,
        2 => SocketError.AddressNotAvailable, // a unix socket path that does not exist
        105 => SocketError.NoBufferSpaceAvailable,
        90 => SocketError.MessageSize,
        97 => SocketError.AddressFamilyNotSupported,
        _ => SocketError.SocketError,
    }));
}
