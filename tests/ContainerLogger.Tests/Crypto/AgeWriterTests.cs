using System.IO.Compression;
using System.Text;
using ContainerLogger.Crypto;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Crypto;

/// <summary>
/// The age v1 writer against the reference tool: what AgeWriter writes, `age -d` decrypts with X25519 identities
/// from age-keygen and RSA identities from ssh-keygen; a wrong identity, a truncated or an altered file fail.
/// </summary>
[TestFixture]
public sealed class AgeWriterTests
{
    private const int Chunk = 64 * 1024;
    private TempDirectory _keys = null!;
    private (string Identity, string Recipient) _alice, _bob, _rsa3072, _rsa2048;

    [OneTimeSetUp]
    public void MakeIdentities()
    {
        _keys = new TempDirectory();
        _alice = AgeTool.NewX25519(_keys.Path, "alice");
        _bob = AgeTool.NewX25519(_keys.Path, "bob");
        _rsa3072 = AgeTool.NewSshKey(_keys.Path, "carol", "rsa", 3072);
        _rsa2048 = AgeTool.NewSshKey(_keys.Path, "dave", "rsa", 2048);
    }

    [OneTimeTearDown]
    public void RemoveIdentities() => _keys.Dispose();

    private static byte[] Plaintext(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into a file, in writes of <paramref name="pieceSize"/> bytes.</summary>
    private string Encrypt(byte[] plaintext, int pieceSize, params string[] recipients)
    {
        string path = _keys.Combine(Guid.NewGuid().ToString("N") + ".age");
        using var file = File.Create(path);
        using var age = new AgeWriter(file, recipients.Select(AgeRecipient.Parse).ToList());
        for (int offset = 0; offset < plaintext.Length; offset += pieceSize)
            age.Write(plaintext, offset, Math.Min(pieceSize, plaintext.Length - offset));
        age.Finish();
        return path;
    }

    // Empty, one byte, a chunk minus one, exactly one chunk (a full final chunk), one more byte (a full chunk, then a
    // final one of a single byte), and several chunks with a short final one.
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(Chunk - 1)]
    [TestCase(Chunk)]
    [TestCase(Chunk + 1)]
    [TestCase(3 * Chunk)]
    [TestCase(5 * Chunk + 12345)]
    public void Age_decrypts_every_size(int length)
    {
        var plaintext = Plaintext(length);
        foreach (int piece in new[] { 1000, Chunk, Math.Max(1, length) })
        {
            string file = Encrypt(plaintext, piece, _alice.Recipient);
            Assert.That(AgeTool.DecryptOrFail(file, _alice.Identity), Is.EqualTo(plaintext), $"{length} bytes written {piece} at a time");
        }
    }

    [Test]
    public void Payload_is_the_spec_size_one_tag_per_chunk_after_the_header_and_nonce()
    {
        foreach (int length in new[] { 0, Chunk, Chunk + 1 })
        {
            var bytes = File.ReadAllBytes(Encrypt(Plaintext(length), Chunk, _alice.Recipient));
            int chunks = Math.Max(1, (length + Chunk - 1) / Chunk);
            Assert.That(bytes.Length - HeaderLength(bytes), Is.EqualTo(16 + length + 16 * chunks), $"{length} bytes");
        }
    }

    [TestCase(2048)] // a body of 342 base64 columns: five full lines and a short one
    [TestCase(3072)] // 512 columns: eight full lines, then the empty line that ends the stanza
    public void Age_decrypts_with_an_ssh_rsa_identity(int bits)
    {
        var key = bits == 3072 ? _rsa3072 : _rsa2048;
        var plaintext = Plaintext(Chunk + 7);
        string file = Encrypt(plaintext, 4096, key.Recipient);
        Assert.That(AgeTool.DecryptOrFail(file, key.Identity), Is.EqualTo(plaintext));
        string header = Encoding.ASCII.GetString(File.ReadAllBytes(file), 0, HeaderLength(File.ReadAllBytes(file)));
        Assert.That(header, Does.StartWith("age-encryption.org/v1\n-> ssh-rsa "));
        Assert.That(header.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(64), "header lines are wrapped at 64 columns");
    }

    [Test]
    public void Each_of_several_recipients_decrypts_and_a_stranger_does_not()
    {
        var plaintext = Plaintext(2 * Chunk + 3);
        string file = Encrypt(plaintext, 777, _alice.Recipient, _rsa3072.Recipient, _bob.Recipient);
        foreach (var identity in new[] { _alice.Identity, _bob.Identity, _rsa3072.Identity })
            Assert.That(AgeTool.DecryptOrFail(file, identity), Is.EqualTo(plaintext), Path.GetFileName(identity));

        var (exit, output, errors) = AgeTool.Decrypt(file, _rsa2048.Identity);
        Assert.That(exit, Is.Not.EqualTo(0), "an identity that is not a recipient cannot decrypt");
        Assert.That(output, Is.Empty);
        Assert.That(errors, Does.Contain("no identity matched"));
    }

    [Test]
    public void A_wrong_x25519_identity_fails()
    {
        string file = Encrypt(Plaintext(100), 100, _alice.Recipient);
        var (exit, output, _) = AgeTool.Decrypt(file, _bob.Identity);
        Assert.That(exit, Is.Not.EqualTo(0));
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void Age_rejects_truncated_files()
    {
        var plaintext = Plaintext(3 * Chunk + 10);
        var bytes = File.ReadAllBytes(Encrypt(plaintext, Chunk, _alice.Recipient));
        int payload = HeaderLength(bytes) + 16;
        // Cut inside the final chunk, at the end of a sealed chunk (a valid-looking prefix that lacks its final
        // chunk), right after the nonce, and inside the header.
        foreach (int length in new[] { bytes.Length - 1, payload + 2 * (Chunk + 16), payload, payload - 20 })
        {
            string cut = _keys.Combine($"cut-{length}.age");
            File.WriteAllBytes(cut, bytes[..length]);
            Assert.That(AgeTool.Decrypt(cut, _alice.Identity).ExitCode, Is.Not.EqualTo(0), $"cut to {length} of {bytes.Length} bytes");
        }
    }

    [Test]
    public void Age_rejects_altered_files()
    {
        var bytes = File.ReadAllBytes(Encrypt(Plaintext(Chunk + 100), Chunk, _alice.Recipient));
        int header = HeaderLength(bytes);
        // A payload byte (chunk tag fails), a nonce byte (wrong payload key), a stanza byte (the header MAC fails).
        foreach (int offset in new[] { bytes.Length - 50, header + 3, header - 60 })
        {
            var altered = (byte[])bytes.Clone();
            altered[offset] ^= 0x01;
            string path = _keys.Combine($"altered-{offset}.age");
            File.WriteAllBytes(path, altered);
            Assert.That(AgeTool.Decrypt(path, _alice.Identity).ExitCode, Is.Not.EqualTo(0), $"byte {offset} of {bytes.Length} altered");
        }
    }

    [Test]
    public void Disposing_without_finish_leaves_a_file_age_rejects()
    {
        string path = _keys.Combine("unfinished.age");
        using (var file = File.Create(path))
        using (var age = new AgeWriter(file, [AgeRecipient.Parse(_alice.Recipient)]))
            age.Write(Plaintext(Chunk + 5));
        Assert.That(AgeTool.Decrypt(path, _alice.Identity).ExitCode, Is.Not.EqualTo(0), "no final chunk: truncated, not a shorter valid file");
    }

    [Test]
    public void Gzip_then_age_in_one_pass_reads_back_with_age_and_gunzip()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 20000).Select(i => $"{{\"log\":\"line {i}\\n\"}}\n")));
        string path = _keys.Combine("stack.gz.age");
        using (var file = File.Create(path))
        using (var age = new AgeWriter(file, [AgeRecipient.Parse(_alice.Recipient)], leaveOpen: true))
        {
            using (var gzip = new GZipStream(age, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(text);
            age.Finish();
        }
        using var gunzip = new GZipStream(new MemoryStream(AgeTool.DecryptOrFail(path, _alice.Identity)), CompressionMode.Decompress);
        using var result = new MemoryStream();
        gunzip.CopyTo(result);
        Assert.That(result.ToArray(), Is.EqualTo(text));
    }

    [Test]
    public void X25519_stanza_has_the_spec_shape()
    {
        var bytes = File.ReadAllBytes(Encrypt([], 1, _alice.Recipient, _bob.Recipient));
        var lines = Encoding.ASCII.GetString(bytes, 0, HeaderLength(bytes)).Split('\n');
        Assert.That(lines[0], Is.EqualTo("age-encryption.org/v1"));
        Assert.That(lines[1], Does.Match("^-> X25519 [A-Za-z0-9+/]{43}$"), "the ephemeral share: 32 bytes, unpadded base64");
        Assert.That(lines[2], Does.Match("^[A-Za-z0-9+/]{43}$"), "the wrapped file key: 16 bytes and a 16-byte tag");
        Assert.That(lines[3], Does.StartWith("-> X25519 "));
        Assert.That(lines[1], Is.Not.EqualTo(lines[3]), "a fresh ephemeral key per stanza");
        Assert.That(lines[5], Does.Match("^--- [A-Za-z0-9+/]{43}$"), "the header MAC");
    }

    /// <summary>Bytes up to and including the "--- MAC" line.</summary>
    private static int HeaderLength(byte[] file)
    {
        int mac = file.AsSpan().IndexOf("\n--- "u8);
        return mac + 1 + file.AsSpan(mac + 1).IndexOf((byte)'\n') + 1;
    }
}
