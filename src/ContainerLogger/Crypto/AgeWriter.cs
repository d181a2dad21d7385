using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ContainerLogger.Crypto;

/// <summary>
/// A write-only stream that encrypts what is written to it into <c>output</c> as an age v1 file, in one pass with
/// one 64 KiB chunk of memory: the header goes out at construction, each chunk once the next byte shows it is not
/// the last, and the final chunk at <see cref="Finish"/>. Stacks under other streams ("gzip → age → file/upload").
/// Disposing without <see cref="Finish"/> leaves the output without a final chunk, so a reader sees a truncated
/// file rather than a shorter valid one.
/// </summary>
public sealed class AgeWriter : Stream
{
    private static ReadOnlySpan<byte> PayloadInfo => "payload"u8;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly ChaCha20Poly1305 _aead;
    // One chunk of plaintext, sealed in place, with room for its tag.
    private readonly byte[] _chunk = new byte[AgePayload.ChunkSize + AgePayload.TagSize];
    private readonly byte[] _nonce = new byte[AgePayload.NonceSize];
    private int _filled;
    private ulong _chunkCounter;
    private bool _finished;
    private bool _disposed;

    /// <param name="output">Where the age file goes; written sequentially, never sought.</param>
    /// <param name="recipients">At least one: each of their identities can decrypt the file.</param>
    /// <param name="leaveOpen">Leave <paramref name="output"/> open when this stream is disposed.</param>
    public AgeWriter(Stream output, IReadOnlyList<AgeRecipient> recipients, bool leaveOpen = false)
    {
        _output = output;
        _leaveOpen = leaveOpen;
        Span<byte> fileKey = stackalloc byte[AgeHeader.FileKeySize];
        Span<byte> keyNonce = stackalloc byte[AgePayload.KeyNonceSize];
        Span<byte> payloadKey = stackalloc byte[AgeHeader.WrapKeySize];
        try
        {
            RandomNumberGenerator.Fill(fileKey);
            RandomNumberGenerator.Fill(keyNonce);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, payloadKey, keyNonce, PayloadInfo);
            _aead = new ChaCha20Poly1305(payloadKey);
            output.Write(AgeHeader.Write(fileKey, recipients));
            output.Write(keyNonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
            CryptographicOperations.ZeroMemory(payloadKey);
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished && !_disposed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished) throw new InvalidOperationException("the age file is finished");
        while (!buffer.IsEmpty)
        {
            // A full chunk followed by more data is not the last one: seal it now.
            if (_filled == AgePayload.ChunkSize) SealChunk(last: false);
            int n = Math.Min(AgePayload.ChunkSize - _filled, buffer.Length);
            buffer.Slice(0, n).CopyTo(_chunk.AsSpan(_filled));
            _filled += n;
            buffer = buffer.Slice(n);
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Flushes the output; the chunk being filled stays here (a chunk before the last must be full).</summary>
    public override void Flush() => _output.Flush();

    /// <summary>Seals the final chunk (empty only when nothing was written) and flushes the output. Call once, at the end.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished) return;
        SealChunk(last: true);
        _output.Flush();
        _finished = true;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _aead.Dispose();
            if (!_leaveOpen) _output.Dispose();
        }
        base.Dispose(disposing);
    }

    private void SealChunk(bool last)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(3, 8), _chunkCounter);
        _nonce[^1] = last ? (byte)1 : (byte)0;
        var plaintext = _chunk.AsSpan(0, _filled);
        _aead.Encrypt(_nonce, plaintext, plaintext, _chunk.AsSpan(_filled, AgePayload.TagSize));
        _output.Write(_chunk, 0, _filled + AgePayload.TagSize);
        _chunkCounter++;
        _filled = 0;
    }
}
