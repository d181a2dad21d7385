using System.Globalization;

namespace ContainerLogger.Benchmarks;

/// <summary>What /proc says about a running process.</summary>
internal readonly record struct ProcessStats(long CpuTicks, long RssKiB, long PeakRssKiB, long PrivateDirtyKiB, long PssKiB, int Threads)
{
    /// <summary>Kernel clock ticks per second (USER_HZ), which /proc/PID/stat counts in; 100 on Linux.</summary>
    public const int TicksPerSecond = 100;

    public static ProcessStats Read(int pid)
    {
        // stat: "pid (comm) state ..." — comm may hold spaces, so fields are counted after the last ')'.
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long cpu = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
        var status = Fields($"/proc/{pid}/status");
        var rollup = Fields($"/proc/{pid}/smaps_rollup");
        return new ProcessStats(cpu, Kib(status, "VmRSS"), Kib(status, "VmHWM"), Kib(rollup, "Private_Dirty"), Kib(rollup, "Pss"),
            int.Parse(status["Threads"], CultureInfo.InvariantCulture));
    }

    /// <summary>Open file descriptors of the process (/proc/PID/fd).</summary>
    public static int OpenFds(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    internal static Dictionary<string, string> Fields(string path)
    {
        var fields = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':');
            if (colon > 0) fields[line[..colon]] = line[(colon + 1)..].Trim();
        }
        return fields;
    }

    private static long Kib(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) ? long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture) : 0;
}
