using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Files;

/// <summary>
/// The live log file, opened as Docker opens it: O_WRONLY|O_APPEND|O_CREAT, mode 0640. Opened with open(2) rather
/// than FileStream because .NET never sets O_APPEND (it writes at its own offset, which leaves a hole after an
/// external copytruncate) and because a plain write(2) says exactly how much reached the file when a write fails.
/// </summary>
internal sealed unsafe class AppendOnlyFile : IDisposable
{
    private const uint Mode0640 = 0x1A0;

    private readonly string _path;
    private int _fd;

    private AppendOnlyFile(string path, int fd, long size)
    {
        _path = path;
        _fd = fd;
        Size = size;
    }

    /// <summary>Bytes in the file: its size when opened plus what this process wrote since.</summary>
    public long Size { get; private set; }

    /// <param name="truncate">Start empty (after a rotation, as Docker does) rather than append to what is there.</param>
    public static AppendOnlyFile Open(string path, bool truncate)
    {
        int flags = Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC | (truncate ? Libc.O_TRUNC : 0);
        int fd = Libc.open(path, flags, Mode0640);
        if (fd < 0) throw Failure("opening", path);
        long size = Libc.lseek(fd, 0, Libc.SEEK_END);
        if (size < 0)
        {
            var error = Failure("opening", path);
            Libc.close(fd);
            throw error;
        }
        return new AppendOnlyFile(path, fd, size);
    }

    /// <summary>One write(2): returns how many bytes it took (at least one), or throws with nothing taken.</summary>
    public int Write(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            while (true)
            {
                nint written = Libc.write(_fd, p, bytes.Length);
                if (written > 0)
                {
                    Size += written;
                    return (int)written;
                }
                if (written < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR) continue;
                throw written == 0 ? new IOException($"writing {_path}: nothing was written") : Failure("writing", _path);
            }
        }
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }

    private static IOException Failure(string what, string path) =>
        new($"{what} {path}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
}
