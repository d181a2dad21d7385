using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline;

/// <summary>
/// The one bounded queue between the readers and the driver: a byte ring holding each line with a small
/// header, sized by max-buffer-size (headers count toward it, so memory stays bounded whatever the lines).
/// The reader appends whole chunks of lines under <see cref="Gate"/>; the sender reserves what is queued,
/// encodes it into the driver's batch without the lock, then commits, so reading and encoding overlap.
/// Every entry is contiguous: an entry that crosses the end spills into a slack area of one maximal
/// entry, and the bytes it shadows at the start stay unused until it is consumed.
/// </summary>
internal sealed unsafe class LogRing : IRecordQueue
{
    private const int HeaderSize = 20; // int length, byte stream, byte flags, 2 spare, int ordinal, long ticks
    public const int PartialIdSize = 64;

    private readonly byte* _memory;
    private readonly long _capacity;
    private readonly bool _blocking;
    private readonly bool _countNotices;
    private readonly Counters _counters;
    private long _head, _reserved, _tail, _entries;
    private bool _completed, _senderWaiting, _writerWaiting;
    private long? _deadlineMs;
    private readonly long[] _unnoticedLines = new long[2];
    private readonly long[] _unnoticedBytes = new long[2];
    private long _firstUnnoticedDropTicks;

    /// <param name="gate">The lock to guard the ring with; its own by default (the disk buffer shares its lock with its fallback ring).</param>
    public LogRing(long capacity, int maxLineSize, bool blocking, bool dropNotice, Counters counters, object? gate = null)
    {
        Gate = gate ?? this;
        _capacity = capacity;
        _blocking = blocking;
        _countNotices = dropNotice;
        _counters = counters;
        FullReason = $"buffer full (max-buffer-size {capacity} bytes)";
        // malloc of this size is an mmap: pages become resident only once lines are written into them.
        _memory = (byte*)NativeMemory.Alloc((nuint)(capacity + HeaderSize + PartialIdSize + maxLineSize));
    }

    /// <summary>The lock guarding the ring; readers hold it while framing a chunk.</summary>
    public object Gate { get; }

    public long QueuedEntries { get { lock (Gate) return _entries; } }

    /// <summary>Nothing to reserve: no line and no drop notice waiting. The caller holds <see cref="Gate"/>.</summary>
    internal bool IsEmpty => _tail == _head && !HasUnnoticedDrops;

    /// <summary>Empty, and nothing reserved by the sender either. The caller holds <see cref="Gate"/>.</summary>
    internal bool IsIdle => IsEmpty && _reserved == _head;

    /// <summary>Lines in memory are lost with the process: a reader consumes its input as it reads it.</summary>
    public bool Durable => false;

    public void EndOfRead() { }

    public void Delivered() { }

    /// <summary>What a drop notice says was full (made once: notices come at most once a batch).</summary>
    public string FullReason { get; }

    public void AppendCounters(System.Text.StringBuilder text) { }

    public long KeptLines => 0;
    public long LeftoverLines => 0;

    public bool Append(in LogRecord record, long offset) =>
        Append(record.Stream, record.Flags, record.PartialOrdinal, record.TimestampTicks, record.PartialId, record.Line);

    /// <summary>The ring queues every line it takes at once.</summary>
    public long HeldFrom(LogStream stream) => long.MaxValue;

    /// <summary>Queues one line; the caller holds <see cref="Gate"/>. False once the ring no longer takes lines.</summary>
    public bool Append(LogStream stream, RecordFlags flags, int ordinal, long ticks, ReadOnlySpan<byte> partialId, ReadOnlySpan<byte> line)
    {
        bool partial = (flags & RecordFlags.Partial) != 0;
        long size = HeaderSize + (partial ? PartialIdSize : 0) + line.Length;
        while (_capacity - (_tail - _head) < size)
        {
            if (_completed) return false;
            if (!_blocking && _reserved == _head) DropOldest();
            // Blocking mode waits for the driver; non-blocking waits only while the sender is encoding.
            else if (!WaitLocked(ref _writerWaiting)) return false;
        }
        if (_completed) return false;

        byte* p = _memory + _tail % _capacity;
        Unsafe.WriteUnaligned(p, line.Length);
        p[4] = (byte)stream;
        p[5] = (byte)flags;
        Unsafe.WriteUnaligned(p + 8, ordinal);
        Unsafe.WriteUnaligned(p + 12, ticks);
        p += HeaderSize;
        if (partial)
        {
            partialId.CopyTo(new Span<byte>(p, PartialIdSize));
            p += PartialIdSize;
        }
        line.CopyTo(new Span<byte>(p, line.Length));
        _tail += size;
        _entries++;
        if (_senderWaiting) Monitor.PulseAll(Gate);
        return true;
    }

    /// <summary>No more lines will come (EOF on every input, or shutdown).</summary>
    public void CompleteAdding()
    {
        lock (Gate)
        {
            _completed = true;
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>Shutdown began: waits for room end at this <see cref="Environment.TickCount64"/> time.</summary>
    public void SetDeadline(long deadlineMs)
    {
        lock (Gate)
        {
            _deadlineMs ??= deadlineMs;
            Monitor.PulseAll(Gate);
        }
    }

    public long? DeadlineMs { get { lock (Gate) return _deadlineMs; } }

    /// <summary>Wakes a waiting sender, say to reopen its destination.</summary>
    public void Wake()
    {
        lock (Gate) Monitor.PulseAll(Gate);
    }

    /// <summary>
    /// Sender side: waits until there is work, then reserves everything queued. Returns false when there is
    /// nothing left to do: complete and empty, or the shutdown deadline passed. <paramref name="interrupted"/>
    /// ends the wait early (checked under the lock).
    /// </summary>
    public bool Reserve(Func<bool> interrupted, out long start, out long end, out DropNotice notice)
    {
        lock (Gate)
        {
            while (_tail == _head && !HasUnnoticedDrops && !_completed && !interrupted())
                if (!WaitLocked(ref _senderWaiting)) break; // the shutdown deadline passed
            notice = TakeNoticeLocked();
            start = _head;
            end = _reserved = _tail;
            return _tail != _head || notice.Any || interrupted();
        }
    }

    /// <summary>Reads the entry at <paramref name="position"/> inside a reservation; no lock needed.</summary>
    public LogRecord Read(long position, out long size)
    {
        byte* p = _memory + position % _capacity;
        int length = Unsafe.ReadUnaligned<int>(p);
        var flags = (RecordFlags)p[5];
        int idSize = (flags & RecordFlags.Partial) != 0 ? PartialIdSize : 0;
        size = HeaderSize + idSize + length;
        return new LogRecord(new ReadOnlySpan<byte>(p + HeaderSize + idSize, length), (LogStream)p[4],
            Unsafe.ReadUnaligned<long>(p + 12), flags, Unsafe.ReadUnaligned<int>(p + 8), new ReadOnlySpan<byte>(p + HeaderSize, idSize));
    }

    /// <summary>Ends a reservation: entries before <paramref name="position"/> are in the driver's batch now.</summary>
    public void Commit(long position, long entries)
    {
        lock (Gate)
        {
            _head = _reserved = position;
            _entries -= entries;
            if (_writerWaiting) Monitor.PulseAll(Gate);
        }
    }

    /// <summary>Sleeps up to <paramref name="milliseconds"/>; shutdown and wake-ups end it early.</summary>
    public void Sleep(int milliseconds)
    {
        lock (Gate) Monitor.Wait(Gate, milliseconds);
    }

    private bool HasUnnoticedDrops => _countNotices && (_unnoticedLines[0] | _unnoticedLines[1]) != 0;

    private DropNotice TakeNoticeLocked()
    {
        if (!HasUnnoticedDrops) return default;
        var notice = new DropNotice(_unnoticedLines[0], _unnoticedBytes[0], _unnoticedLines[1], _unnoticedBytes[1], _firstUnnoticedDropTicks, FullReason);
        Array.Clear(_unnoticedLines);
        Array.Clear(_unnoticedBytes);
        return notice;
    }

    private void DropOldest()
    {
        var record = Read(_head, out long size);
        _counters.AddDropped(record.Stream, 1, record.Line.Length);
        if (_countNotices)
        {
            if ((_unnoticedLines[0] | _unnoticedLines[1]) == 0) _firstUnnoticedDropTicks = DateTime.UtcNow.Ticks;
            _unnoticedLines[(int)record.Stream]++;
            _unnoticedBytes[(int)record.Stream] += record.Line.Length;
        }
        _head = _reserved = _head + size;
        _entries--;
    }

    private bool WaitLocked(ref bool waitingFlag)
    {
        waitingFlag = true;
        try
        {
            if (_deadlineMs is not { } deadline)
                return Monitor.Wait(Gate);
            long remaining = deadline - Environment.TickCount64;
            return remaining > 0 && (Monitor.Wait(Gate, (int)Math.Min(remaining, int.MaxValue)) || Environment.TickCount64 < deadline);
        }
        finally
        {
            waitingFlag = false;
        }
    }

    public void Dispose() => NativeMemory.Free(_memory);
}

/// <summary>Lines dropped since the last notice, per stream, when the first of them was dropped, and which limit was reached.</summary>
internal readonly record struct DropNotice(long StdoutLines, long StdoutBytes, long StderrLines, long StderrBytes, long SinceTicks, string Reason)
{
    public bool Any => (StdoutLines | StderrLines) != 0;
}
