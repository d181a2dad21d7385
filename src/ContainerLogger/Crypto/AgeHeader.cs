using System.Security.Cryptography;
using System.Text;

namespace ContainerLogger.Crypto;

/// <summary>
/// The textual header of an age v1 file: the version line, one stanza per recipient (base64 body wrapped at 64
/// columns, ending with a shorter line), and "--- " with the HMAC-SHA-256 of everything before it.
/// </summary>
internal static class AgeHeader
{
    public const int FileKeySize = 16;
    public const int WrapKeySize = 32;
    private const int ColumnsPerLine = 64;
    private const int MacSize = 32;
    private static ReadOnlySpan<byte> MacInfo => "header"u8;

    /// <summary>The header wrapping <paramref name="fileKey"/> for each recipient, as ASCII bytes.</summary>
    public static byte[] Write(ReadOnlySpan<byte> fileKey, IReadOnlyList<AgeRecipient> recipients)
    {
        if (recipients.Count == 0) throw new ArgumentException("an age file needs at least one recipient", nameof(recipients));
        var text = new StringBuilder("age-encryption.org/v1\n");
        foreach (var recipient in recipients)
        {
            var stanza = recipient.Wrap(fileKey);
            text.Append("-> ").Append(stanza.Arguments).Append('\n');
            string body = Base64(stanza.Body);
            // Full lines of 64 columns, then a shorter one, which is empty when the body fills its last line.
            for (int start = 0; ; start += ColumnsPerLine)
            {
                int length = Math.Min(ColumnsPerLine, body.Length - start);
                text.Append(body, start, length).Append('\n');
                if (length < ColumnsPerLine) break;
            }
        }
        text.Append("---");

        Span<byte> macKey = stackalloc byte[WrapKeySize];
        Span<byte> mac = stackalloc byte[MacSize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, macKey, salt: [], MacInfo);
        HMACSHA256.HashData(macKey, Encoding.ASCII.GetBytes(text.ToString()), mac);
        CryptographicOperations.ZeroMemory(macKey);
        text.Append(' ').Append(Base64(mac)).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>ChaCha20-Poly1305 of the file key under a zero nonce: ciphertext then tag, as recipient stanzas carry it.</summary>
    public static byte[] SealFileKey(ReadOnlySpan<byte> wrapKey, ReadOnlySpan<byte> fileKey)
    {
        var body = new byte[fileKey.Length + AgePayload.TagSize];
        using var aead = new ChaCha20Poly1305(wrapKey);
        aead.Encrypt(stackalloc byte[AgePayload.NonceSize], fileKey, body.AsSpan(0, fileKey.Length), body.AsSpan(fileKey.Length));
        return body;
    }

    /// <summary>Standard base64 without '=' padding, as every base64 string in an age header is.</summary>
    public static string Base64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');
}
