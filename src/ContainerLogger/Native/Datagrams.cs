using System.Runtime.InteropServices;

namespace ContainerLogger.Native;

/// <summary>
/// Many datagrams per system call with sendmmsg(2): one send(2) per message made the kernel crossing, not the
/// encoding, the cost of a UDP driver. The socket must be connected (no per-message address).
/// </summary>
internal static unsafe partial class Datagrams
{
    /// <summary>Messages handed to one sendmmsg call.</summary>
    public const int MaxPerCall = 64;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a msghdr (padded to 56 bytes) then the length sent, padded to 64.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint SentLength;
    }

    /// <summary>
    /// Sends the messages at <paramref name="starts"/>/<paramref name="lengths"/> in <paramref name="buffer"/>, one
    /// datagram each, in order, blocking while the socket buffer is full. Returns how many were sent before the first
    /// failure; <paramref name="errno"/> is that failure's error (the message at the returned index), or 0.
    /// </summary>
    public static int Send(int fd, ReadOnlySpan<byte> buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, out int errno)
    {
        int count = Math.Min(Math.Min(starts.Length, lengths.Length), MaxPerCall);
        var vectors = stackalloc IoVec[count];
        var headers = stackalloc MMsgHdr[count];
        fixed (byte* bytes = buffer)
        {
            for (int i = 0; i < count; i++)
            {
                vectors[i] = new IoVec { Base = bytes + starts[i], Length = (nuint)lengths[i] };
                headers[i] = new MMsgHdr { Header = new MsgHdr { Iov = vectors + i, IovLength = 1 } };
            }
            int done = 0;
            while (done < count)
            {
                int sent = sendmmsg(fd, headers + done, (uint)(count - done), 0);
                if (sent < 0)
                {
                    int error = Marshal.GetLastPInvokeError();
                    if (error == Libc.EINTR) continue;
                    errno = error;
                    return done;
                }
                done += sent;
            }
            errno = 0;
            return done;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);
}
