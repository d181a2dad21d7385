using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ContainerLogger.Native;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// rotate-naming=timestamp (RFD 10): &lt;file&gt;.YYYYmmddTHHMMSSZ, the UTC time of rotation. Another rotation in the
/// same second gets _001, _002, …: '_' sorts after '.', so names sort in rotation order with or without .gz or .age,
/// and the oldest go first. The directory is listed once, at the first rotation; from then on the rotated files are
/// known by their stamps and their names are written into a buffer made once for rename(2) and unlink(2), so a
/// rotation allocates nothing (a sidecar rotating every few seconds for days must not grow).
/// </summary>
internal sealed unsafe class TimestampRotation
{
    private const string StampFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int StampLength = 16;
    private const int SuffixDigits = 3;
    private const int MaxSuffix = 999;
    /// <summary>What compression and encryption append to a rotated file's name; pruning deletes each.</summary>
    private static readonly string[] Extensions = ["", ".gz", ".age", ".gz.age"];
    private static readonly byte[][] ExtensionBytes = [.. Extensions.Select(Encoding.UTF8.GetBytes)];

    private readonly string _path;
    private readonly int _keep;
    private readonly Func<DateTime> _utcNow;
    private readonly byte[] _live;
    /// <summary>"&lt;file&gt;." then room for a stamp, a suffix, the longest extension and a NUL.</summary>
    private readonly byte[] _name;
    /// <summary>The rotated files, oldest first; null until the first rotation lists them.</summary>
    private List<Stamp>? _rotated;
    private Stamp _last;

    /// <param name="keep">Rotated files kept (max-file - 1).</param>
    public TimestampRotation(string path, int keep, Func<DateTime> utcNow)
    {
        _path = path;
        _keep = keep;
        _utcNow = utcNow;
        _live = Libc.PathBytes(path);
        _name = new byte[_live.Length + StampLength + 1 + SuffixDigits + ExtensionBytes.Max(e => e.Length) + 1];
        _live.AsSpan(0, _live.Length - 1).CopyTo(_name);
        _name[_live.Length - 1] = (byte)'.';
    }

    /// <summary>The name the last <see cref="MoveAside"/> gave the live file (made on demand: for gzip, age and tests).</summary>
    public string LastRotated => _path + "." + _last.ToString();

    /// <summary>
    /// Renames the live file to its timestamped name, then deletes the oldest rotated files so that at most keep
    /// remain. True if the live file moved; <paramref name="errno"/> is a failed step's (the rename's, or a
    /// deletion's after the move), 0 when all went well or there was no live file.
    /// </summary>
    public bool MoveAside(out int errno)
    {
        _rotated ??= List(_path);
        var stamp = NextStamp();
        fixed (byte* live = _live, name = _name)
        {
            if (Libc.rename(live, Name(name, stamp, 0)) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.ENOENT) errno = 0;
                return false;
            }
            int at = _rotated.BinarySearch(stamp);
            _rotated.Insert(at < 0 ? ~at : at, stamp);
            _last = stamp;
            errno = 0;
            // The file just rotated is kept whatever the clock did; the others go oldest first.
            for (int i = 0; _rotated.Count > _keep && i < _rotated.Count;)
            {
                if (_rotated[i].Equals(stamp))
                {
                    i++;
                    continue;
                }
                for (int e = 0; e < Extensions.Length; e++)
                    if (Libc.unlink(Name(name, _rotated[i], e)) != 0 && Marshal.GetLastPInvokeError() is var error and not Libc.ENOENT)
                        errno = error;
                _rotated.RemoveAt(i);
            }
            return true;
        }
    }

    /// <summary>Now's second, with the next free suffix; a thousand rotations in one second wait for the next.</summary>
    private Stamp NextStamp()
    {
        while (true)
        {
            var now = _utcNow();
            long second = now.Ticks / TimeSpan.TicksPerSecond;
            int suffix = 0;
            foreach (var rotated in _rotated!)
                if (rotated.Second == second) suffix = Math.Max(suffix, rotated.Suffix + 1);
            if (suffix <= MaxSuffix) return new Stamp(second, suffix);
            Thread.Sleep(1000 - now.Millisecond);
        }
    }

    /// <summary>Writes &lt;file&gt;.stamp[_NNN] with extension <paramref name="extension"/> into <paramref name="name"/>.</summary>
    private byte* Name(byte* name, Stamp stamp, int extension)
    {
        var span = new Span<byte>(name, _name.Length)[_live.Length..];
        var time = new DateTime(stamp.Second * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        Digits(span, time.Year, 4);
        Digits(span[4..], time.Month, 2);
        Digits(span[6..], time.Day, 2);
        span[8] = (byte)'T';
        Digits(span[9..], time.Hour, 2);
        Digits(span[11..], time.Minute, 2);
        Digits(span[13..], time.Second, 2);
        span[15] = (byte)'Z';
        int at = StampLength;
        if (stamp.Suffix > 0)
        {
            span[at] = (byte)'_';
            Digits(span[(at + 1)..], stamp.Suffix, SuffixDigits);
            at += 1 + SuffixDigits;
        }
        ExtensionBytes[extension].CopyTo(span[at..]);
        span[at + ExtensionBytes[extension].Length] = 0;
        return name;
    }

    private static void Digits(Span<byte> into, int value, int count)
    {
        for (int i = count - 1; i >= 0; i--, value /= 10) into[i] = (byte)('0' + value % 10);
    }

    /// <summary>The rotated files of <paramref name="path"/> (with or without .gz or .age), oldest first.</summary>
    private static List<Stamp> List(string path)
    {
        string prefix = Path.GetFileName(path) + ".";
        var stamps = new SortedSet<Stamp>();
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, prefix + "*"))
        {
            var name = Path.GetFileName(file.AsSpan());
            if (name.EndsWith(".age")) name = name[..^4];
            if (name.EndsWith(".gz")) name = name[..^3];
            // The pattern "<file>.*" also matches "<file>" itself (a trailing ".*" matches no extension).
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && Stamp.TryParse(name[prefix.Length..], out var stamp))
                stamps.Add(stamp);
        }
        return [.. stamps];
    }

    /// <summary>A rotated file's name after "&lt;file&gt;.": the second of its rotation and its suffix (0: none).</summary>
    private readonly record struct Stamp(long Second, int Suffix) : IComparable<Stamp>
    {
        public int CompareTo(Stamp other) => Second != other.Second ? Second.CompareTo(other.Second) : Suffix.CompareTo(other.Suffix);

        public override string ToString()
        {
            string stamp = new DateTime(Second * TimeSpan.TicksPerSecond, DateTimeKind.Utc).ToString(StampFormat, CultureInfo.InvariantCulture);
            return Suffix == 0 ? stamp : $"{stamp}_{Suffix.ToString("D3", CultureInfo.InvariantCulture)}";
        }

        /// <summary>YYYYmmddTHHMMSSZ, optionally followed by _NNN.</summary>
        public static bool TryParse(ReadOnlySpan<char> name, out Stamp stamp)
        {
            stamp = default;
            int suffix = 0;
            if (name.Length == StampLength + 1 + SuffixDigits)
            {
                if (name[StampLength] != '_' || !int.TryParse(name[(StampLength + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out suffix))
                    return false;
            }
            else if (name.Length != StampLength) return false;
            if (!DateTime.TryParseExact(name[..StampLength], StampFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
                return false;
            stamp = new Stamp(time.Ticks / TimeSpan.TicksPerSecond, suffix);
            return true;
        }
    }
}
