using ContainerLogger.Drivers;

namespace ContainerLogger.Storage;

/// <summary>What a full read of a segment left by an earlier run found.</summary>
internal readonly record struct SegmentScan(StreamTotals Lines, StreamTotals BeforeCursor, long CursorBoundary, long LinesEnd, long ValidEnd, bool Sealed, long TornBytes)
{
    /// <summary>
    /// Reads every record of the segment: totals per stream, those before <paramref name="cursorOffset"/>, the first
    /// record boundary at or after it, and where the sound records end. Damage in the middle is stepped over (the
    /// sender reports it when it skips it); damage with no sound record after it is a torn tail.
    /// </summary>
    public static SegmentScan Run(SegmentReader reader, long fileSize, long cursorOffset)
    {
        StreamTotals lines = default, before = default;
        long offset = SegmentFormat.HeaderSize, validEnd = offset, linesEnd = offset, boundary = -1, torn = 0;
        bool sealedFound = false;
        while (offset < fileSize)
        {
            if (boundary < 0 && offset >= cursorOffset) boundary = offset;
            var parse = SegmentFormat.TryRead(reader.Load(offset, fileSize, SegmentFormat.RecordHeaderSize), out var record, out int size, out var seal);
            if (parse == SegmentFormat.Parse.Incomplete && size > 0 && offset + size <= fileSize)
                parse = SegmentFormat.TryRead(reader.Load(offset, fileSize, size), out record, out size, out seal);
            if (parse == SegmentFormat.Parse.Line)
            {
                if (offset < cursorOffset) before.Add(record.Stream, 1, record.Line.Length);
                lines.Add(record.Stream, 1, record.Line.Length);
                offset += size;
                validEnd = linesEnd = offset;
                continue;
            }
            if (parse == SegmentFormat.Parse.Seal)
            {
                sealedFound = offset + size == fileSize;
                offset += size;
                validEnd = offset;
                continue;
            }
            // A record running past the end is a torn tail unless a sound record follows (then its length was damaged).
            long next = reader.FindNextRecord(offset, fileSize);
            if (next >= fileSize)
            {
                torn = fileSize - offset;
                break;
            }
            offset = next;
        }
        if (boundary < 0) boundary = validEnd;
        return new SegmentScan(lines, before, boundary, linesEnd, validEnd, sealedFound, torn);
    }

    /// <summary>The seal at the end of a segment closed normally; false when it has none (the run that wrote it crashed).</summary>
    public static bool TryReadSeal(SegmentReader reader, long fileSize, out StreamTotals totals)
    {
        totals = default;
        if (fileSize < SegmentFormat.HeaderSize + SegmentFormat.SealSize) return false;
        long at = fileSize - SegmentFormat.SealSize;
        return SegmentFormat.TryRead(reader.Load(at, fileSize, SegmentFormat.SealSize), out _, out _, out totals) == SegmentFormat.Parse.Seal;
    }
}
