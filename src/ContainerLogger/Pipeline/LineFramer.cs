using System.Security.Cryptography;
using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline;

/// <summary>
/// Cuts one stream into lines (CONTRACT.md section 5): split on '\n', which is removed; a line longer than
/// max-line-size becomes pieces sharing a random 64-hex id, the first piece's time and an ordinal from 1,
/// the piece that ends the line marked last. A line of exactly max-line-size is whole. Bytes left without
/// a newline at EOF are shipped as the last piece, flagged unterminated.
/// </summary>
internal sealed class LineFramer
{
    private const int MinBufferSize = 64 << 10;

    private readonly LogStream _stream;
    private readonly int _maxLine;
    private readonly ILineSink _sink;
    private readonly Counters _counters;
    private readonly byte[] _buffer;
    private int _start, _filled, _scanned;
    /// <summary>The input offset of the byte at <see cref="_start"/>: bytes framed since the input was opened.</summary>
    private long _startOffset;
    private bool _inGroup;
    private int _ordinal;
    private long _groupTicks;
    private readonly byte[] _groupId = new byte[LogRing.PartialIdSize];

    public LineFramer(LogStream stream, int maxLineSize, ILineSink sink, Counters counters)
    {
        _stream = stream;
        _maxLine = maxLineSize;
        _sink = sink;
        _counters = counters;
        // Room for one whole maximal line plus the byte that tells whether it ends there, and reads of a useful size.
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(MinBufferSize, 2 * maxLineSize + 2));
    }

    /// <summary>The input offset of the first byte not yet handed to the sink (the start of an unfinished line).</summary>
    public long UnframedFrom => _startOffset;

    /// <summary>Where the next read goes; never smaller than half the buffer.</summary>
    public Span<byte> FreeSpace()
    {
        if (_start > 0 && _buffer.Length - _filled < _buffer.Length / 2)
        {
            _buffer.AsSpan(_start, _filled - _start).CopyTo(_buffer);
            _filled -= _start;
            _start = 0;
        }
        return _buffer.AsSpan(_filled);
    }

    /// <summary>
    /// Frames <paramref name="count"/> bytes just read into <see cref="FreeSpace"/>, read at <paramref name="ticks"/>.
    /// The caller holds the buffer's gate. False when the buffer stopped taking lines.
    /// </summary>
    public bool Frame(int count, long ticks)
    {
        _filled += count;
        while (_filled > _start)
        {
            var pending = _buffer.AsSpan(_start, _filled - _start);
            // Only the first max-line-size + 1 bytes can hold the newline that ends a whole line.
            int window = Math.Min(pending.Length, _maxLine + 1);
            int newline = pending[_scanned..window].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                newline += _scanned;
                if (!Emit(pending[..newline], newline + 1, ticks, endsLine: true, RecordFlags.None)) return false;
            }
            else if (pending.Length > _maxLine)
            {
                if (!Emit(pending[.._maxLine], _maxLine, ticks, endsLine: false, RecordFlags.None)) return false;
            }
            else
            {
                _scanned = pending.Length;
                break;
            }
        }
        return true;
    }

    /// <summary>EOF (or shutdown): ships what is left without a newline. The caller holds the buffer's gate.</summary>
    public bool Finish(long ticks)
    {
        if (_filled == _start) return true;
        var rest = _buffer.AsSpan(_start, _filled - _start);
        if (!_inGroup) StartGroup(ticks);
        return Emit(rest, rest.Length, ticks, endsLine: true, RecordFlags.Unterminated);
    }

    /// <summary>Hands one line (or piece) to the sink and moves past the <paramref name="consumed"/> bytes it came from.</summary>
    private bool Emit(ReadOnlySpan<byte> line, int consumed, long ticks, bool endsLine, RecordFlags extra)
    {
        long offset = _startOffset;
        _start += consumed;
        _startOffset += consumed;
        _scanned = 0;
        _counters.AddRead(_stream, 1, 0);
        bool taken;
        if (!_inGroup && endsLine) taken = _sink.Append(new LogRecord(line, _stream, ticks, extra), offset);
        else
        {
            if (!_inGroup) StartGroup(ticks);
            var flags = RecordFlags.Partial | extra;
            if (endsLine)
            {
                flags |= RecordFlags.Last;
                _inGroup = false;
            }
            taken = _sink.Append(new LogRecord(line, _stream, _groupTicks, flags, ++_ordinal, _groupId), offset);
        }
        // Refused (the buffer takes no more: a blocking run past its shutdown deadline): the line is not stored, so a
        // peeked pipe keeps it for the next start.
        if (!taken) _startOffset = offset;
        return taken;
    }

    private void StartGroup(long ticks)
    {
        _inGroup = true;
        _ordinal = 0;
        _groupTicks = ticks;
        NewPartialId(_groupId);
    }

    /// <summary>64 random lowercase hex characters whose first 12 are not all digits (as Docker's stringid).</summary>
    internal static void NewPartialId(Span<byte> id)
    {
        Span<byte> random = stackalloc byte[32];
        do
        {
            RandomNumberGenerator.Fill(random);
            for (int i = 0; i < random.Length; i++)
            {
                id[2 * i] = (byte)"0123456789abcdef"[random[i] >> 4];
                id[2 * i + 1] = (byte)"0123456789abcdef"[random[i] & 15];
            }
        } while (id[..12].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0);
    }
}
