using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using ContainerLogger.Native;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// rotate-naming=index, Docker's scheme: &lt;file&gt;.1 is the newest rotated file, &lt;file&gt;.N-1 the oldest. The names
/// are written into buffers made once and handed to rename(2) and unlink(2) directly, so a rotation allocates nothing.
/// </summary>
internal sealed unsafe class IndexRotation
{
    private readonly byte[] _live;
    /// <summary>"&lt;file&gt;." then room for an index, the extension and a NUL: the two names of one rename.</summary>
    private readonly byte[] _from, _to;
    private readonly byte[] _extension;
    private readonly int _keep;

    /// <param name="keep">Rotated files kept (max-file - 1).</param>
    /// <param name="extension">What rotated files carry once compressed or encrypted (.gz, .age, .gz.age); the live
    /// file is renamed without it.</param>
    public IndexRotation(string path, int keep, string extension)
    {
        _live = Libc.PathBytes(path);
        _extension = Encoding.UTF8.GetBytes(extension);
        _keep = keep;
        int prefix = _live.Length; // the NUL's place takes the '.'
        _from = new byte[prefix + 10 + _extension.Length + 1];
        _live.AsSpan(0, prefix - 1).CopyTo(_from);
        _from[prefix - 1] = (byte)'.';
        _to = (byte[])_from.Clone();
        FirstRotated = path + ".1";
    }

    /// <summary>&lt;file&gt;.1: where the live file goes.</summary>
    public string FirstRotated { get; }

    /// <summary>
    /// Deletes &lt;file&gt;.keep, shifts .i-1 to .i, then renames the live file to &lt;file&gt;.1. True if the live file was
    /// moved; false when there was none (errno 0) or a step failed (its errno; the steps after it are not taken).
    /// </summary>
    public bool MoveAside(out int errno)
    {
        fixed (byte* live = _live, from = _from, to = _to)
        {
            if (!Done(Libc.unlink(Name(to, _keep, finished: true)), out errno)) return false;
            for (int i = _keep; i > 1; i--)
                if (!Done(Libc.rename(Name(from, i - 1, finished: true), Name(to, i, finished: true)), out errno)) return false;
            if (Libc.rename(live, Name(to, 1, finished: false)) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.ENOENT) errno = 0;
            return false;
        }
    }

    /// <summary>A step succeeded, or had nothing to do (no such file, as Docker ignores).</summary>
    private static bool Done(int result, out int errno)
    {
        errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (errno == Libc.ENOENT) errno = 0;
        return errno == 0;
    }

    /// <summary>Writes &lt;file&gt;.<paramref name="index"/>, with the extension if <paramref name="finished"/>, into <paramref name="name"/>.</summary>
    private byte* Name(byte* name, int index, bool finished)
    {
        int at = _live.Length;
        var span = new Span<byte>(name, _from.Length);
        Utf8Formatter.TryFormat(index, span[at..], out int digits);
        at += digits;
        if (finished)
        {
            _extension.CopyTo(span[at..]);
            at += _extension.Length;
        }
        span[at] = 0;
        return name;
    }
}
