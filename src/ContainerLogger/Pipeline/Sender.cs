using System.Globalization;
using System.Text.Unicode;
using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline;

/// <summary>
/// The delivery loop, on its own thread: fill the driver's batch from the ring, flush it, and on failure
/// keep the batch and retry with capped exponential backoff and jitter. Lines leave the host only through
/// a successful flush or an overflow of the ring, which is counted. Nothing here allocates per batch or per
/// retry: a failure is a value, its report is formatted only when not rate limited, and the drop notice is
/// written into a buffer kept for it.
/// </summary>
internal sealed class Sender
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(1);

    private readonly IRecordQueue _queue;
    private readonly LogDriver _driver;
    private readonly string _driverName;
    private readonly Counters _counters;
    private readonly DriverLosses _losses;
    private readonly Diagnostics _diagnostics;
    private long _batchLines;
    private volatile bool _reopenRequested;
    private readonly Func<bool> _isReopenRequested;
    /// <summary>The drop notice's text; it grows only for a longer reason.</summary>
    private byte[] _notice = new byte[256];

    public Sender(IRecordQueue queue, LogDriver driver, string driverName, Counters counters, DriverLosses losses, Diagnostics diagnostics)
    {
        _queue = queue;
        _driver = driver;
        _driverName = driverName;
        _counters = counters;
        _losses = losses;
        _diagnostics = diagnostics;
        _isReopenRequested = () => _reopenRequested;
    }

    /// <summary>SIGHUP: reopen the file or reconnect before the next batch.</summary>
    public void RequestReopen()
    {
        _reopenRequested = true;
        _queue.Wake();
    }

    public void Run()
    {
        int failures = 0;
        while (true)
        {
            if (_reopenRequested)
            {
                _reopenRequested = false;
                TryReopen();
            }
            if (_driver.PendingCount == 0 && !FillBatch()) return;
            if (_driver.PendingCount == 0)
            {
                // Nothing to send (say, the disk buffer stepped over a segment's seal): what was taken is done.
                _queue.Delivered();
                continue;
            }
            if (_driver.TryFlush(out var failure))
            {
                _queue.Delivered();
                _counters.AddDelivered(_batchLines - _losses.TakeSinceLastFlush());
                _batchLines = 0;
                failures = 0;
                continue;
            }
            failures++;
            _counters.AddRetried();
            int delayMs = (int)Backoff(failures, _driver.FirstRetryDelay).TotalMilliseconds;
            _diagnostics.Report($"{_driverName}: delivery failed ({failure}); {_driver.PendingCount} lines kept, retry {failures} in {delayMs}ms");
            _queue.Sleep(delayMs);
        }
    }

    /// <summary>
    /// Capped exponential backoff with jitter in [d/2, d], so 2,000 sidecars do not retry in step. A driver's own
    /// first step (gelf-tcp-reconnect-delay) replaces 50 ms and raises the cap to itself when it is larger; a
    /// driver retrying on its own (s3's uploads) may give a larger cap.
    /// </summary>
    internal static TimeSpan Backoff(int failures, TimeSpan first = default, TimeSpan cap = default)
    {
        if (first <= TimeSpan.Zero) first = FirstRetry;
        double capMs = Math.Max(Math.Max(MaxRetry.TotalMilliseconds, first.TotalMilliseconds), cap.TotalMilliseconds);
        double ms = Math.Min(capMs, first.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        return TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() / 2));
    }

    private bool FillBatch()
    {
        if (!_queue.Reserve(_isReopenRequested, out long position, out long end, out var notice)) return false;
        if (notice.Any)
        {
            AddNotice(LogStream.Stdout, notice.StdoutLines, notice.StdoutBytes, notice);
            AddNotice(LogStream.Stderr, notice.StderrLines, notice.StderrBytes, notice);
        }
        long taken = 0;
        while (position < end)
        {
            var record = _queue.Read(position, out long size);
            if (!_driver.TryAdd(record)) break;
            position += size;
            taken++;
        }
        _queue.Commit(position, taken);
        _batchLines += taken;
        return true;
    }

    /// <summary>The drop notice: a record in the stream that lost lines, where the lost lines were.</summary>
    private void AddNotice(LogStream stream, long lines, long bytes, in DropNotice notice)
    {
        if (lines == 0) return;
        var since = new DateTime(notice.SinceTicks, DateTimeKind.Utc);
        int length;
        while (!Utf8.TryWrite(_notice, CultureInfo.InvariantCulture,
                   $"containerlogger: dropped {lines} lines ({bytes} bytes) of {LogRecord.StreamName(stream)} since {since:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}: {notice.Reason}",
                   out length))
            _notice = new byte[2 * _notice.Length];
        _driver.TryAdd(new LogRecord(_notice.AsSpan(0, length), stream, DateTime.UtcNow.Ticks));
    }

    private void TryReopen()
    {
        try
        {
            _driver.Reopen();
        }
        catch (Exception e) when (DeliveryFailure.IsRuntimeFailure(e))
        {
            _diagnostics.Report($"{_driverName}: reopen failed ({e.Message}); will retry on the next delivery");
        }
    }
}
