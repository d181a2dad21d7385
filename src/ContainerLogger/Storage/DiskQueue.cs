using System.Runtime.InteropServices;
using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Native;
using ContainerLogger.Pipeline;

namespace ContainerLogger.Storage;

/// <summary>
/// The disk buffer (CONTRACT.md section 10): lines queue in segment files under buffer-path and leave only once
/// delivered, so a long outage, a crash or a restart loses nothing that reached the disk. The reader appends framed
/// lines into a write buffer and writes them out after each read (<see cref="EndOfRead"/>); the sender reads
/// segments back through a buffer of its own and, after each delivered batch, moves the <see cref="DeliveryCursor"/>
/// and deletes the segments behind it. Memory stays flat however large the backlog. When the disk fails (full,
/// unwritable) lines queue in the memory ring (max-buffer-size) until the ring has drained and the disk works again.
/// </summary>
internal sealed unsafe partial class DiskQueue : IRecordQueue
{
    private const int WriteBufferSize = 256 * 1024;
    private const long RetryDiskMs = 5000;
    private const long SyncIntervalMs = 1000;
    private const uint Mode0600 = 0x180;

    private readonly DiskBufferSettings _settings;
    private readonly Counters _counters;
    private readonly Diagnostics _diagnostics;
    private readonly LogRing _ring;
    private readonly DirectoryLock? _lock;
    private readonly DeliveryCursor? _cursor;
    private readonly List<QueueSegment> _segments = [];
    private readonly long _segmentSize;
    private readonly int _writeCapacity;
    private long _lastNumber;

    // Writer (the reader thread, under the gate).
    private QueueSegment? _active;
    private int _activeFd = -1;
    private byte* _writeBuffer;
    private int _buffered;
    private long _diskBytes;
    private bool _diskFailed;
    private long _diskFailedAtMs;

    // Syncing: files written since the last sync, rotated ones kept open until then; the sync swaps the two lists.
    private List<int> _unsyncedFds = [], _syncingFds = [];
    private bool _dataDirty, _directoryDirty;
    private long _lastSyncMs;

    // Sender side.
    private readonly SegmentReader _reader = new();
    private QueueSegment? _reading;
    private long _readOffset;
    private bool _readReserved;
    private Source _reservedFrom;
    private StreamTotals _reservationTally;
    private (long Position, LogStream Stream, int Length)? _lastRead;
    private StreamTotals _undelivered;
    private (long Segment, long Offset)? _deliveredTo;

    private bool _completed, _senderWaiting, _writerWaiting;
    private long? _deadlineMs;
    private StreamTotals _unnoticed;
    private long _firstUnnoticedDropTicks;
    private long _leftoverLines, _replayedLines, _damagedRegions, _fallbackLines;

    private enum Source { None, Disk, Ring }

    /// <summary>The gate is shared with the fallback ring, so a reader holding it may append to either.</summary>
    public object Gate { get; } = new();

    private DiskQueue(DiskBufferSettings settings, Counters counters, Diagnostics diagnostics, DirectoryLock? directoryLock, DeliveryCursor? cursor)
    {
        _settings = settings;
        FullReason = $"disk buffer full (max-disk-buffer-size {settings.MaxBytes} bytes)";
        _counters = counters;
        _diagnostics = diagnostics;
        _lock = directoryLock;
        _cursor = cursor;
        _ring = new LogRing(settings.MemoryBytes, settings.MaxLineSize, settings.Blocking, settings.DropNotice, counters, Gate);
        // Many segments per budget, so that dropping the oldest one frees little; each holds the largest record twice.
        int maxRecord = SegmentFormat.RecordHeaderSize + SegmentFormat.PartialIdSize + settings.MaxLineSize;
        _segmentSize = Math.Max(Math.Clamp(settings.MaxBytes / 32, 512 * 1024, 32 * 1024 * 1024), 4L * maxRecord);
        _writeCapacity = Math.Max(WriteBufferSize, maxRecord);
        _writeBuffer = (byte*)NativeMemory.Alloc((nuint)_writeCapacity);
        _lastSyncMs = Environment.TickCount64;
    }

    /// <summary>
    /// Opens the buffer in its directory, recovering what an earlier run left. A directory locked by another
    /// sidecar is a configuration error (<see cref="DiskBufferInUseException"/>); any other trouble with the disk
    /// is reported and the buffer starts in memory, trying the disk again later.
    /// </summary>
    public static DiskQueue Open(DiskBufferSettings settings, Counters counters, Diagnostics diagnostics)
    {
        DirectoryLock? directoryLock = null;
        DeliveryCursor? cursor = null;
        try
        {
            if (OperatingSystem.IsLinux()) Directory.CreateDirectory(settings.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            directoryLock = DirectoryLock.TryAcquire(settings.Path, out var lockError, out bool held);
            if (held) throw new DiskBufferInUseException(lockError!);
            if (directoryLock is null) throw new IOException(lockError);
            cursor = DeliveryCursor.Open(settings.Path, out var warning);
            if (warning is not null) diagnostics.Report("disk buffer: " + warning);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            directoryLock?.Dispose();
            var memoryOnly = new DiskQueue(settings, counters, diagnostics, null, null);
            memoryOnly.FailDisk($"cannot use {settings.Path} ({e.Message})");
            return memoryOnly;
        }
        var queue = new DiskQueue(settings, counters, diagnostics, directoryLock, cursor);
        queue.Recover();
        return queue;
    }

    public bool Durable
    {
        get { lock (Gate) return !_diskFailed; }
    }

    /// <summary>What a drop notice says was full (made once).</summary>
    public string FullReason { get; }

    // ---------------------------------------------------------------- writer side (reader thread)

    public bool Append(in LogRecord record, long offset)
    {
        if (_completed) return false;
        if (_diskFailed && !TryDiskAgain()) return AppendToRing(record);
        int size = SegmentFormat.RecordSize(record);
        // Room for the record, the seal that closes its segment, and the header of a new one.
        long needed = size + SegmentFormat.SealSize + SegmentFormat.HeaderSize;
        while (_diskBytes + needed > _settings.MaxBytes)
        {
            if (_completed) return false;
            if (!_settings.Blocking)
            {
                if (!DropOldestSegment()) break; // nothing droppable: the budget is one segment short for a moment
            }
            else if (!WaitLocked(ref _writerWaiting)) return false;
        }
        if (_active is null || (_active.Size + _buffered + needed > _segmentSize && _active.Size + _buffered > SegmentFormat.HeaderSize))
        {
            if (!Rotate()) return AppendToRing(record);
        }
        if (_buffered + size > _writeCapacity && !WriteOut()) return AppendToRing(record);
        SegmentFormat.WriteLine(record, new Span<byte>(_writeBuffer + _buffered, size));
        _buffered += size;
        _diskBytes += size;
        _active!.Lines.Add(record.Stream, 1, record.Line.Length);
        return true;
    }

    /// <summary>Lines are queued as soon as they are appended: nothing is held.</summary>
    public long HeldFrom(LogStream stream) => long.MaxValue;

    public void EndOfRead()
    {
        int fd;
        bool directory;
        lock (Gate)
        {
            if (_buffered > 0) WriteOut();
            if (_senderWaiting) Monitor.PulseAll(Gate);
            if (_settings.Sync != BufferSync.Always || _diskFailed || !_dataDirty && !_directoryDirty) return;
            fd = _dataDirty ? _activeFd : -1;
            directory = _directoryDirty;
            _dataDirty = _directoryDirty = false;
        }
        // buffer-sync=always: what this read brought is on disk before the next read (a segment it sealed was synced
        // then), and so is a segment file it created. Only this thread writes or closes the active file, so it can be
        // synced without the lock.
        SyncFiles(fd, directory: directory);
    }

    private bool AppendToRing(in LogRecord record)
    {
        _fallbackLines++;
        return _ring.Append(record, 0);
    }

    /// <summary>Writes the write buffer to the active segment; on failure the disk is given up for now and the lines go to the ring.</summary>
    private bool WriteOut()
    {
        int written = 0;
        while (written < _buffered)
        {
            nint n = Libc.write(_activeFd, _writeBuffer + written, _buffered - written);
            if (n > 0)
            {
                written += (int)n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno == Libc.EINTR) continue;
            // Cut back whatever part of a record reached the file, so it ends on a whole record.
            Libc.ftruncate(_activeFd, _active!.Size);
            MoveBufferToRing();
            FailDisk($"writing {_active.Path} failed ({(n == 0 ? "nothing written" : Libc.ErrorText(errno))})");
            return false;
        }
        _active!.Size += _buffered;
        _buffered = 0;
        _dataDirty = true;
        return true;
    }

    private void MoveBufferToRing()
    {
        var pending = new ReadOnlySpan<byte>(_writeBuffer, _buffered);
        while (SegmentFormat.TryRead(pending, out var record, out int size, out _) == SegmentFormat.Parse.Line)
        {
            _active!.Lines.Add(record.Stream, -1, -record.Line.Length);
            AppendToRing(record);
            pending = pending[size..];
        }
        _diskBytes -= _buffered;
        _buffered = 0;
    }

    /// <summary>Seals the active segment and starts a new one; false (disk given up) when that fails.</summary>
    private bool Rotate()
    {
        if (_active is not null)
        {
            if (_buffered > 0 && !WriteOut()) return false;
            SealActive();
        }
        long number = ++_lastNumber;
        string path = System.IO.Path.Combine(_settings.Path, SegmentFormat.FileName(number));
        int fd = Libc.open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_APPEND | Libc.O_CLOEXEC, Mode0600);
        if (fd < 0)
        {
            FailDisk($"creating {path} failed ({Libc.ErrorText(Marshal.GetLastPInvokeError())})");
            return false;
        }
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        SegmentFormat.WriteHeader(header, number, DateTime.UtcNow.Ticks);
        nint n;
        fixed (byte* p = header) n = Libc.write(fd, p, header.Length);
        if (n != header.Length)
        {
            string reason = n < 0 ? Libc.ErrorText(Marshal.GetLastPInvokeError()) : "short write";
            Libc.close(fd);
            File.Delete(path);
            FailDisk($"creating {path} failed ({reason})");
            return false;
        }
        _activeFd = fd;
        _active = new QueueSegment(number, path, SegmentFormat.HeaderSize, fromEarlierRun: false);
        _segments.Add(_active);
        _diskBytes += SegmentFormat.HeaderSize;
        _dataDirty = _directoryDirty = true;
        return true;
    }

    /// <summary>Ends the active segment with its seal; its file waits for the next sync before it is closed.</summary>
    private void SealActive()
    {
        Span<byte> seal = stackalloc byte[SegmentFormat.SealSize];
        SegmentFormat.WriteSeal(_active!.Lines, seal);
        nint n;
        _active.LinesEnd = _active.Size;
        fixed (byte* p = seal) n = Libc.write(_activeFd, p, seal.Length);
        if (n == seal.Length)
        {
            _active.Size += n;
            _diskBytes += n;
        }
        else if (n > 0) Libc.ftruncate(_activeFd, _active.Size); // a seal cut short would read as damage
        _active.Sealed = true;
        Retire(_activeFd);
        _activeFd = -1;
        _active = null;
        if (_senderWaiting) Monitor.PulseAll(Gate);
    }

    /// <summary>
    /// A segment file written for the last time: with buffer-sync=interval it waits for the next sync to be synced and
    /// closed; with always it is synced now (the read that sealed it is taken out of the pipe next); with none, closed.
    /// </summary>
    private void Retire(int fd)
    {
        if (_settings.Sync == BufferSync.Interval)
        {
            _unsyncedFds.Add(fd);
            return;
        }
        if (_settings.Sync == BufferSync.Always) Libc.fdatasync(fd);
        Libc.close(fd);
    }

    private void FailDisk(string why)
    {
        if (_activeFd >= 0)
        {
            if (_active is not null) _active.Sealed = true;
            Retire(_activeFd);
            _activeFd = -1;
            _active = null;
        }
        _diskFailed = true;
        _diskFailedAtMs = Environment.TickCount64;
        _diagnostics.Report($"disk buffer: {why}; queuing in memory (max-buffer-size {_settings.MemoryBytes} bytes) and trying the disk again later");
    }

    /// <summary>
    /// After a failure, lines go to the memory ring. The disk is tried again only once the ring has drained (the
    /// sender reads the disk before the ring, so newer lines must not reach the disk while older ones wait in memory).
    /// </summary>
    private bool TryDiskAgain()
    {
        if (_lock is null || Environment.TickCount64 - _diskFailedAtMs < RetryDiskMs || !_ring.IsIdle) return false;
        _diskFailed = false;
        if (Rotate())
        {
            _diagnostics.Report($"disk buffer: writing to {_settings.Path} again");
            return true;
        }
        return false;
    }

    /// <summary>
    /// mode=non-blocking with a full budget: the oldest segment goes, counted per stream. A segment the sender is
    /// reading right now is passed over (its lines are on their way), as the ring never drops a reserved batch.
    /// </summary>
    private bool DropOldestSegment()
    {
        foreach (var segment in _segments)
        {
            if (segment == _active || (segment == _reading && _readReserved)) continue;
            var lost = segment.Lines.Minus(segment.Taken);
            RemoveSegment(segment);
            if (lost.AllLines > 0)
            {
                _counters.AddDropped(LogStream.Stdout, lost.Lines(LogStream.Stdout), lost.Bytes(LogStream.Stdout));
                _counters.AddDropped(LogStream.Stderr, lost.Lines(LogStream.Stderr), lost.Bytes(LogStream.Stderr));
                if (_settings.DropNotice)
                {
                    if (_unnoticed.AllLines == 0) _firstUnnoticedDropTicks = DateTime.UtcNow.Ticks;
                    _unnoticed.Add(lost);
                }
            }
            _diagnostics.Report($"disk buffer full (max-disk-buffer-size {_settings.MaxBytes} bytes): dropped {lost.AllLines} of the oldest queued lines ({segment})");
            return true;
        }
        return false;
    }

    private void RemoveSegment(QueueSegment segment)
    {
        _segments.Remove(segment);
        _diskBytes -= segment.Size;
        File.Delete(segment.Path);
        _directoryDirty = true;
        if (_writerWaiting) Monitor.PulseAll(Gate);
    }

    // ---------------------------------------------------------------- lifecycle

    public void CompleteAdding()
    {
        lock (Gate)
        {
            if (_buffered > 0) WriteOut();
            _completed = true;
            Monitor.PulseAll(Gate);
        }
        _ring.CompleteAdding();
    }

    public void SetDeadline(long deadlineMs)
    {
        lock (Gate)
        {
            _deadlineMs ??= deadlineMs;
            Monitor.PulseAll(Gate);
        }
        _ring.SetDeadline(deadlineMs);
    }

    public long? DeadlineMs
    {
        get { lock (Gate) return _deadlineMs; }
    }

    public void Wake()
    {
        lock (Gate) Monitor.PulseAll(Gate);
    }

    public void Sleep(int milliseconds)
    {
        long end = Environment.TickCount64 + milliseconds;
        while (true)
        {
            long now = Environment.TickCount64;
            if (now >= end) return;
            bool syncNow;
            lock (Gate)
            {
                syncNow = SyncDueLocked(now, out long syncInMs);
                long wait = syncInMs < 0 ? end - now : Math.Min(end - now, syncInMs); // -1: nothing to sync
                if (!syncNow && Monitor.Wait(Gate, (int)wait)) return;
            }
            if (syncNow) SyncNow();
        }
    }

    private bool WaitLocked(ref bool waitingFlag, long timeoutMs = Timeout.Infinite)
    {
        waitingFlag = true;
        try
        {
            if (_deadlineMs is { } deadline)
            {
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0) return false;
                timeoutMs = timeoutMs < 0 ? remaining : Math.Min(timeoutMs, remaining);
            }
            Monitor.Wait(Gate, (int)Math.Min(timeoutMs, int.MaxValue));
            return _deadlineMs is not { } d || Environment.TickCount64 < d;
        }
        finally
        {
            waitingFlag = false;
        }
    }

    // ---------------------------------------------------------------- syncing (buffer-sync=interval on the sender thread)

    /// <summary>Something written is not yet synced and the interval has passed; else how long until it would be.</summary>
    private bool SyncDueLocked(long now, out long inMs)
    {
        inMs = Timeout.Infinite;
        bool pending = (_settings.Sync == BufferSync.Interval && (_dataDirty || _unsyncedFds.Count > 0 || _directoryDirty))
                       || _cursor is { Dirty: true } && _settings.Sync != BufferSync.None;
        if (!pending) return false;
        long due = _lastSyncMs + SyncIntervalMs;
        if (now >= due) return true;
        inMs = due - now;
        return false;
    }

    /// <summary>One sync of everything written since the last: data files, then the directory and the cursor.</summary>
    private void SyncNow()
    {
        int active;
        List<int> rotated;
        bool directory;
        lock (Gate)
        {
            _lastSyncMs = Environment.TickCount64;
            // With always the reader syncs the data and the directory itself, before it takes a read out of the pipe:
            // its flags are left to it.
            bool interval = _settings.Sync == BufferSync.Interval;
            active = interval && _dataDirty ? _activeFd : -1;
            directory = interval && _directoryDirty;
            if (interval) _dataDirty = _directoryDirty = false;
            (rotated, _unsyncedFds) = (_unsyncedFds, _syncingFds);
            _syncingFds = rotated;
        }
        // With interval a rotated file is closed only here, so the active one cannot be closed under this sync: the
        // writer moves it to the unsynced list instead.
        SyncFiles(active, rotated, directory);
        rotated.Clear();
        _cursor?.Sync();
    }

    private void SyncFiles(int active, List<int>? rotated = null, bool directory = false)
    {
        if (active >= 0) Libc.fdatasync(active);
        if (rotated is not null)
            foreach (int fd in rotated)
            {
                Libc.fdatasync(fd);
                Libc.close(fd);
            }
        if (directory) Libc.SyncDirectory(_settings.Path);
    }

    // ---------------------------------------------------------------- counters

    public long LeftoverLines => Interlocked.Read(ref _leftoverLines);

    /// <summary>Lines on disk not yet delivered: they stay for the next start.</summary>
    public long KeptLines
    {
        get
        {
            lock (Gate) return Kept().AllLines;
        }
    }

    private StreamTotals Kept()
    {
        StreamTotals kept = _undelivered;
        foreach (var segment in _segments) kept.Add(segment.Lines.Minus(segment.Taken));
        return kept;
    }

    public void AppendCounters(StringBuilder text)
    {
        lock (Gate)
        {
            var kept = Kept();
            text.Append($" disk.queued.lines={kept.AllLines} disk.queued.bytes={kept.AllBytes} disk.leftover.lines={_leftoverLines} disk.replayed.lines={_replayedLines}");
            text.Append($" disk.damaged.records={_damagedRegions} disk.memory.lines={_fallbackLines} disk.segments={_segments.Count} disk.bytes={_diskBytes}");
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_buffered > 0) WriteOut();
            // A clean stop seals the last segment, so the next start counts it without reading it.
            if (_active is not null) SealActive();
            if (_activeFd >= 0) Libc.close(_activeFd);
        }
        SyncNow();
        _reader.Dispose();
        _cursor?.Dispose();
        _lock?.Dispose();
        _ring.Dispose();
        if (_writeBuffer is not null) NativeMemory.Free(_writeBuffer);
        _writeBuffer = null;
    }
}

/// <summary>Another sidecar holds the buffer's directory: a configuration error.</summary>
internal sealed class DiskBufferInUseException(string message) : Exception(message);

internal enum BufferSync { Interval, Always, None }

/// <summary>The disk buffer's options as one run uses them.</summary>
internal sealed record DiskBufferSettings(string Path, long MaxBytes, BufferSync Sync, bool Blocking, bool DropNotice, long MemoryBytes, int MaxLineSize);
