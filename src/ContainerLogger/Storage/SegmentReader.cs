using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Storage;

/// <summary>
/// Reads one segment file through a buffer of its own (native memory, touched only as far as it is used), so
/// a backlog of any size costs the same memory. The buffer grows only for a record larger than it (at most
/// <see cref="SegmentFormat.MaxRecordSize"/>).
/// </summary>
internal sealed unsafe class SegmentReader : IDisposable
{
    private const int InitialCapacity = 256 * 1024;

    private byte* _buffer;
    private int _capacity;
    private long _bufferStart;
    private int _length;
    private int _fd = -1;

    public SegmentReader()
    {
        _capacity = InitialCapacity;
        _buffer = (byte*)NativeMemory.Alloc((nuint)_capacity);
    }

    public string? Path { get; private set; }

    public void Open(string path)
    {
        Close();
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0) throw new IOException($"opening {path}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        _fd = fd;
        Path = path;
        _length = 0;
    }

    public void Close()
    {
        if (_fd >= 0) Libc.close(_fd);
        _fd = -1;
        Path = null;
        _length = 0;
    }

    /// <summary>
    /// The bytes from <paramref name="offset"/> up to <paramref name="limit"/> (the end of what may be read), as
    /// many as the buffer holds, at least <paramref name="atLeast"/> when the file has them. Reads only when the
    /// buffer does not already cover that much.
    /// </summary>
    public ReadOnlySpan<byte> Load(long offset, long limit, int atLeast = 1)
    {
        long wanted = Math.Min(limit - offset, _capacity);
        if (wanted <= 0) return default;
        if (offset >= _bufferStart && offset + Math.Min(wanted, atLeast) <= _bufferStart + _length)
            return new ReadOnlySpan<byte>(_buffer + (offset - _bufferStart), (int)Math.Min(_bufferStart + _length - offset, limit - offset));
        if (atLeast > _capacity) Grow(atLeast);
        wanted = Math.Min(limit - offset, _capacity);
        _bufferStart = offset;
        _length = 0;
        while (_length < wanted)
        {
            nint n = Libc.pread(_fd, _buffer + _length, (nint)(wanted - _length), offset + _length);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                _length = 0;
                throw new IOException($"reading {Path}: {Libc.ErrorText(errno)}");
            }
            if (n == 0) break;
            _length += (int)n;
        }
        return new ReadOnlySpan<byte>(_buffer, _length);
    }

    /// <summary>Whether the buffer already holds [offset, offset + length).</summary>
    public bool Covers(long offset, long length) => offset >= _bufferStart && offset + length <= _bufferStart + _length;

    /// <summary>The buffered bytes from <paramref name="offset"/> (which the last <see cref="Load"/> covered) to the buffer's end.</summary>
    public ReadOnlySpan<byte> BufferedFrom(long offset) => new(_buffer + (offset - _bufferStart), (int)(_bufferStart + _length - offset));

    /// <summary>
    /// Where the next sound record starts after damage at <paramref name="offset"/>: the first marker behind
    /// which a record checks out, or <paramref name="limit"/> when none does.
    /// </summary>
    public long FindNextRecord(long offset, long limit)
    {
        long at = offset;
        int from = 1; // the damaged record at offset itself is no candidate
        while (at < limit)
        {
            var window = Load(at, limit, Math.Min(_capacity, (int)Math.Min(int.MaxValue, limit - at)));
            int next = SegmentFormat.FindNextRecord(window, from);
            from = 1;
            if (next >= 0)
            {
                // A candidate cut off by the window's end is checked whole before it is believed.
                var parsed = SegmentFormat.TryRead(Load(at + next, limit, SegmentFormat.RecordHeaderSize), out _, out int size, out _);
                if (parsed == SegmentFormat.Parse.Incomplete && size > 0 && at + next + size <= limit)
                    parsed = SegmentFormat.TryRead(Load(at + next, limit, size), out _, out _, out _);
                if (parsed != SegmentFormat.Parse.Damaged) return at + next;
                at += next;
                continue;
            }
            if (window.Length < 4 || at + window.Length >= limit) return limit;
            // Keep the last three bytes: a marker may straddle the window's end.
            at += window.Length - 3;
            from = 0;
        }
        return limit;
    }

    private void Grow(int size)
    {
        NativeMemory.Free(_buffer);
        _capacity = size;
        _buffer = (byte*)NativeMemory.Alloc((nuint)_capacity);
        _length = 0;
    }

    public void Dispose()
    {
        Close();
        if (_buffer is null) return;
        NativeMemory.Free(_buffer);
        _buffer = null;
    }
}
