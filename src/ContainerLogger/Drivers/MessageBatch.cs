namespace ContainerLogger.Drivers;

/// <summary>
/// Encoded messages waiting for the destination, back to back in one buffer, with where each ends. A stream
/// transport writes the buffer in large pieces and resumes, after a failure, at the first message the old
/// connection did not take whole, so a receiver never sees a message cut across two connections. A datagram
/// transport takes the messages a few dozen at a time (<see cref="PeekMessages"/>). Skipped records (an encoder
/// writing nothing, as for empty lines) take no bytes but count as records, so the host counts them as handled.
/// </summary>
internal sealed class MessageBatch
{
    /// <summary>A batch stops taking records near this size; an empty batch takes a record of any size.</summary>
    internal const int TargetBytes = 256 * 1024;
    private const int InitialBytes = 16 * 1024;
    private const int InitialRecords = 256;

    private byte[] _bytes = new byte[InitialBytes];
    private int[] _ends = new int[InitialRecords];
    private int[] _lineLengths = new int[InitialRecords];
    private LogStream[] _streams = new LogStream[InitialRecords];
    private int _length;
    private int _count;
    private int _sentBytes;
    private int _doneRecords;

    /// <summary>Records not yet handed over completely.</summary>
    public int Pending => _count - _doneRecords;

    public bool TryAdd(in LogRecord record, IMessageEncoder encoder)
    {
        int room = encoder.MaxEncodedLength(record.Line.Length);
        if (_count > 0 && _length + room > TargetBytes) return false;
        // Past the first size, straight to the working size: doubling on the way there would leave 32 to 128 KiB
        // buffers behind, the larger ones in the large object heap, which is collected only with the oldest generation.
        if (_length + room > _bytes.Length) Array.Resize(ref _bytes, Math.Max(TargetBytes, _length + room));
        if (_count == _ends.Length)
        {
            Array.Resize(ref _ends, 2 * _count);
            Array.Resize(ref _lineLengths, 2 * _count);
            Array.Resize(ref _streams, 2 * _count);
        }
        _length += encoder.Encode(record, _bytes.AsSpan(_length));
        _ends[_count] = _length;
        _lineLengths[_count] = record.Line.Length;
        _streams[_count] = record.Stream;
        _count++;
        return true;
    }

    // ---- stream transports ----

    /// <summary>The bytes not yet written, at most <paramref name="max"/>.</summary>
    public ReadOnlySpan<byte> Unsent(int max) => _bytes.AsSpan(_sentBytes, Math.Min(max, _length - _sentBytes));

    /// <summary>Counts bytes the connection took and the records they complete.</summary>
    public void MarkSent(int bytes)
    {
        _sentBytes += bytes;
        while (_doneRecords < _count && _ends[_doneRecords] <= _sentBytes) _doneRecords++;
    }

    /// <summary>The connection failed: the message it took only part of is written again, whole, on the next one.</summary>
    public void RewindToMessageStart() => _sentBytes = _doneRecords == 0 ? 0 : _ends[_doneRecords - 1];

    // ---- datagram transports ----

    /// <summary>The batch's encoded bytes, which datagram starts and lengths index.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, _length);

    /// <summary>
    /// The next messages not handed over, empty lines skipped: up to <paramref name="records"/>.Length of them, with
    /// their record numbers, starts and lengths in <see cref="Bytes"/>. Returns how many; 0 when the batch is done.
    /// </summary>
    public int PeekMessages(Span<int> records, Span<int> starts, Span<int> lengths)
    {
        int found = 0;
        for (int record = _doneRecords; record < _count && found < records.Length; record++)
        {
            int start = record == 0 ? 0 : _ends[record - 1];
            if (_ends[record] == start) continue;
            records[found] = record;
            starts[found] = start;
            lengths[found] = _ends[record] - start;
            found++;
        }
        if (found == 0) _doneRecords = _count; // only empty lines were left: handled
        return found;
    }

    public LogStream StreamOf(int record) => _streams[record];
    public int LineLengthOf(int record) => _lineLengths[record];

    /// <summary>Every record up to and including <paramref name="record"/> was sent, or given up on and counted.</summary>
    public void DoneThrough(int record)
    {
        _doneRecords = record + 1;
        _sentBytes = _ends[record];
    }

    // ---- file transports (s3's staging file: rotated before a record once full, as json-file's max-size) ----

    /// <summary>Records handed over completely, counted from the start of the batch.</summary>
    public int DoneRecords => _doneRecords;

    /// <summary>Writing stopped between two records, not inside one.</summary>
    public bool AtRecordBoundary => _sentBytes == (_doneRecords == 0 ? 0 : _ends[_doneRecords - 1]);

    /// <summary>
    /// The unsent bytes for a file with <paramref name="roomBeforeFull"/> bytes left before it is full: the rest
    /// of the next record always, then each following record while the file is still not full before it.
    /// </summary>
    public ReadOnlySpan<byte> NextRun(long roomBeforeFull)
    {
        int end = _ends[_doneRecords];
        for (int record = _doneRecords + 1; record < _count && end - _sentBytes < roomBeforeFull; record++) end = _ends[record];
        return _bytes.AsSpan(_sentBytes, end - _sentBytes);
    }

    /// <summary>Empties the batch once all of it is handed over.</summary>
    public void Clear()
    {
        _length = _count = _sentBytes = _doneRecords = 0;
        // Only a huge record grows the buffer past a batch; give that memory back (2,000 of these run per host).
        if (_bytes.Length > 2 * TargetBytes) _bytes = new byte[InitialBytes];
    }
}
