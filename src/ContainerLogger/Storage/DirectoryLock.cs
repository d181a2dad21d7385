using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Storage;

/// <summary>
/// Claims a directory for this process: an exclusive flock(2) on its "lock" file, held until disposed. The kernel
/// drops it when the process dies however it dies (kill -9 included), so a restart can claim it again at once,
/// while a second sidecar pointed at the same directory is refused instead of corrupting the first one's files.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    private const uint Mode0600 = 0x180;
    private int _fd;

    private DirectoryLock(int fd) => _fd = fd;

    /// <summary>Takes the lock, or returns null with <paramref name="error"/> saying why (held by another process, or an I/O error).</summary>
    public static DirectoryLock? TryAcquire(string directory, out string? error, out bool heldByAnother)
    {
        heldByAnother = false;
        string path = Path.Combine(directory, "lock");
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, Mode0600);
        if (fd < 0)
        {
            error = $"cannot open {path}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}";
            return null;
        }
        if (Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.close(fd);
            heldByAnother = errno == Libc.EWOULDBLOCK;
            error = heldByAnother
                ? $"{directory} is in use by another containerlogger (its lock file {path} is held); give each sidecar its own directory"
                : $"cannot lock {path}: {Libc.ErrorText(errno)}";
            return null;
        }
        error = null;
        return new DirectoryLock(fd);
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }
}
