using System.Buffers.Binary;
using System.IO.Compression;

namespace ContainerLogger.Files;

/// <summary>
/// Writes a gzip file whose header carries an FEXTRA field (none when it is empty), as Go's gzip.Writer does with Header.Extra set
/// (MTIME 0, XFL 0, OS 255 unknown, then XLEN and the bytes). GZipStream cannot write FEXTRA, so the header
/// and the CRC-32/ISIZE trailer are written here around a raw DeflateStream body.
/// </summary>
internal static class GzipWithExtra
{
    private const byte FlagExtra = 0x04;

    /// <summary>
    /// Compresses what is left of <paramref name="input"/> into <paramref name="output"/> as one gzip member, and
    /// leaves both open. The output is only written to, so it may be a stream that transforms the bytes further.
    /// </summary>
    public static void Compress(Stream input, Stream output, ReadOnlySpan<byte> extra, CompressionLevel level)
    {
        WriteHeader(output, extra);
        uint crc = 0;
        long length = 0;
        var buffer = new byte[64 * 1024];
        using (var deflate = new DeflateStream(output, level, leaveOpen: true))
        {
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                crc = Crc32.Append(crc, buffer.AsSpan(0, read));
                length += read;
                deflate.Write(buffer, 0, read);
            }
        }
        // DeflateStream writes nothing at all for empty input, which leaves no deflate stream: write an empty final block.
        if (length == 0) output.Write([0x03, 0x00]);
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.Slice(4), (uint)length);
        output.Write(trailer);
    }

    private static void WriteHeader(Stream output, ReadOnlySpan<byte> extra)
    {
        Span<byte> header = stackalloc byte[12];
        header.Clear();
        header[0] = 0x1F;
        header[1] = 0x8B;
        header[2] = 8; // deflate
        header[9] = 0xFF;
        if (extra.IsEmpty)
        {
            output.Write(header[..10]);
            return;
        }
        header[3] = FlagExtra;
        BinaryPrimitives.WriteUInt16LittleEndian(header.Slice(10), checked((ushort)extra.Length));
        output.Write(header);
        output.Write(extra);
    }
}
