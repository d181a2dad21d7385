using System.Runtime.InteropServices;

namespace ContainerLogger.Native;

/// <summary>
/// The few libc calls the host and drivers need: .NET has no poll() over arbitrary inherited fds, and FileStream
/// never opens with O_APPEND nor says how much of a failed write reached the file.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int F_GETFD = 1, F_GETFL = 3, F_SETFL = 4, FD_CLOEXEC = 1, O_ACCMODE = 3;
    public const int SEEK_END = 2;
    public const short POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;
    public const int EINTR = 4, EAGAIN = 11;
    public const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint count);

    // open(2) is variadic; on the Linux ABIs a mode passed as a third argument is read correctly.
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode = 0);

    /// <summary>open(2) of a path made by <see cref="PathBytes"/>: nothing to convert per call.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int rename(byte* from, byte* to);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unlink(byte* path);

    /// <summary>A path as the system calls take it (UTF-8, NUL-terminated), for a path used again and again.</summary>
    public static byte[] PathBytes(string path)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    public const int O_RDWR = 2, O_EXCL = 0x80, O_DIRECTORY = 0x10000;
    public const int LOCK_EX = 2, LOCK_NB = 4;
    public const int EWOULDBLOCK = EAGAIN, ENOENT = 2, EIO = 5, EEXIST = 17, EINVAL = 22, ENOSPC = 28;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pread(int fd, byte* buf, nint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pwrite(int fd, byte* buf, nint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    public const uint SPLICE_F_NONBLOCK = 2;

    /// <summary>Duplicates up to <paramref name="length"/> bytes from the head of one pipe into another without consuming them.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint tee(int fdIn, int fdOut, nuint length, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint splice(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    public const uint S_IFMT = 0xF000, S_IFIFO = 0x1000;

    /// <summary>fsync(2) of a directory, so that files created, renamed or deleted in it survive a crash of the host; 0 or the errno.</summary>
    public static int SyncDirectory(string path)
    {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        int errno = fsync(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();
        close(fd);
        return errno;
    }

    /// <summary>The file type bits of st_mode, from statx(2) (glibc's fstat layout differs by architecture; statx does not).</summary>
    public static bool IsPipe(int fd)
    {
        Span<byte> statx = stackalloc byte[256];
        fixed (byte* p = statx)
            if (Statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, p) != 0) return false;
        ushort mode = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(statx[28..]);
        return (mode & S_IFMT) == S_IFIFO;
    }

    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 1;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>glibc: gives the free memory at the top of each malloc arena (and free pages within them) back to the system.</summary>
    [LibraryImport("libc")]
    public static partial int malloc_trim(nuint pad);

    public const int AF_UNIX = 1, AF_INET6 = 10;
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_ERROR = 4, SO_SNDTIMEO = 21, IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public const int MSG_NOSIGNAL = 0x4000, MSG_DONTWAIT = 0x40, MSG_PEEK = 0x2;
    public const int EINPROGRESS = 115;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, byte* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nint count, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nint count, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    private static readonly string?[] ErrorTexts = new string?[256];

    /// <summary>strerror(3)'s text, made once per error number: a failure that repeats is reported without allocating.</summary>
    public static string ErrorText(int errno)
    {
        if ((uint)errno >= (uint)ErrorTexts.Length) return Marshal.GetPInvokeErrorMessage(errno);
        return ErrorTexts[errno] ??= Marshal.GetPInvokeErrorMessage(errno);
    }
}
