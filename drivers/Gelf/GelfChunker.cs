namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// GELF's UDP chunking (docker-logdrivers.md 10.3): a payload of at most 1420 bytes is one datagram; a larger one
/// is cut into datagrams of a 12-byte header (0x1e 0x0f, an 8-byte message id, sequence number, count) and at most
/// 1408 payload bytes, at most 128 of them. Unlike go-gelf, a payload that is an exact multiple of 1408 bytes has
/// no trailing header-only chunk.
/// </summary>
public static class GelfChunker
{
    public const int MaxDatagram = 1420;
    public const int HeaderSize = 12;
    public const int ChunkPayload = MaxDatagram - HeaderSize;
    public const int MaxChunks = 128;

    /// <summary>Datagrams a payload of this many bytes needs; more than <see cref="MaxChunks"/> cannot be sent.</summary>
    public static int DatagramCount(int length) => length <= MaxDatagram ? 1 : (length + ChunkPayload - 1) / ChunkPayload;

    /// <summary>
    /// Writes chunk <paramref name="sequence"/> of <paramref name="count"/> (header and payload) into
    /// <paramref name="destination"/>; returns its length.
    /// </summary>
    public static int WriteChunk(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> messageId, int sequence, int count, Span<byte> destination)
    {
        destination[0] = 0x1e;
        destination[1] = 0x0f;
        messageId[..8].CopyTo(destination[2..]);
        destination[10] = (byte)sequence;
        destination[11] = (byte)count;
        int start = sequence * ChunkPayload;
        var part = payload.Slice(start, Math.Min(ChunkPayload, payload.Length - start));
        part.CopyTo(destination[HeaderSize..]);
        return HeaderSize + part.Length;
    }
}
