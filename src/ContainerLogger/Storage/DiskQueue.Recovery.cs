using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Storage;

/// <summary>Start-up: what an earlier run left in the directory is queued ahead of anything new.</summary>
internal sealed unsafe partial class DiskQueue
{
    /// <summary>
    /// Takes the earlier run's segments in order. Those the cursor has passed are deleted; a segment without a seal
    /// (its run crashed) is read through, its torn tail cut off and reported, and sealed; a segment written by a newer
    /// format is left untouched, with an error. Delivery resumes at the cursor.
    /// </summary>
    private void Recover()
    {
        var files = new List<(long Number, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_settings.Path, "*.seg"))
            if (SegmentFormat.TryParseFileName(System.IO.Path.GetFileName(path), out long number)) files.Add((number, path));
        files.Sort((a, b) => a.Number.CompareTo(b.Number));
        long cursorSegment = _cursor!.Segment, cursorOffset = _cursor.Offset;
        using var reader = new SegmentReader();
        foreach (var (number, path) in files)
        {
            // New segments are numbered after every file here, a newer format's included, so order is kept for it.
            _lastNumber = Math.Max(_lastNumber, number);
            try
            {
                RecoverSegment(reader, number, path, number == cursorSegment ? cursorOffset : 0, number < cursorSegment);
            }
            catch (IOException e)
            {
                _diagnostics.Report($"disk buffer: {System.IO.Path.GetFileName(path)} left as it is: {e.Message}");
            }
        }
        StreamTotals left = default;
        foreach (var segment in _segments) left.Add(segment.Lines.Minus(segment.Taken));
        _leftoverLines = left.AllLines;
        if (left.AllLines > 0)
            _diagnostics.Report($"disk buffer: delivering {left.AllLines} lines ({left.AllBytes} bytes) left in {_settings.Path} by an earlier run first");
    }

    private void RecoverSegment(SegmentReader reader, long number, string path, long cursorOffset, bool delivered)
    {
        string name = System.IO.Path.GetFileName(path);
        reader.Open(path);
        long size = new FileInfo(path).Length;
        var check = SegmentFormat.CheckHeader(reader.Load(0, size, SegmentFormat.HeaderSize), number, out ushort version);
        if (check == SegmentFormat.HeaderCheck.NewerVersion)
        {
            _diagnostics.Report($"disk buffer: {name} was written by a newer containerlogger (format {version}; this one reads {SegmentFormat.Version}): left untouched for it, not delivered");
            return;
        }
        if (check == SegmentFormat.HeaderCheck.Damaged)
        {
            _diagnostics.Report($"disk buffer: {name} does not start with a valid segment header: left untouched, not delivered");
            return;
        }
        if (delivered)
        {
            // Delivered before the last run ended; its deletion did not reach the disk.
            File.Delete(path);
            return;
        }
        var segment = new QueueSegment(number, path, size, fromEarlierRun: true);
        if (cursorOffset <= SegmentFormat.HeaderSize && SegmentScan.TryReadSeal(reader, size, out var totals))
        {
            segment.Lines = totals;
            segment.LinesEnd = size - SegmentFormat.SealSize;
        }
        else
        {
            var scan = SegmentScan.Run(reader, size, Math.Max(cursorOffset, SegmentFormat.HeaderSize));
            segment.Lines = scan.Lines;
            segment.Taken = scan.BeforeCursor;
            segment.LinesEnd = scan.LinesEnd;
            if (!scan.Sealed) segment.Size = Seal(path, scan.ValidEnd, scan.Lines, scan.TornBytes, size);
            if (cursorOffset > SegmentFormat.HeaderSize)
            {
                _reading = segment;
                _readOffset = Math.Min(scan.CursorBoundary, segment.Size);
            }
        }
        _segments.Add(segment);
        _diskBytes += segment.Size;
    }

    /// <summary>
    /// Closes a segment whose run crashed: cuts off the torn tail (a record the crash left half written) and adds the
    /// seal, so the next start need not read it through again. Returns the size readers may read.
    /// </summary>
    private long Seal(string path, long validEnd, StreamTotals lines, long tornBytes, long size)
    {
        if (tornBytes > 0)
            _diagnostics.Report($"disk buffer: {System.IO.Path.GetFileName(path)}: discarded a torn record of {tornBytes} bytes at offset {validEnd} (the run that wrote it stopped mid-write)");
        int fd = Libc.open(path, Libc.O_WRONLY | Libc.O_CLOEXEC);
        if (fd < 0) return validEnd;
        try
        {
            Span<byte> seal = stackalloc byte[SegmentFormat.SealSize];
            SegmentFormat.WriteSeal(lines, seal);
            nint n = -1;
            if (Libc.ftruncate(fd, validEnd) == 0)
                fixed (byte* p = seal) n = Libc.pwrite(fd, p, seal.Length, validEnd);
            if (n != seal.Length)
            {
                _diagnostics.Report($"disk buffer: cannot seal {System.IO.Path.GetFileName(path)} ({Libc.ErrorText(Marshal.GetLastPInvokeError())}); reading it as it is");
                if (n > 0) Libc.ftruncate(fd, validEnd);
                return Math.Min(validEnd, size);
            }
            if (_settings.Sync != BufferSync.None) Libc.fdatasync(fd);
            return validEnd + n;
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
