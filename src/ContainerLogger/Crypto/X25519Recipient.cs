using System.Security.Cryptography;
using Curve25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace ContainerLogger.Crypto;

/// <summary>
/// The age X25519 recipient (age1...): an ephemeral X25519 key agreement with the recipient's key, HKDF-SHA-256 of
/// the shared secret into a wrap key, and the file key sealed with ChaCha20-Poly1305 under a zero nonce. The curve
/// arithmetic is BouncyCastle's (the class library has no X25519); everything else is the class library's.
/// </summary>
public sealed class X25519Recipient : AgeRecipient
{
    private const int KeySize = 32;
    private static ReadOnlySpan<byte> WrapInfo => "age-encryption.org/v1/X25519"u8;

    private readonly byte[] _publicKey;

    private X25519Recipient(byte[] publicKey) => _publicKey = publicKey;

    public override string Description => "X25519";

    /// <summary>Parses an age1... Bech32 public key; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static X25519Recipient FromBech32(string text)
    {
        byte[] key;
        try
        {
            key = Bech32.Decode(text, out var hrp);
            if (hrp != "age") throw new FormatException("not an age1... key");
        }
        catch (FormatException e)
        {
            throw new FormatException($"malformed age1... X25519 key ({e.Message})");
        }
        if (key.Length != KeySize) throw new FormatException($"malformed age1... X25519 key ({key.Length} bytes instead of {KeySize})");
        // A low-order point gives an all-zero shared secret whatever the ephemeral key: no identity could decrypt.
        // Any scalar shows it (clamping makes every scalar a multiple of the cofactor); a fixed one keeps the random
        // generator, and with it OpenSSL's few megabytes, unloaded until the first file is encrypted.
        Span<byte> scalar = stackalloc byte[KeySize];
        Span<byte> shared = stackalloc byte[KeySize];
        scalar.Fill(0x5A);
        if (!Curve25519.CalculateAgreement(scalar, key, shared)) throw new FormatException("age1... X25519 key is not a usable public key (low-order point)");
        return new X25519Recipient(key);
    }

    internal override AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        Span<byte> ephemeralSecret = stackalloc byte[KeySize];
        Span<byte> ephemeralShare = stackalloc byte[KeySize];
        Span<byte> sharedSecret = stackalloc byte[KeySize];
        Span<byte> salt = stackalloc byte[2 * KeySize];
        Span<byte> wrapKey = stackalloc byte[AgeHeader.WrapKeySize];
        try
        {
            RandomNumberGenerator.Fill(ephemeralSecret);
            Curve25519.ScalarMultBase(ephemeralSecret, ephemeralShare);
            if (!Curve25519.CalculateAgreement(ephemeralSecret, _publicKey, sharedSecret))
                throw new CryptographicException("X25519 agreement gave an all-zero secret");
            ephemeralShare.CopyTo(salt);
            _publicKey.CopyTo(salt.Slice(KeySize));
            HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, wrapKey, salt, WrapInfo);
            return new AgeStanza("X25519 " + AgeHeader.Base64(ephemeralShare), AgeHeader.SealFileKey(wrapKey, fileKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeralSecret);
            CryptographicOperations.ZeroMemory(sharedSecret);
            CryptographicOperations.ZeroMemory(wrapKey);
        }
    }
}
