using ContainerLogger.Drivers;

namespace ContainerLogger.Tests.Memory;

/// <summary>
/// A driver around a real one that measures the allocation of the thread flushing it (the sender's) over a window of
/// flushes after a warm-up: everything the sender does between them (reserving, reading, encoding, flushing, retrying,
/// reporting, backing off, the buffer's bookkeeping) is inside. Batches hold at most <see cref="BatchLines"/> lines, so
/// a line count gives a flush count. A window a collection disturbed is measured again (<see cref="Allocations"/>).
/// Once measured (<see cref="Done"/>), every batch counts as delivered, so the sender can drain and end.
/// </summary>
internal sealed class MeteredDriver(LogDriver inner, int warmUp, int window, int batchLines) : LogDriver
{
    private readonly AllocationWindow _window = new();
    private int _flushes, _windowsTried;
    private volatile bool _done;

    public int BatchLines => batchLines;
    public bool Done => _done;
    /// <summary>The measured window's bytes.</summary>
    public long Bytes { get; private set; }
    public int Failures { get; private set; }
    public int Flushes => _flushes;

    public override int PendingCount => _done ? 0 : inner.PendingCount;

    public override bool TryAdd(in LogRecord record) => _done || (inner.PendingCount < batchLines && inner.TryAdd(record));

    public override TimeSpan FirstRetryDelay => inner.FirstRetryDelay;

    public override bool TryFlush(out DeliveryFailure failure)
    {
        failure = default;
        if (_done) return true;
        int flush = _flushes++;
        if (flush >= warmUp && (flush - warmUp) % window == 0)
        {
            if (flush > warmUp)
            {
                bool undisturbed = _window.Close(out long bytes);
                if (undisturbed || ++_windowsTried == Allocations.Attempts)
                {
                    Bytes = bytes;
                    _done = true;
                    return true;
                }
            }
            _window.Open();
        }
        if (inner.TryFlush(out failure)) return true;
        Failures++;
        return false;
    }

    public override void Dispose()
    {
        inner.Complete(Environment.TickCount64);
        inner.Dispose();
    }
}
