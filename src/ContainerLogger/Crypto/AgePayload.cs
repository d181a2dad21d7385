namespace ContainerLogger.Crypto;

/// <summary>The payload's STREAM construction: 64 KiB chunks, each sealed with ChaCha20-Poly1305.</summary>
internal static class AgePayload
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    /// <summary>The AEAD nonce: an 11-byte big-endian chunk counter, then 1 for the final chunk, else 0.</summary>
    public const int NonceSize = 12;
    /// <summary>The random nonce at the start of the payload, from which the payload key is derived.</summary>
    public const int KeyNonceSize = 16;
}
