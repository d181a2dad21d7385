using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Files;

/// <summary>
/// The live log file, opened as Docker opens it: O_WRONLY|O_APPEND|O_CREAT, mode 0640. Opened with open(2) rather
/// than FileStream because .NET never sets O_APPEND (it writes at its own offset, which leaves a hole after an
/// external copytruncate) and because a plain write(2) says exactly how much reached the file when a write fails.
/// One object serves every file at its path (reopened after each rotation), and failures come back as an errno:
/// neither a rotation nor a failed write allocates.
/// </summary>
internal sealed unsafe class AppendOnlyFile : IDisposable
{
    private const uint Mode0640 = 0x1A0;

    private readonly byte[] _path;
    private int _fd = -1;

    public AppendOnlyFile(string path)
    {
        Path = path;
        _path = Libc.PathBytes(path);
    }

    public string Path { get; }

    public bool IsOpen => _fd >= 0;

    /// <summary>Bytes in the file: its size when opened plus what this process wrote since.</summary>
    public long Size { get; private set; }

    /// <summary>Opens the file at the path (closing the one open); false, with the errno, when that fails.</summary>
    /// <param name="truncate">Start empty (after a rotation, as Docker does) rather than append to what is there.</param>
    public bool TryOpen(bool truncate, out int errno)
    {
        Close();
        int flags = Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC | (truncate ? Libc.O_TRUNC : 0);
        int fd;
        fixed (byte* path = _path) fd = Libc.open(path, flags, Mode0640);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        long size = Libc.lseek(fd, 0, Libc.SEEK_END);
        if (size < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Libc.close(fd);
            return false;
        }
        _fd = fd;
        Size = size;
        errno = 0;
        return true;
    }

    /// <summary>One write(2): the bytes it took (at least one), or -1 with the errno, nothing taken.</summary>
    public int TryWrite(ReadOnlySpan<byte> bytes, out int errno)
    {
        fixed (byte* p = bytes)
        {
            while (true)
            {
                nint written = Libc.write(_fd, p, bytes.Length);
                errno = 0;
                if (written > 0)
                {
                    Size += written;
                    return (int)written;
                }
                errno = written == 0 ? Libc.EIO : Marshal.GetLastPInvokeError(); // nothing written is no progress either
                if (errno != Libc.EINTR) return -1;
            }
        }
    }

    /// <summary>unlink(2) of the path (the file open stays open); false, with the errno, when that fails, a missing file included.</summary>
    public bool TryDelete(out int errno)
    {
        int result;
        fixed (byte* path = _path) result = Libc.unlink(path);
        errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        return result == 0;
    }

    public void Close()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }

    public void Dispose() => Close();
}
