using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Storage;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Storage;

/// <summary>A disk buffer in a temporary directory, driven as the reader and the sender drive it.</summary>
internal sealed class DiskQueueRig : IDisposable
{
    private readonly StringWriter _diagnostics = new();
    private readonly bool _ownsDirectory;

    public DiskQueueRig(long maxBytes = 4 << 20, bool blocking = false, BufferSync sync = BufferSync.None, string? path = null,
        TempDirectory? directory = null, int maxLine = 16 * 1024, long memoryBytes = 1 << 20)
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? new TempDirectory();
        Path = path ?? Directory.Combine("queue");
        Settings = new DiskBufferSettings(Path, maxBytes, sync, blocking, DropNotice: true, memoryBytes, maxLine);
        Queue = DiskQueue.Open(Settings, Counters, new Diagnostics(_diagnostics));
        Counters.Queue = Queue;
    }

    public TempDirectory Directory { get; }
    public string Path { get; }
    public DiskBufferSettings Settings { get; }
    /// <summary>The run's counters; a restart starts new ones, as a new process does.</summary>
    public Counters Counters { get; private set; } = new();
    public DiskQueue Queue { get; private set; }
    public List<DropNotice> Notices { get; } = [];
    public string Diagnostics => _diagnostics.ToString();

    public string[] SegmentFiles() => System.IO.Directory.GetFiles(Path, "*.seg").Order(StringComparer.Ordinal).ToArray();

    /// <summary>Appends lines as one read does, then ends the read (the lines are written out).</summary>
    public DiskQueueRig Append(LogStream stream, params string[] lines)
    {
        lock (Queue.Gate)
            foreach (var line in lines)
                Assert.That(Queue.Append(new LogRecord(Encoding.UTF8.GetBytes(line), stream, 1000 + line.Length), 0), Is.True);
        Queue.EndOfRead();
        return this;
    }

    public DiskQueueRig Append(in LogRecord record)
    {
        lock (Queue.Gate) Assert.That(Queue.Append(record, 0), Is.True);
        Queue.EndOfRead();
        return this;
    }

    /// <summary>Takes everything available right now, batch by batch (at most <paramref name="batch"/> lines each), delivering each batch.</summary>
    public List<Captured> Deliver(int batch = int.MaxValue, bool confirm = true)
    {
        var taken = new List<Captured>();
        for (int idle = 0; idle < 3;)
        {
            Queue.Reserve(() => true, out long position, out long end, out var notice);
            if (notice.Any) Notices.Add(notice);
            long count = 0;
            while (position < end && count < batch)
            {
                taken.Add(Captured.From(Queue.Read(position, out long size)));
                position += size;
                count++;
            }
            Queue.Commit(position, count);
            if (confirm) Queue.Delivered();
            idle = count == 0 ? idle + 1 : 0;
        }
        return taken;
    }

    /// <summary>A clean stop and a new start on the same directory, as a restart of the sidecar.</summary>
    public DiskQueueRig Reopen(DiskBufferSettings? settings = null)
    {
        Queue.Dispose();
        return Start(settings);
    }

    /// <summary>A new start after the old queue vanished without closing (its lock and files as a kill -9 leaves them).</summary>
    public DiskQueueRig Start(DiskBufferSettings? settings = null)
    {
        Counters = new Counters();
        Queue = DiskQueue.Open(settings ?? Settings, Counters, new Diagnostics(_diagnostics));
        Counters.Queue = Queue;
        return this;
    }

    public void Dispose()
    {
        Queue.Dispose();
        if (_ownsDirectory) Directory.Dispose();
    }
}
