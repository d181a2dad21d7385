namespace ContainerLogger.Drivers.Syslog;

/// <summary>
/// Encoded messages waiting for the destination, back to back in one buffer, with where each ends. A stream
/// transport writes the buffer in large pieces and resumes, after a failure, at the first message the old
/// connection did not take whole, so a receiver never sees a message cut across two connections. A datagram
/// transport takes the messages one by one. Empty lines take no bytes but count as records, so the host
/// counts them as handled.
/// </summary>
internal sealed class SyslogBatch
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

    public bool TryAdd(in LogRecord record, SyslogEncoder encoder)
    {
        int room = encoder.MaxEncodedLength(record.Line.Length);
        if (_count > 0 && _length + room > TargetBytes) return false;
        if (_length + room > _bytes.Length) Array.Resize(ref _bytes, Math.Max(2 * _bytes.Length, _length + room));
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

    /// <summary>The next message not handed over, or false when the batch is done; skips empty lines.</summary>
    public bool NextMessage(out ReadOnlySpan<byte> message, out LogStream stream, out int lineLength)
    {
        while (_doneRecords < _count)
        {
            int start = _doneRecords == 0 ? 0 : _ends[_doneRecords - 1];
            int end = _ends[_doneRecords];
            if (end > start)
            {
                message = _bytes.AsSpan(start, end - start);
                stream = _streams[_doneRecords];
                lineLength = _lineLengths[_doneRecords];
                return true;
            }
            _doneRecords++;
        }
        message = default;
        stream = default;
        lineLength = 0;
        return false;
    }

    /// <summary>The message from <see cref="NextMessage"/> was sent, or given up on and counted.</summary>
    public void MessageDone()
    {
        _doneRecords++;
        _sentBytes = _ends[_doneRecords - 1];
    }

    /// <summary>Empties the batch once all of it is handed over.</summary>
    public void Clear()
    {
        _length = _count = _sentBytes = _doneRecords = 0;
        // Only a huge record grows the buffer past a batch; give that memory back (2,000 of these run per host).
        if (_bytes.Length > 2 * TargetBytes) _bytes = new byte[InitialBytes];
    }
}
