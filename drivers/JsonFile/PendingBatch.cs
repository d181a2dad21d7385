using ContainerLogger.Files;
namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// Encoded records waiting for the file, in one buffer, with where each ends and its time. It also remembers how
/// far writing got, so a flush that failed part way resumes there: no record is lost or written twice.
/// </summary>
internal sealed class PendingBatch
{
    /// <summary>A batch stops taking records near this size; an empty batch takes a record of any size.</summary>
    internal const int TargetBytes = 256 * 1024;
    private const int InitialBytes = 16 * 1024;
    private const int InitialRecords = 64;

    private byte[] _bytes = new byte[InitialBytes];
    private int[] _ends = new int[InitialRecords];
    private long[] _ticks = new long[InitialRecords];
    private int _length;
    private int _count;
    private int _writtenBytes;
    private int _writtenRecords;

    /// <summary>Records not yet (completely) written.</summary>
    public int UnwrittenRecords => _count - _writtenRecords;

    /// <summary>Writing stopped between two records, not inside one.</summary>
    public bool AtRecordBoundary => _writtenBytes == (_writtenRecords == 0 ? 0 : _ends[_writtenRecords - 1]);

    /// <summary>Time of the last record written completely.</summary>
    public long LastWrittenTicks => _ticks[_writtenRecords - 1];

    /// <summary>Encodes the record at the end of the buffer; false, taking nothing, when the batch is full.</summary>
    public bool TryAdd(in LogRecord record, JsonFileEncoder encoder)
    {
        int room = encoder.MaxEncodedLength(record.Line.Length);
        if (_count > 0 && _length + room > TargetBytes) return false;
        // Growth is amortized: the buffers reach their working size once and stay there.
        // Past the first size, straight to the working size (no 32 to 128 KiB buffers left behind, as MessageBatch).
        if (_length + room > _bytes.Length) Array.Resize(ref _bytes, Math.Max(TargetBytes, _length + room));
        if (_count == _ends.Length)
        {
            Array.Resize(ref _ends, 2 * _count);
            Array.Resize(ref _ticks, 2 * _count);
        }
        _length += encoder.Encode(record, _bytes.AsSpan(_length));
        _ends[_count] = _length;
        _ticks[_count] = record.TimestampTicks;
        _count++;
        return true;
    }

    /// <summary>
    /// The unwritten records that go into a file with <paramref name="roomBeforeFull"/> bytes left before it is
    /// full: the next one always, then each following one while the file is still not full before it.
    /// </summary>
    public ReadOnlySpan<byte> NextRun(long roomBeforeFull)
    {
        int end = _ends[_writtenRecords];
        for (int i = _writtenRecords + 1; i < _count && end - _writtenBytes < roomBeforeFull; i++) end = _ends[i];
        return _bytes.AsSpan(_writtenBytes, end - _writtenBytes);
    }

    /// <summary>What is left of a record a failed write cut in two.</summary>
    public ReadOnlySpan<byte> RestOfRecord => _bytes.AsSpan(_writtenBytes, _ends[_writtenRecords] - _writtenBytes);

    /// <summary>Counts bytes the file took; true when that completed at least one record.</summary>
    public bool MarkWritten(int bytes)
    {
        int before = _writtenRecords;
        _writtenBytes += bytes;
        while (_writtenRecords < _count && _ends[_writtenRecords] <= _writtenBytes) _writtenRecords++;
        return _writtenRecords > before;
    }

    /// <summary>Empties the batch once all of it is written.</summary>
    public void Clear()
    {
        _length = _count = _writtenBytes = _writtenRecords = 0;
        // Only a huge record grows the buffer past a batch; give that memory back (2,000 of these run per host).
        if (_bytes.Length > TargetBytes) _bytes = new byte[InitialBytes];
    }
}
