using System.Globalization;
using ContainerLogger.Native;

namespace ContainerLogger.Pipeline;

/// <summary>Where a stream comes from: an inherited descriptor (fd:N), a path (tee device, FIFO), or none.</summary>
internal sealed record InputSource(string Text, int? Fd, string? Path)
{
    public static readonly InputSource None = new("none", null, null);

    public bool IsNone => Fd is null && Path is null;

    /// <summary>Parses fd:N, none, or a path; null with <paramref name="error"/> when the text is bad.</summary>
    public static InputSource? Parse(string text, out string? error)
    {
        error = null;
        if (text == "none") return None;
        if (text.StartsWith("fd:", StringComparison.Ordinal))
        {
            if (int.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int fd)) return new(text, fd, null);
            error = $"input \"{text}\": expected fd:N with N a descriptor number, a path, or none";
            return null;
        }
        if (text.Length == 0)
        {
            error = "input \"\": expected fd:N, a path, or none";
            return null;
        }
        return new(text, null, text);
    }

    /// <summary>Opens (or checks) the descriptor, non-blocking so that one thread can poll both streams.</summary>
    public int Open(out string? error)
    {
        error = null;
        int fd;
        if (Fd is { } inherited)
        {
            // A descriptor that survived exec cannot be close-on-exec; one that is was opened by the runtime
            // itself after finding the number free (it keeps /dev/urandom on 3 when nothing was inherited).
            int fdFlags = Libc.fcntl(inherited, Libc.F_GETFD, 0);
            if (fdFlags < 0 || (fdFlags & Libc.FD_CLOEXEC) != 0)
            {
                error = $"input {Text}: descriptor {inherited} was not inherited (the container init must pass the read end of the pipe; `none` disables this input)";
                return -1;
            }
            if ((Libc.fcntl(inherited, Libc.F_GETFL, 0) & Libc.O_ACCMODE) == Libc.O_WRONLY)
            {
                error = $"input {Text}: descriptor {inherited} is open for writing only; it must be the read end";
                return -1;
            }
            fd = inherited;
        }
        else
        {
            // O_NONBLOCK also keeps the open of a FIFO from waiting for its writer.
            fd = Libc.open(Path!, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd < 0)
            {
                error = $"input {Text}: cannot open: {Libc.ErrorText(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}";
                return -1;
            }
        }
        int fl = Libc.fcntl(fd, Libc.F_GETFL, 0);
        if (fl >= 0) Libc.fcntl(fd, Libc.F_SETFL, fl | Libc.O_NONBLOCK);
        return fd;
    }
}
