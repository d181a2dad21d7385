using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;

namespace ContainerLogger.Storage;

/// <summary>The sender's side of the disk buffer: segments read back in order, the cursor moved after each delivered batch.</summary>
internal sealed partial class DiskQueue
{
    public bool Reserve(Func<bool> interrupted, out long start, out long end, out DropNotice notice)
    {
        start = end = 0;
        while (true)
        {
            QueueSegment? segment = null;
            long offset = 0, limit = 0;
            bool syncNow;
            lock (Gate)
            {
                _reservedFrom = Source.None;
                notice = TakeNoticeLocked();
                if (HasDiskToRead())
                {
                    segment = _reading!;
                    offset = _readOffset;
                    limit = segment.Size;
                    _readReserved = true;
                    _reservedFrom = Source.Disk;
                    syncNow = false;
                }
                else if (!_ring.IsEmpty && !notice.Any)
                {
                    // The ring holds only lines newer than everything on disk: it is read once the disk is. (A disk
                    // drop notice goes out alone first, so the ring's own notice is not taken and lost beside it.)
                    _reservedFrom = Source.Ring;
                    return _ring.Reserve(interrupted, out start, out end, out notice);
                }
                else if (notice.Any || interrupted()) return true;
                else if (_completed) return false;
                else
                {
                    syncNow = SyncDueLocked(Environment.TickCount64, out long syncInMs);
                    if (!syncNow)
                    {
                        if (!WaitLocked(ref _senderWaiting, syncInMs)) return false; // the shutdown deadline passed
                        continue;
                    }
                }
            }
            if (syncNow)
            {
                SyncNow();
                continue;
            }
            ReadRange(segment!, offset, limit, out start, out end);
            return true;
        }
    }

    /// <summary>
    /// Loads the sound line records from <paramref name="offset"/> that fit in the read buffer: [start, end). A seal
    /// or damage before the first of them is stepped over (start moves past it; damage is counted and reported).
    /// </summary>
    private void ReadRange(QueueSegment segment, long offset, long limit, out long start, out long end)
    {
        if (_reader.Path != segment.Path)
        {
            try
            {
                _reader.Open(segment.Path);
            }
            catch (IOException e)
            {
                // Deleted under us (dropped for room) or unreadable: nothing of it can be delivered.
                _diagnostics.Report($"disk buffer: {e.Message}; skipping {segment}");
                start = end = limit;
                return;
            }
        }
        try
        {
            ScanRange(segment, offset, limit, out start, out end);
        }
        catch (IOException e)
        {
            // A read error (EIO): what is left of the segment cannot be delivered; never fatal, the queue goes on.
            _diagnostics.Report($"disk buffer: {e.Message}; skipping the rest of {segment}");
            start = end = limit;
        }
    }

    private void ScanRange(QueueSegment segment, long offset, long limit, out long start, out long end)
    {
        long position = offset;
        start = offset;
        bool any = false;
        while (position < limit)
        {
            if (any && !_reader.Covers(position, Math.Min(SegmentFormat.RecordHeaderSize, limit - position))) break;
            var parse = SegmentFormat.TryRead(_reader.Load(position, limit, SegmentFormat.RecordHeaderSize), out _, out int size, out _);
            if (parse == SegmentFormat.Parse.Incomplete && size > 0 && position + size <= limit)
            {
                if (any && !_reader.Covers(position, size)) break;
                parse = SegmentFormat.TryRead(_reader.Load(position, limit, size), out _, out size, out _);
            }
            if (parse == SegmentFormat.Parse.Line)
            {
                if (!any) start = position;
                any = true;
                position += size;
                continue;
            }
            if (any) break;
            if (parse == SegmentFormat.Parse.Seal)
            {
                position += size;
            }
            else
            {
                // A record running past the end may be a damaged length as well as a torn tail: look for the next one either way.
                long next = _reader.FindNextRecord(position, limit);
                _damagedRegions++;
                _diagnostics.Report($"disk buffer: {segment}: skipped {next - position} damaged bytes at offset {position}");
                position = next;
            }
            start = position;
        }
        end = any ? position : start;
    }

    public LogRecord Read(long position, out long size)
    {
        if (_reservedFrom == Source.Ring) return _ring.Read(position, out size);
        SegmentFormat.TryRead(_reader.BufferedFrom(position), out var record, out int recordSize, out _);
        size = recordSize;
        // The sender may read one record more than the batch takes: each is counted once the next is read, the
        // last at the commit if the commit covers it.
        TallyLastRead();
        _lastRead = (position, record.Stream, record.Line.Length);
        return record;
    }

    private void TallyLastRead(long committedTo = long.MaxValue)
    {
        if (_lastRead is { } last && last.Position < committedTo) _reservationTally.Add(last.Stream, 1, last.Length);
        _lastRead = null;
    }

    public void Commit(long position, long entries)
    {
        lock (Gate)
        {
            if (_reservedFrom == Source.Ring) _ring.Commit(position, entries);
            else if (_reservedFrom == Source.Disk)
            {
                var segment = _reading!;
                TallyLastRead(position);
                _readOffset = position;
                _readReserved = false;
                segment.Taken.Add(_reservationTally);
                _undelivered.Add(_reservationTally);
                if (segment.FromEarlierRun) _replayedLines += _reservationTally.AllLines;
                _reservationTally = default;
                _deliveredTo = (segment.Number, position);
                if (_writerWaiting) Monitor.PulseAll(Gate);
            }
            _reservedFrom = Source.None;
        }
    }

    public void Delivered()
    {
        (long Segment, long Offset) to;
        lock (Gate)
        {
            _undelivered = default;
            if (_deliveredTo is not { } target) return;
            to = target;
            _deliveredTo = null;
            // Segments wholly behind the cursor are done.
            for (int i = 0; i < _segments.Count;)
            {
                var segment = _segments[i];
                bool done = segment != _active && (segment.Number < to.Segment || (segment.Number == to.Segment && segment.Sealed && to.Offset >= segment.LinesEnd));
                if (done) RemoveSegment(segment);
                else i++;
            }
        }
        string? error = null;
        _cursor?.Advance(to.Segment, to.Offset, out error);
        if (error is not null) _diagnostics.Report($"disk buffer: {error} (lines delivered since may be delivered again after a restart)");
    }

    /// <summary>Moves past segments read to the end (or removed), and says whether there is a record to read.</summary>
    private bool HasDiskToRead()
    {
        if (_reading is null)
        {
            if (_segments.Count == 0) return false;
            _reading = _segments[0];
            _readOffset = SegmentFormat.HeaderSize;
        }
        while (!_segments.Contains(_reading) || (_reading.Sealed && _readOffset >= _reading.Size))
        {
            var next = NextSegmentAfter(_reading.Number);
            if (next is null) return false;
            _reading = next;
            _readOffset = SegmentFormat.HeaderSize;
        }
        return _readOffset < _reading.Size;
    }

    private QueueSegment? NextSegmentAfter(long number)
    {
        foreach (var segment in _segments)
            if (segment.Number > number) return segment;
        return null;
    }

    private DropNotice TakeNoticeLocked()
    {
        if (_unnoticed.AllLines == 0) return default;
        var notice = new DropNotice(_unnoticed.Lines(LogStream.Stdout), _unnoticed.Bytes(LogStream.Stdout),
            _unnoticed.Lines(LogStream.Stderr), _unnoticed.Bytes(LogStream.Stderr), _firstUnnoticedDropTicks, FullReason);
        _unnoticed = default;
        return notice;
    }
}
