using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Net;

/// <summary>
/// A blocking, connected socket driven by plain system calls. .NET's Socket starts a process-wide epoll thread
/// on first use even when every call is synchronous; a driver runs on the sender thread and only ever blocks,
/// so that thread would sit idle in each of the 2,000 sidecars on a host. A driver keeps one and connects it again
/// and again; the Try methods return failures as an errno (ETIMEDOUT for a timeout), so neither a reconnect nor a
/// destination that stays down costs an object or an exception. The others throw <see cref="SocketException"/> (or
/// <see cref="TimeoutException"/>), as .NET's sockets do, for callers that want exceptions (SslStream, the S3 client's HTTP).
/// </summary>
internal sealed unsafe class RawSocket : IDisposable
{
    public const int ETIMEDOUT = 110;

    private int _fd = -1;

    public SocketType Type { get; private set; }

    public bool IsOpen => _fd >= 0;

    /// <summary>The descriptor, for calls this class does not wrap (sendmmsg).</summary>
    public int Fd => _fd;

    /// <summary>
    /// Connects to the sockaddr <paramref name="address"/> (see <see cref="SocketAddressBytes"/>), closing the connection
    /// this socket had, and waiting at most <paramref name="connectTimeout"/>; sends then block at most
    /// <paramref name="sendTimeout"/>. False, with the errno, when it fails (ETIMEDOUT once the timeout passed).
    /// </summary>
    public bool TryConnect(ReadOnlySpan<byte> address, SocketType type, TimeSpan connectTimeout, TimeSpan sendTimeout, out int errno)
    {
        Close();
        // The family is the sockaddr's first two bytes (little-endian on linux-x64).
        int family = address[0] | address[1] << 8;
        int fd = Libc.socket(family, (type == SocketType.Stream ? Libc.SOCK_STREAM : Libc.SOCK_DGRAM) | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        if (SetSendTimeout(fd, sendTimeout, out errno)
            && (type != SocketType.Stream || family == Libc.AF_UNIX || SetOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1, out errno))
            && ConnectWithin(fd, address, connectTimeout, out errno))
        {
            _fd = fd;
            Type = type;
            return true;
        }
        Libc.close(fd);
        return false;
    }

    /// <summary>The sockaddr of <paramref name="endpoint"/> as connect(2) takes it, with Linux's address family numbers.</summary>
    public static byte[] SocketAddressBytes(EndPoint endpoint)
    {
        var address = endpoint.Serialize();
        var bytes = address.Buffer.Span[..address.Size].ToArray();
        // .NET numbers IPv6 23 (as Windows does); Linux's AF_INET6 is 10. AF_INET and AF_UNIX agree.
        if (address.Family == AddressFamily.InterNetworkV6) bytes[0] = Libc.AF_INET6;
        return bytes;
    }

    /// <summary>One send(2): returns how many bytes the kernel took, blocking (up to the send timeout) for room.</summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        int sent = TrySend(data, out int errno);
        if (sent >= 0) return sent;
        throw errno == ETIMEDOUT ? new TimeoutException("the peer stopped reading (send timed out)") : Failure(errno);
    }

    /// <summary>One send(2): how many bytes the kernel took, or -1 with the errno (ETIMEDOUT: the send timeout passed).</summary>
    public int TrySend(ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                nint sent = Libc.send(_fd, p, data.Length, Libc.MSG_NOSIGNAL);
                if (sent >= 0)
                {
                    errno = 0;
                    return (int)sent;
                }
                errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                if (errno == Libc.EAGAIN) errno = ETIMEDOUT;
                return -1;
            }
        }
    }

    /// <summary>One recv(2), waiting at most <paramref name="timeout"/>; 0 means the peer closed the connection.</summary>
    public int Receive(Span<byte> buffer, TimeSpan timeout)
    {
        int received = TryReceive(buffer, timeout, out int errno);
        if (received >= 0) return received;
        throw errno == ETIMEDOUT ? new TimeoutException($"no answer within {timeout.TotalSeconds:0.###}s") : Failure(errno);
    }

    /// <summary>
    /// One recv(2), waiting at most <paramref name="timeout"/>: the bytes received (0: the peer closed the connection),
    /// or -1 with the errno (ETIMEDOUT: nothing came in time).
    /// </summary>
    public int TryReceive(Span<byte> buffer, TimeSpan timeout, out int errno)
    {
        if (!WaitFor(_fd, Libc.POLLIN, timeout, out errno))
        {
            if (errno == 0) errno = ETIMEDOUT;
            return -1;
        }
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint received = Libc.recv(_fd, p, buffer.Length, 0);
                if (received >= 0) return (int)received;
                errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR) return -1;
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
        if (!WaitFor(_fd, Libc.POLLIN, TimeSpan.Zero, out int errno)) return errno != 0;
        byte probe;
        nint received = Libc.recv(_fd, &probe, 1, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
        return received == 0 || (received < 0 && Marshal.GetLastPInvokeError() != Libc.EAGAIN);
    }

    /// <summary>A stream over this socket, for <see cref="System.Net.Security.SslStream"/>.</summary>
    public Stream AsStream(TimeSpan readTimeout) => new RawSocketStream(this, readTimeout);

    /// <summary>Closes the connection; the socket may connect again.</summary>
    public void Close()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }

    public void Dispose() => Close();

    private static bool ConnectWithin(int fd, ReadOnlySpan<byte> address, TimeSpan timeout, out int errno)
    {
        // Non-blocking connect, then poll: a peer that never answers costs the timeout, not the kernel's minutes.
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0);
        Libc.fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK);
        fixed (byte* p = address)
        {
            if (Libc.connect(fd, p, (uint)address.Length) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINPROGRESS && errno != Libc.EAGAIN) return false;
                if (!WaitFor(fd, Libc.POLLOUT, timeout, out errno))
                {
                    if (errno == 0) errno = ETIMEDOUT;
                    return false;
                }
                int error = 0;
                uint length = sizeof(int);
                if (Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &length) != 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    return false;
                }
                errno = error;
                if (error != 0) return false;
            }
        }
        Libc.fcntl(fd, Libc.F_SETFL, flags);
        errno = 0;
        return true;
    }

    /// <summary>poll(2) for <paramref name="events"/>: false when the timeout passed (errno 0) or poll failed (its errno).</summary>
    private static bool WaitFor(int fd, short events, TimeSpan timeout, out int errno)
    {
        var poll = new Libc.PollFd { Fd = fd, Events = events };
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            int ready = Libc.poll(&poll, 1, (int)Math.Max(0, deadline - Environment.TickCount64));
            errno = 0;
            if (ready > 0) return true;
            if (ready == 0) return false;
            errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR) return false;
        }
    }

    private static bool SetSendTimeout(int fd, TimeSpan timeout, out int errno)
    {
        long* value = stackalloc long[2]; // struct timeval
        value[0] = (long)timeout.TotalSeconds;
        value[1] = timeout.Milliseconds * 1000L;
        return Succeeded(Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, value, 16), out errno);
    }

    private static bool SetOption(int fd, int level, int name, int value, out int errno) =>
        Succeeded(Libc.setsockopt(fd, level, name, &value, sizeof(int)), out errno);

    private static bool Succeeded(int result, out int errno)
    {
        errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        return result == 0;
    }

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
