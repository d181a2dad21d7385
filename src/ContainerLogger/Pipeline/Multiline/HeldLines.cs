namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// The lines one stream's multiline stage holds, in arrival order, back to back in one buffer with a '\n' after
/// each: the first n lines are already a record's joined text. Memory is taken when a line is first held, grows no
/// further than the stage can hold (the heap is capped), and is given back once a large record has left.
/// </summary>
internal sealed class HeldLines
{
    private const int InitialBytes = 4 << 10, InitialLines = 16, ShrinkAbove = 64 << 10;

    private struct Held
    {
        public int Start, Length;
        public long Offset, Ticks;
    }

    private readonly int _mostBytes;
    private byte[] _bytes = [];
    private Held[] _lines = [];
    private int _count, _used;

    /// <param name="mostBytes">The most the stage ever holds at once: a record, the line after it and the newlines.</param>
    public HeldLines(int mostBytes) => _mostBytes = mostBytes;

    public int Count => _count;

    public ReadOnlySpan<byte> Line(int index) => _bytes.AsSpan(_lines[index].Start, _lines[index].Length);

    /// <summary>The input offset of line <paramref name="index"/>, as the framer gave it.</summary>
    public long OffsetOf(int index) => _lines[index].Offset;

    public long TicksOf(int index) => _lines[index].Ticks;

    /// <summary>Bytes of the first <paramref name="count"/> lines joined with '\n'.</summary>
    public int JoinedLength(int count) => _lines[count - 1].Start + _lines[count - 1].Length;

    /// <summary>The first <paramref name="count"/> lines joined with '\n'; valid until the lines change.</summary>
    public ReadOnlySpan<byte> Joined(int count) => _bytes.AsSpan(0, JoinedLength(count));

    public void Add(ReadOnlySpan<byte> line, long offset, long ticks)
    {
        int needed = _used + line.Length + 1;
        if (needed > _bytes.Length) Array.Resize(ref _bytes, Math.Max(needed, Math.Min(_mostBytes, Math.Max(InitialBytes, 2 * _bytes.Length))));
        if (_count == _lines.Length) Array.Resize(ref _lines, Math.Max(InitialLines, 2 * _count));
        line.CopyTo(_bytes.AsSpan(_used));
        _bytes[_used + line.Length] = (byte)'\n';
        _lines[_count++] = new Held { Start = _used, Length = line.Length, Offset = offset, Ticks = ticks };
        _used = needed;
    }

    /// <summary>Drops the first <paramref name="count"/> lines (once they have been forwarded).</summary>
    public void RemoveFirst(int count)
    {
        if (count == _count)
        {
            _count = _used = 0;
            if (_bytes.Length > ShrinkAbove) _bytes = [];
            return;
        }
        int shift = _lines[count].Start;
        _bytes.AsSpan(shift, _used - shift).CopyTo(_bytes);
        _used -= shift;
        _lines.AsSpan(count, _count - count).CopyTo(_lines);
        _count -= count;
        for (int i = 0; i < _count; i++) _lines[i].Start -= shift;
    }
}
