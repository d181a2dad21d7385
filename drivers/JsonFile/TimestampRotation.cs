using System.Runtime.InteropServices;
using System.Text;
using ContainerLogger.Files;
using ContainerLogger.Native;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// rotate-naming=timestamp (RFD 10): &lt;file&gt;.&lt;<see cref="RotationStamp"/>&gt;, the UTC second of rotation, _001, _002, …
/// for more rotations in that second: names sort in rotation order with or without .gz or .age, and the oldest go
/// first. The directory is listed once, at the first rotation; from then on the rotated files are known by their
/// stamps and their names are written into a buffer made once for rename(2) and unlink(2), so a rotation allocates
/// nothing (a sidecar rotating every few seconds for days must not grow).
/// </summary>
internal sealed unsafe class TimestampRotation
{
    /// <summary>What compression and encryption append to a rotated file's name; pruning deletes each.</summary>
    private static readonly string[] Extensions = ["", ".gz", ".age", ".gz.age"];
    private static readonly byte[][] ExtensionBytes = [.. Extensions.Select(Encoding.UTF8.GetBytes)];

    private readonly string _path;
    private readonly int _keep;
    private readonly Func<DateTime> _utcNow;
    private readonly byte[] _live;
    /// <summary>"&lt;file&gt;." then room for a stamp, the longest extension and a NUL.</summary>
    private readonly byte[] _name;
    /// <summary>The rotated files, oldest first; null until the first rotation lists them.</summary>
    private List<RotationStamp>? _rotated;

    /// <param name="keep">Rotated files kept (max-file - 1).</param>
    public TimestampRotation(string path, int keep, Func<DateTime> utcNow)
    {
        _path = path;
        _keep = keep;
        _utcNow = utcNow;
        _live = Libc.PathBytes(path);
        _name = new byte[_live.Length + RotationStamp.MaxLength + ExtensionBytes.Max(e => e.Length) + 1];
        _live.AsSpan(0, _live.Length - 1).CopyTo(_name);
        _name[_live.Length - 1] = (byte)'.';
    }

    /// <summary>The name the last <see cref="MoveAside"/> gave the live file (made on demand: for gzip, age and tests).</summary>
    public string LastRotated => _path + "." + _rotated![^1].Text;

    /// <summary>
    /// Renames the live file to its timestamped name, then deletes the oldest rotated files so that at most keep
    /// remain. True if the live file moved; <paramref name="errno"/> is a failed step's (the rename's, or a
    /// deletion's after the move), 0 when all went well or there was no live file.
    /// </summary>
    public bool MoveAside(out int errno)
    {
        _rotated ??= List(_path);
        // Stamps only grow, so the file just rotated is the newest whatever the clock did, and is kept.
        var stamp = RotationStamp.Next(_rotated.Count > 0 ? _rotated[^1] : null, _utcNow());
        fixed (byte* live = _live, name = _name)
        {
            if (Libc.rename(live, Name(name, stamp, 0)) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.ENOENT) errno = 0;
                return false;
            }
            _rotated.Add(stamp);
            errno = 0;
            while (_rotated.Count > _keep)
            {
                for (int e = 0; e < Extensions.Length; e++)
                    if (Libc.unlink(Name(name, _rotated[0], e)) != 0 && Marshal.GetLastPInvokeError() is var error and not Libc.ENOENT)
                        errno = error;
                _rotated.RemoveAt(0);
            }
            return true;
        }
    }

    /// <summary>Writes &lt;file&gt;.stamp with extension <paramref name="extension"/> and a NUL into <paramref name="name"/>.</summary>
    private byte* Name(byte* name, RotationStamp stamp, int extension)
    {
        var span = new Span<byte>(name, _name.Length)[_live.Length..];
        int at = stamp.Write(span);
        ExtensionBytes[extension].CopyTo(span[at..]);
        span[at + ExtensionBytes[extension].Length] = 0;
        return name;
    }

    /// <summary>The rotated files of <paramref name="path"/> (with or without .gz or .age), oldest first.</summary>
    private static List<RotationStamp> List(string path)
    {
        string prefix = Path.GetFileName(path) + ".";
        var stamps = new SortedSet<RotationStamp>();
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, prefix + "*"))
        {
            var name = Path.GetFileName(file.AsSpan());
            if (name.EndsWith(".age")) name = name[..^4];
            if (name.EndsWith(".gz")) name = name[..^3];
            // The pattern "<file>.*" also matches "<file>" itself (a trailing ".*" matches no extension).
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && RotationStamp.TryParse(name[prefix.Length..], out var stamp))
                stamps.Add(stamp);
        }
        return [.. stamps];
    }
}
