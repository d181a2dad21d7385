using System.Runtime.InteropServices;
using ContainerLogger.Drivers;
using ContainerLogger.Native;

namespace ContainerLogger.Pipeline;

/// <summary>
/// Reads a pipe without taking the bytes out of it: tee(2) copies the head of the input pipe into a private pipe,
/// from which the bytes are read; <see cref="Discard"/> later removes from the input what is safely stored. A
/// sidecar killed in between leaves those bytes in the pipe, which its container init hands to the restart.
/// </summary>
internal sealed unsafe class PipePeek : IDisposable
{
    private const int F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;
    private readonly int _read, _write, _devNull;
    private readonly byte[] _scratch = new byte[16 * 1024];

    private PipePeek(int read, int write, int devNull, int capacity)
    {
        _read = read;
        _write = write;
        _devNull = devNull;
        Capacity = capacity;
    }

    /// <summary>The most one peek sees: the private pipe's capacity.</summary>
    public int Capacity { get; private set; }

    /// <summary>The private pipe and /dev/null; null (inputs are then read plainly) if the system refuses them.</summary>
    public static PipePeek? TryCreate(Diagnostics diagnostics)
    {
        int* fds = stackalloc int[2];
        if (Libc.pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC) != 0)
        {
            diagnostics.Report($"disk buffer: cannot create a pipe to peek inputs with ({Libc.ErrorText(Marshal.GetLastPInvokeError())}); reading them plainly");
            return null;
        }
        int devNull = Libc.open("/dev/null", Libc.O_WRONLY | Libc.O_CLOEXEC);
        int capacity = Libc.fcntl(fds[0], F_GETPIPE_SZ, 0);
        if (devNull < 0 || capacity <= 0)
        {
            Libc.close(fds[0]);
            Libc.close(fds[1]);
            if (devNull >= 0) Libc.close(devNull);
            diagnostics.Report($"disk buffer: cannot {(devNull < 0 ? "open /dev/null" : "size the pipe")} to peek inputs with; reading them plainly");
            return null;
        }
        return new PipePeek(fds[0], fds[1], devNull, capacity);
    }

    /// <summary>
    /// Grows the private pipe to <paramref name="pipe"/>'s size: tee(2) copies at most as many buffers as the private
    /// pipe has, so a larger input pipe (F_SETPIPE_SZ by the runtime) could hold bytes no peek sees, and those a
    /// writer left before it hung up would be taken for the end.
    /// </summary>
    public void FitTo(int pipe)
    {
        int size = Libc.fcntl(pipe, F_GETPIPE_SZ, 0);
        if (size <= Capacity) return;
        int grown = Libc.fcntl(_write, F_SETPIPE_SZ, size);
        if (grown > Capacity) Capacity = grown;
    }

    /// <summary>
    /// Copies into <paramref name="destination"/> what <paramref name="pipe"/> holds after its first <paramref name="held"/>
    /// bytes (those were peeked before), leaving all of it in the pipe. Returns the new bytes copied, 0 when there are
    /// none (or the pipe is at its end), -1 with <paramref name="errno"/> on failure (EAGAIN: nothing in the pipe).
    /// </summary>
    public int Peek(int pipe, long held, Span<byte> destination, out int errno)
    {
        errno = 0;
        long want = Math.Min(held + destination.Length, Capacity);
        nint teed = Libc.tee(pipe, _write, (nuint)want, Libc.SPLICE_F_NONBLOCK);
        if (teed < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }
        long skip = Math.Min(teed, held);
        Drain(skip);
        int fresh = (int)(teed - skip);
        int copied = 0;
        fixed (byte* p = destination)
            while (copied < fresh)
            {
                nint n = Libc.read(_read, p + copied, fresh - copied);
                if (n <= 0) break;
                copied += (int)n;
            }
        Drain(fresh - copied); // the private pipe is left empty for the next peek
        return copied;
    }

    /// <summary>Takes <paramref name="count"/> bytes out of the head of <paramref name="pipe"/> (they were peeked and are stored).</summary>
    public void Discard(int pipe, long count) => Remove(pipe, count);

    private void Drain(long count) => Remove(_read, count);

    private void Remove(int pipe, long count)
    {
        while (count > 0)
        {
            nint n = Libc.splice(pipe, null, _devNull, null, (nuint)count, Libc.SPLICE_F_NONBLOCK);
            if (n <= 0)
            {
                // splice(2) into /dev/null is refused on some kernels: read the bytes out instead.
                fixed (byte* s = _scratch) n = Libc.read(pipe, s, (nint)Math.Min(count, _scratch.Length));
                if (n <= 0) return;
            }
            count -= n;
        }
    }

    public void Dispose()
    {
        Libc.close(_read);
        Libc.close(_write);
        Libc.close(_devNull);
    }
}
