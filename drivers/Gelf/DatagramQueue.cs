using ContainerLogger.Native;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// UDP datagrams of several messages, chunked as GELF needs, waiting to leave in one sendmmsg(2) call. Each
/// datagram remembers its message, so a refused datagram loses (and counts) that message once, and its other
/// chunks are not sent.
/// </summary>
internal sealed class DatagramQueue(DriverLosses losses, Diagnostics diagnostics)
{
    private readonly byte[] _buffer = new byte[Datagrams.MaxPerCall * GelfChunker.MaxDatagram];
    private readonly int[] _starts = new int[Datagrams.MaxPerCall];
    private readonly int[] _lengths = new int[Datagrams.MaxPerCall];
    private readonly int[] _records = new int[Datagrams.MaxPerCall];
    private readonly byte[] _messageId = new byte[8];
    private int _count;
    private int _bytes;
    private long _lost;
    private int _lastLost = -1;

    /// <summary>Queues the datagrams of one message (record <paramref name="record"/> of the batch), sending when full.</summary>
    public void Add(RawSocket socket, ReadOnlySpan<byte> payload, int record, MessageBatch batch)
    {
        int chunks = GelfChunker.DatagramCount(payload.Length);
        if (chunks > GelfChunker.MaxChunks)
        {
            if (Lose(batch, record))
                diagnostics.Report($"gelf: a message was dropped: a message of {payload.Length} bytes would need {chunks} chunks (at most {GelfChunker.MaxChunks}); {_lost} dropped so far");
            return;
        }
        if (chunks == 1)
        {
            if (_count == _starts.Length) Send(socket, batch);
            payload.CopyTo(_buffer.AsSpan(_bytes));
            Commit(record, payload.Length);
            return;
        }
        Random.Shared.NextBytes(_messageId);
        for (int sequence = 0; sequence < chunks; sequence++)
        {
            if (_count == _starts.Length) Send(socket, batch);
            int length = GelfChunker.WriteChunk(payload, _messageId, sequence, chunks, _buffer.AsSpan(_bytes));
            Commit(record, length);
        }
    }

    /// <summary>Record numbers restart with the next group of messages.</summary>
    public void ForgetLosses() => _lastLost = -1;

    /// <summary>Sends everything queued; refused datagrams are counted and skipped, never retried.</summary>
    public void Send(RawSocket socket, MessageBatch batch)
    {
        int next = 0;
        while (next < _count)
        {
            int sent = Datagrams.Send(socket.Fd, _buffer, _starts.AsSpan(next, _count - next), _lengths.AsSpan(next, _count - next), out int errno);
            next += sent;
            if (errno == 0) continue;
            int record = _records[next];
            if (Lose(batch, record)) diagnostics.Report($"gelf: a message was dropped: a datagram was refused ({Libc.ErrorText(errno)}); {_lost} dropped so far");
            while (next < _count && _records[next] == record) next++;
        }
        _count = 0;
        _bytes = 0;
    }

    private void Commit(int record, int length)
    {
        _starts[_count] = _bytes;
        _lengths[_count] = length;
        _records[_count] = record;
        _count++;
        _bytes += length;
    }

    /// <summary>Counts record <paramref name="record"/> as lost; false if it was already (its chunks left in two calls, both refused).</summary>
    private bool Lose(MessageBatch batch, int record)
    {
        if (record == _lastLost) return false;
        _lastLost = record;
        losses.Lost(batch.StreamOf(record), batch.LineLengthOf(record));
        _lost++;
        return true;
    }
}
