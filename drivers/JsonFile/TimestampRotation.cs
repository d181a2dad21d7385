using System.Globalization;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// rotate-naming=timestamp (RFD 10): &lt;file&gt;.YYYYmmddTHHMMSSZ, the UTC time of rotation. Another rotation in the
/// same second gets _001, _002, …: '_' sorts after '.', so names sort in rotation order with or without .gz or .age,
/// and pruning by name deletes the oldest.
/// </summary>
internal static class TimestampRotation
{
    private const string StampFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int StampLength = 16;
    private const int SuffixDigits = 3;
    private const int MaxSuffix = 999;
    /// <summary>What compression and encryption append to a rotated file's name.</summary>
    private static readonly string[] Extensions = ["", ".gz", ".age", ".gz.age"];

    /// <summary>
    /// Renames the live file to its timestamped name, then deletes the oldest rotated files so that at most
    /// <paramref name="keep"/> remain. Returns the new name, or null when there was no live file to move.
    /// </summary>
    public static string? MoveAside(string path, int keep, Func<DateTime> utcNow)
    {
        var rotated = ListRotated(path);
        string target = NextName(path, rotated, utcNow);
        if (!FileRename.IfExists(path, target)) return null;
        // The file just rotated is kept whatever the clock did; the others go oldest first.
        for (int i = 0; i < rotated.Count + 1 - keep; i++)
            foreach (var extension in Extensions) File.Delete(rotated[i] + extension);
        return target;
    }

    /// <summary>The rotated files of <paramref name="path"/>, without .gz or .age, oldest first.</summary>
    internal static List<string> ListRotated(string path)
    {
        string directory = Path.GetDirectoryName(path)!;
        string prefix = Path.GetFileName(path) + ".";
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*"))
        {
            var name = Path.GetFileName(file.AsSpan());
            if (name.EndsWith(".age")) name = name[..^4];
            if (name.EndsWith(".gz")) name = name[..^3];
            // The pattern "<file>.*" also matches "<file>" itself (a trailing ".*" matches no extension).
            if (name.Length <= prefix.Length || !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (IsRotatedName(name.Slice(prefix.Length))) names.Add(Path.Join(directory, name));
        }
        return [.. names];
    }

    private static string NextName(string path, List<string> rotated, Func<DateTime> utcNow)
    {
        while (true)
        {
            var now = utcNow();
            string stamped = path + "." + now.ToString(StampFormat, CultureInfo.InvariantCulture);
            int last = -1; // -1: nothing rotated in this second yet; 0: the plain name is taken
            foreach (var name in rotated)
            {
                if (name == stamped) last = Math.Max(last, 0);
                else if (name.Length == stamped.Length + 1 + SuffixDigits && name.StartsWith(stamped + "_", StringComparison.Ordinal))
                    last = Math.Max(last, int.Parse(name.AsSpan(stamped.Length + 1), CultureInfo.InvariantCulture));
            }
            if (last < 0) return stamped;
            if (last < MaxSuffix) return $"{stamped}_{(last + 1).ToString("D3", CultureInfo.InvariantCulture)}";
            // A thousand rotations within one second (only with an absurdly small max-size): take the next second's name.
            Thread.Sleep(1000 - now.Millisecond);
        }
    }

    /// <summary>YYYYmmddTHHMMSSZ, optionally followed by _NNN.</summary>
    private static bool IsRotatedName(ReadOnlySpan<char> name)
    {
        if (name.Length != StampLength && name.Length != StampLength + 1 + SuffixDigits) return false;
        for (int i = 0; i < name.Length; i++)
        {
            bool ok = i switch
            {
                8 => name[i] == 'T',
                15 => name[i] == 'Z',
                16 => name[i] == '_',
                _ => char.IsAsciiDigit(name[i]),
            };
            if (!ok) return false;
        }
        return true;
    }
}
