using System.Buffers;

namespace ContainerLogger.Drivers;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over memory the caller has pinned (a <c>fixed</c> span, such as the slice of
/// <see cref="MessageBatch"/>'s buffer an encoder is handed), so that a writer taking an IBufferWriter, such as
/// MessagePackWriter, writes straight into it: no copy, no allocation. One instance is reused for every record;
/// it is valid only between <see cref="Start"/> and the end of the caller's <c>fixed</c> block. It never grows:
/// asking for more than is left means the encoder's MaxEncodedLength was wrong, and fails.
/// </summary>
internal sealed unsafe class PinnedSpanWriter : MemoryManager<byte>, IBufferWriter<byte>
{
    private byte* _start;
    private int _capacity;

    /// <summary>Bytes advanced over since <see cref="Start"/>.</summary>
    public int Written { get; private set; }

    /// <summary>Points the writer at <paramref name="capacity"/> pinned bytes from <paramref name="start"/>.</summary>
    public void Start(byte* start, int capacity)
    {
        _start = start;
        _capacity = capacity;
        Written = 0;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _capacity - Written);
        Written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Memory.Slice(Written, Room(sizeHint));

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint) => new(_start + Written, Room(sizeHint));

    private int Room(int sizeHint)
    {
        int room = _capacity - Written;
        if (sizeHint > room) throw new InvalidOperationException($"an encoder asked for {sizeHint} bytes with {room} left: its MaxEncodedLength is too small");
        return room;
    }

    // MemoryManager: the whole pinned range, for GetMemory.
    public override Span<byte> GetSpan() => new(_start, _capacity);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_start + elementIndex);

    public override void Unpin()
    {
        // The caller pinned the memory and unpins it by leaving its fixed block.
    }

    protected override void Dispose(bool disposing)
    {
        // Nothing is owned.
    }
}
