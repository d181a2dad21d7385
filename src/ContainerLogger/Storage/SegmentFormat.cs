using System.Buffers.Binary;
using ContainerLogger.Drivers;

namespace ContainerLogger.Storage;

/// <summary>
/// The disk buffer's file format. A segment is a header and records back to back. Every record carries a marker,
/// its length and a CRC-32C of everything after the checksum, so a record torn by a crash or damaged on disk is
/// recognised, and the next good record found again by its marker. A segment closed normally ends with a seal
/// record holding its line and byte totals, so a later start counts a backlog without reading it.
/// <code>
/// header (32 bytes): u32 "CLQS" | u16 version | u16 header size | u64 segment number | i64 created (ticks) | u32 0 | u32 crc of bytes 0..27
/// record:            u32 "CLQR" | u32 crc of bytes 8..end | u32 payload length | u8 kind | u8 flags | u16 0 | i32 ordinal | i64 ticks
///                    | 64-byte partial id (partial lines only) | payload
/// </code>
/// Integers are little-endian. Kind 0 and 1 are lines of stdout and stderr; kind 2 is the seal (payload: stdout
/// lines, stdout bytes, stderr lines, stderr bytes as i64).
/// </summary>
internal static class SegmentFormat
{
    public const ushort Version = 1;
    public const int HeaderSize = 32;
    public const int RecordHeaderSize = 28;
    public const int PartialIdSize = 64;
    /// <summary>No line is longer than the largest max-line-size (1 MiB); a longer length is damage.</summary>
    public const int MaxPayload = 1 << 20;
    public const int MaxRecordSize = RecordHeaderSize + PartialIdSize + MaxPayload;
    public const int SealSize = RecordHeaderSize + 32;

    private const uint SegmentMagic = 0x53514C43; // "CLQS"
    private const uint RecordMagic = 0x52514C43;  // "CLQR"
    private const byte SealKind = 2;

    public static ReadOnlySpan<byte> RecordMarker => "CLQR"u8;

    public static string FileName(long number) => number.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + ".seg";

    /// <summary>The segment number of a file name written by <see cref="FileName"/>; false for any other file.</summary>
    public static bool TryParseFileName(string name, out long number)
    {
        number = 0;
        return name.Length == 20 && name.EndsWith(".seg", StringComparison.Ordinal) &&
               long.TryParse(name.AsSpan(0, 16), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out number) &&
               number >= 0;
    }

    public static void WriteHeader(Span<byte> header, long number, long createdTicks)
    {
        header[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, SegmentMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], number);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], createdTicks);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32C.Compute(header[..28]));
    }

    public enum HeaderCheck { Valid, Damaged, NewerVersion }

    /// <summary>Checks a segment header; <paramref name="version"/> is what the file says it is.</summary>
    public static HeaderCheck CheckHeader(ReadOnlySpan<byte> header, long expectedNumber, out ushort version)
    {
        version = 0;
        if (header.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(header) != SegmentMagic) return HeaderCheck.Damaged;
        version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        // A newer binary may lay the rest out differently: only its version is read.
        if (version > Version) return HeaderCheck.NewerVersion;
        if (header.Length < HeaderSize || version != Version ||
            BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Crc32C.Compute(header[..28]) ||
            BinaryPrimitives.ReadInt64LittleEndian(header[8..]) != expectedNumber)
            return HeaderCheck.Damaged;
        return HeaderCheck.Valid;
    }

    public static int RecordSize(in LogRecord record) =>
        RecordHeaderSize + (record.IsPartial ? PartialIdSize : 0) + record.Line.Length;

    /// <summary>Writes a line record into <paramref name="destination"/> (at least <see cref="RecordSize"/> bytes); returns its size.</summary>
    public static int WriteLine(in LogRecord record, Span<byte> destination)
    {
        int idSize = record.IsPartial ? PartialIdSize : 0;
        int size = RecordHeaderSize + idSize + record.Line.Length;
        var r = destination[..size];
        BinaryPrimitives.WriteUInt32LittleEndian(r, RecordMagic);
        BinaryPrimitives.WriteInt32LittleEndian(r[8..], record.Line.Length);
        r[12] = (byte)record.Stream;
        r[13] = (byte)record.Flags;
        r[14] = r[15] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(r[16..], record.PartialOrdinal);
        BinaryPrimitives.WriteInt64LittleEndian(r[20..], record.TimestampTicks);
        if (idSize > 0) record.PartialId.CopyTo(r[RecordHeaderSize..]);
        record.Line.CopyTo(r[(RecordHeaderSize + idSize)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(r[4..], Crc32C.Compute(r[8..]));
        return size;
    }

    /// <summary>Writes the seal: the segment's totals per stream.</summary>
    public static int WriteSeal(in StreamTotals totals, Span<byte> destination)
    {
        var r = destination[..SealSize];
        r.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(r, RecordMagic);
        BinaryPrimitives.WriteInt32LittleEndian(r[8..], 32);
        r[12] = SealKind;
        var payload = r[RecordHeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(payload, totals.Lines(LogStream.Stdout));
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], totals.Bytes(LogStream.Stdout));
        BinaryPrimitives.WriteInt64LittleEndian(payload[16..], totals.Lines(LogStream.Stderr));
        BinaryPrimitives.WriteInt64LittleEndian(payload[24..], totals.Bytes(LogStream.Stderr));
        BinaryPrimitives.WriteUInt32LittleEndian(r[4..], Crc32C.Compute(r[8..]));
        return SealSize;
    }

    public enum Parse { Line, Seal, Incomplete, Damaged }

    /// <summary>
    /// Reads the record at the start of <paramref name="data"/>. Incomplete: <paramref name="data"/> ends inside a
    /// record that looks sound so far (<paramref name="size"/> is its full size when known, else 0). Damaged: no
    /// sound record starts here.
    /// </summary>
    public static Parse TryRead(ReadOnlySpan<byte> data, out LogRecord record, out int size, out StreamTotals seal)
    {
        record = default;
        seal = default;
        size = 0;
        if (data.Length < RecordHeaderSize)
            return data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) != RecordMagic ? Parse.Damaged : Parse.Incomplete;
        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != RecordMagic) return Parse.Damaged;
        int length = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        byte kind = data[12];
        var flags = (RecordFlags)data[13];
        if (length < 0 || length > MaxPayload || kind > SealKind || (kind == SealKind && length != 32)) return Parse.Damaged;
        int idSize = kind != SealKind && (flags & RecordFlags.Partial) != 0 ? PartialIdSize : 0;
        size = RecordHeaderSize + idSize + length;
        if (data.Length < size) return Parse.Incomplete;
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) != Crc32C.Compute(data[8..size])) return Parse.Damaged;
        if (kind == SealKind)
        {
            var p = data[RecordHeaderSize..];
            seal = new StreamTotals();
            seal.Add(LogStream.Stdout, BinaryPrimitives.ReadInt64LittleEndian(p), BinaryPrimitives.ReadInt64LittleEndian(p[8..]));
            seal.Add(LogStream.Stderr, BinaryPrimitives.ReadInt64LittleEndian(p[16..]), BinaryPrimitives.ReadInt64LittleEndian(p[24..]));
            return Parse.Seal;
        }
        record = new LogRecord(data.Slice(RecordHeaderSize + idSize, length), (LogStream)kind,
            BinaryPrimitives.ReadInt64LittleEndian(data[20..]), flags, BinaryPrimitives.ReadInt32LittleEndian(data[16..]),
            data.Slice(RecordHeaderSize, idSize));
        return Parse.Line;
    }

    /// <summary>Where the first record marker at or after <paramref name="from"/> begins a record that is not damaged (it may be cut off by the end of <paramref name="data"/>), or -1.</summary>
    public static int FindNextRecord(ReadOnlySpan<byte> data, int from)
    {
        for (int at = from; at < data.Length;)
        {
            int found = data[at..].IndexOf(RecordMarker);
            if (found < 0) return -1;
            at += found;
            // A marker inside a line is only a candidate: the record behind it must check out (or run past the data).
            if (TryRead(data[at..], out _, out _, out _) != Parse.Damaged) return at;
            at++;
        }
        return -1;
    }
}

/// <summary>Lines and bytes per stream: a segment's totals, and what was dropped or is still queued.</summary>
internal struct StreamTotals
{
    private long _stdoutLines, _stdoutBytes, _stderrLines, _stderrBytes;

    public readonly long Lines(LogStream s) => s == LogStream.Stdout ? _stdoutLines : _stderrLines;
    public readonly long Bytes(LogStream s) => s == LogStream.Stdout ? _stdoutBytes : _stderrBytes;
    public readonly long AllLines => _stdoutLines + _stderrLines;
    public readonly long AllBytes => _stdoutBytes + _stderrBytes;

    public void Add(LogStream s, long lines, long bytes)
    {
        if (s == LogStream.Stdout) { _stdoutLines += lines; _stdoutBytes += bytes; }
        else { _stderrLines += lines; _stderrBytes += bytes; }
    }

    public void Add(in StreamTotals other)
    {
        _stdoutLines += other._stdoutLines;
        _stdoutBytes += other._stdoutBytes;
        _stderrLines += other._stderrLines;
        _stderrBytes += other._stderrBytes;
    }

    public readonly StreamTotals Minus(in StreamTotals other)
    {
        var result = this;
        result._stdoutLines -= other._stdoutLines;
        result._stdoutBytes -= other._stdoutBytes;
        result._stderrLines -= other._stderrLines;
        result._stderrBytes -= other._stderrBytes;
        return result;
    }
}
