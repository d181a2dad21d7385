using System.Runtime;
using ContainerLogger.Benchmarks;
using ContainerLogger.Drivers;

namespace ContainerLogger.Tests.Memory;

/// <summary>
/// Managed allocation on the test thread, read with <see cref="GC.GetAllocatedBytesForCurrentThread"/>: an exact count
/// of the bytes this thread allocated, whatever the timing, so a path that allocates once in a thousand runs shows.
/// The drivers run on the calling thread (as on the sender's); receivers and writers run on threads of their own,
/// which the count leaves out.
/// </summary>
/// <remarks>
/// One thing besides allocation moves the count: a collection (set off by another thread) that retires this thread's
/// allocation context counts the context's unused rest as allocated, a few KiB at once. So the runs go inside a no-GC
/// region (<see cref="AllocationWindow"/>), and when a collection happened anyway (the other threads allocated past
/// it), they are measured again.
/// </remarks>
internal static class Allocations
{
    public const int Attempts = 3;

    /// <summary>Bytes allocated by <paramref name="times"/> runs of <paramref name="step"/>, after <paramref name="warmUp"/> runs.</summary>
    public static long Of(int warmUp, int times, Action step)
    {
        for (int i = 0; i < warmUp; i++) step();
        var window = new AllocationWindow();
        for (int attempt = 1; ; attempt++)
        {
            window.Open();
            for (int i = 0; i < times; i++) step();
            if (window.Close(out long bytes) || attempt == Attempts) return bytes;
        }
    }
}

/// <summary>One measurement of this thread's allocation, in a no-GC region (see <see cref="Allocations"/>).</summary>
internal sealed class AllocationWindow
{
    private const long NoGcRegionBytes = 64 << 20;
    private bool _region;
    private int _collections;
    private long _before;

    public void Open()
    {
        _region = GC.TryStartNoGCRegion(NoGcRegionBytes);
        _collections = GC.CollectionCount(0);
        _before = GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>The bytes allocated since <see cref="Open"/>; false when a collection happened meanwhile (measure again).</summary>
    public bool Close(out long bytes)
    {
        bytes = GC.GetAllocatedBytesForCurrentThread() - _before;
        bool undisturbed = GC.CollectionCount(0) == _collections;
        if (_region && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        return undisturbed;
    }
}

/// <summary>
/// Numbered lines (<see cref="LineSequence"/>) for a receiver's <see cref="Benchmarks.Receivers.ArrivalLedger"/>, each
/// written into one buffer, so making them allocates nothing.
/// </summary>
internal sealed class NumberedLines(int size = 100)
{
    private readonly byte[] _line = new byte[size];

    /// <summary>Lines added so far (stdout only).</summary>
    public long Count { get; private set; }

    /// <summary>Adds <paramref name="lines"/> lines to the driver's batch; false if the batch was full before they all went in.</summary>
    public bool AddTo(LogDriver driver, int lines)
    {
        for (int i = 0; i < lines; i++)
        {
            LineSequence.Write(_line, stderr: false, Count, _line.Length);
            if (!driver.TryAdd(new LogRecord(_line.AsSpan(0, _line.Length - 1), LogStream.Stdout, DateTime.UtcNow.Ticks))) return false;
            Count++;
        }
        return true;
    }
}
