using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ContainerLogger.Crypto;

/// <summary>
/// age's ssh-rsa recipient (as `age -R ~/.ssh/id_rsa.pub` makes it): the stanza "ssh-rsa TAG", TAG being the first
/// 4 bytes of SHA-256 of the key's SSH wire encoding, and a body of the file key encrypted with RSA-OAEP (SHA-256,
/// MGF1-SHA-256, label "age-encryption.org/v1/ssh-rsa"). The class library's RSA cannot take an OAEP label, so the
/// OAEP encryption is BouncyCastle's, drawing its randomness from the class library's generator.
/// </summary>
public sealed class SshRsaRecipient : AgeRecipient
{
    private const string KeyType = "ssh-rsa";
    private const int MinBits = 2048; // what age itself accepts
    private const int TagSize = 4;
    private static readonly byte[] OaepLabel = "age-encryption.org/v1/ssh-rsa"u8.ToArray();

    private readonly RsaKeyParameters _key;
    private readonly byte[] _wireKey;
    private string? _tag;

    private SshRsaRecipient(RsaKeyParameters key, byte[] wireKey)
    {
        _key = key;
        _wireKey = wireKey;
    }

    public override string Description => $"ssh-rsa {_key.Modulus.BitLength} bits";

    /// <summary>Parses an authorized_keys line: "ssh-rsa AAAA... [comment]".</summary>
    public static SshRsaRecipient FromAuthorizedKey(string text)
    {
        var fields = text.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2 || fields[0] != KeyType) throw new FormatException("malformed ssh-rsa public key (expected \"ssh-rsa AAAA... [comment]\")");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(fields[1]);
        }
        catch (FormatException)
        {
            throw new FormatException("malformed ssh-rsa public key (the key is not valid base64)");
        }
        var reader = new SshWireReader(blob);
        if (!reader.TryReadString(out var type) || !type.SequenceEqual("ssh-rsa"u8) ||
            !reader.TryReadPositiveMpint(out var exponent) || !reader.TryReadPositiveMpint(out var modulus) || !reader.AtEnd)
            throw new FormatException("malformed ssh-rsa public key (the key blob is not an SSH RSA public key)");
        var key = new RsaKeyParameters(false, new BigInteger(1, modulus), new BigInteger(1, exponent));
        if (key.Modulus.BitLength < MinBits)
            throw new FormatException($"ssh-rsa public key of {key.Modulus.BitLength} bits is too small (age needs at least {MinBits})");
        return new SshRsaRecipient(key, blob);
    }

    internal override AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var oaep = new OaepEncoding(new RsaEngine(), new Sha256Digest(), new Sha256Digest(), OaepLabel);
        oaep.Init(forEncryption: true, new ParametersWithRandom(_key, new SecureRandom(new CryptoApiRandomGenerator())));
        // Computed at the first file rather than at start: hashing loads OpenSSL, a few megabytes an idle sidecar need not carry.
        _tag ??= AgeHeader.Base64(SHA256.HashData(_wireKey).AsSpan(0, TagSize));
        return new AgeStanza($"{KeyType} {_tag}", oaep.ProcessBlock(fileKey.ToArray(), 0, fileKey.Length));
    }

    /// <summary>RFC 4251 encodings: uint32 length-prefixed strings and mpints.</summary>
    private ref struct SshWireReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool TryReadString(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (_rest.Length < 4) return false;
            uint length = BinaryPrimitives.ReadUInt32BigEndian(_rest);
            if (length > (uint)(_rest.Length - 4)) return false;
            value = _rest.Slice(4, (int)length);
            _rest = _rest.Slice(4 + (int)length);
            return true;
        }

        /// <summary>A two's complement mpint that must be positive; returns its magnitude.</summary>
        public bool TryReadPositiveMpint(out byte[] magnitude)
        {
            magnitude = [];
            if (!TryReadString(out var value) || value.IsEmpty || (value[0] & 0x80) != 0) return false;
            magnitude = value.ToArray();
            return true;
        }
    }
}
