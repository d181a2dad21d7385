namespace ContainerLogger.Config;

/// <summary>The disk buffer's options (CONTRACT.md section 10), declared once for every network driver.</summary>
public static class DiskBufferOptions
{
    public static readonly Option<string> Buffer = Config.Options.Enum("buffer", "memory",
        "memory: the ring of max-buffer-size; disk: segment files under buffer-path, kept through outages, crashes and restarts (at-least-once)",
        "memory", "disk");
    public static readonly Option<string?> Path = Config.Options.Path("buffer-path", "/var/lib/containerlogger/<full id>",
        "the disk buffer's directory: created 0700 with its parents, locked by one sidecar at a time");
    public static readonly Option<long> MaxSize = Config.Options.Size("max-disk-buffer-size", 1L << 30, "1g",
        "bytes the disk buffer may take (binary units, at least 16m); when full, non-blocking drops the oldest lines (counted), blocking waits",
        min: 16 << 20);
    public static readonly Option<string> Sync = Config.Options.Enum("buffer-sync", "interval",
        "interval: written lines synced to disk at most once a second, only after writes; always: each read synced before the next; none: left to the kernel",
        "interval", "always", "none");

    public static IReadOnlyList<OptionSpec> All { get; } = [Buffer, Path, MaxSize, Sync];

    /// <summary>The directory when buffer-path is not given.</summary>
    public static string DefaultPath(string containerId) => "/var/lib/containerlogger/" + containerId;
}
