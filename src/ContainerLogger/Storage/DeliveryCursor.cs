using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ContainerLogger.Native;

namespace ContainerLogger.Storage;

/// <summary>
/// Where delivery stands in the disk buffer: every record before (segment, offset) has reached the destination.
/// Kept in the file "cursor" as two slots written in turn, each with a write count and a CRC-32C, so a write torn by
/// a crash leaves the other slot, one step older, to start from: that only delivers a batch twice, never loses one.
/// <code>slot (32 bytes): u32 "CLQC" | u16 version | u16 0 | u64 write count | i64 segment | u32 offset | u32 crc of bytes 0..27</code>
/// </summary>
internal sealed unsafe class DeliveryCursor : IDisposable
{
    private const uint Magic = 0x43514C43; // "CLQC"
    private const int SlotSize = 32;
    private const uint Mode0600 = 0x180;

    private readonly string _path;
    private int _fd;
    private ulong _writes;

    private DeliveryCursor(string path, int fd, ulong writes, long segment, long offset)
    {
        _path = path;
        _fd = fd;
        _writes = writes;
        Segment = segment;
        Offset = offset;
    }

    public long Segment { get; private set; }
    public long Offset { get; private set; }
    /// <summary>A write since the last <see cref="Sync"/>.</summary>
    public bool Dirty { get; private set; }

    /// <summary>Opens (or creates) the cursor file in <paramref name="directory"/>; a new or unreadable one starts at the beginning.</summary>
    public static DeliveryCursor Open(string directory, out string? warning)
    {
        warning = null;
        string path = Path.Combine(directory, "cursor");
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, Mode0600);
        if (fd < 0) throw new IOException($"opening {path}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        Span<byte> slots = stackalloc byte[2 * SlotSize];
        nint read;
        fixed (byte* p = slots) read = Libc.pread(fd, p, slots.Length, 0);
        ulong bestWrites = 0;
        long segment = 0, offset = 0;
        bool found = false;
        for (int slot = 0; slot < 2 && (slot + 1) * SlotSize <= read; slot++)
        {
            var s = slots.Slice(slot * SlotSize, SlotSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(s) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(s[28..]) != Crc32C.Compute(s[..28]))
                continue;
            ulong writes = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
            if (found && writes <= bestWrites) continue;
            found = true;
            bestWrites = writes;
            segment = BinaryPrimitives.ReadInt64LittleEndian(s[16..]);
            offset = BinaryPrimitives.ReadUInt32LittleEndian(s[24..]);
        }
        if (!found && read > 0) warning = $"{path} is damaged: delivering the whole queue again from its oldest segment";
        return new DeliveryCursor(path, fd, bestWrites, segment, offset);
    }

    /// <summary>Records that delivery reached (segment, offset). A failed write is reported and costs only duplicates.</summary>
    public void Advance(long segment, long offset, out string? error)
    {
        error = null;
        Segment = segment;
        Offset = offset;
        _writes++;
        Span<byte> s = stackalloc byte[SlotSize];
        BinaryPrimitives.WriteUInt32LittleEndian(s, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], SegmentFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], _writes);
        BinaryPrimitives.WriteInt64LittleEndian(s[16..], segment);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)offset);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], Crc32C.Compute(s[..28]));
        nint written;
        fixed (byte* p = s) written = Libc.pwrite(_fd, p, SlotSize, (long)(_writes % 2) * SlotSize);
        if (written != SlotSize) error = $"writing {_path}: {(written < 0 ? Libc.ErrorText(Marshal.GetLastPInvokeError()) : "short write")}";
        Dirty = true;
    }

    public void Sync()
    {
        if (!Dirty) return;
        Dirty = false;
        Libc.fdatasync(_fd);
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }
}
