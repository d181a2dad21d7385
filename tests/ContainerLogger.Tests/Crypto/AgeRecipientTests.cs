using ContainerLogger.Crypto;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Crypto;

/// <summary>Recipients as `age -r` takes them; a rejected one is described without repeating the key.</summary>
[TestFixture]
public sealed class AgeRecipientTests
{
    private TempDirectory _keys = null!;
    private (string Identity, string Recipient) _x25519, _rsa;

    [OneTimeSetUp]
    public void MakeIdentities()
    {
        _keys = new TempDirectory();
        _x25519 = AgeTool.NewX25519(_keys.Path, "x");
        _rsa = AgeTool.NewSshKey(_keys.Path, "r", "rsa", 2048);
    }

    [OneTimeTearDown]
    public void RemoveIdentities() => _keys.Dispose();

    [Test]
    public void Parses_age_keygen_and_ssh_keygen_public_keys()
    {
        Assert.That(AgeRecipient.Parse(_x25519.Recipient).Description, Is.EqualTo("X25519"));
        Assert.That(AgeRecipient.Parse(_x25519.Recipient.ToUpperInvariant()).Description, Is.EqualTo("X25519"), "Bech32 may be all upper case");
        Assert.That(AgeRecipient.Parse(_rsa.Recipient).Description, Is.EqualTo("ssh-rsa 2048 bits"));
        Assert.That(AgeRecipient.Parse(string.Join(' ', _rsa.Recipient.Split(' ').Take(2))).Description, Is.EqualTo("ssh-rsa 2048 bits"), "the comment is optional");
    }

    [Test]
    public void A_corrupted_age1_key_is_rejected_without_showing_it()
    {
        string key = _x25519.Recipient;
        char last = key[^1] == 'q' ? 'p' : 'q';
        AssertRejected(key[..^1] + last, "bad bech32 checksum");
        AssertRejected(key[..^6] + key[^6..].ToUpperInvariant(), "mixed upper and lower case");
        AssertRejected(key[..20], "malformed age1... X25519 key");
    }

    [Test]
    public void A_secret_key_is_refused_and_never_repeated()
    {
        string secret = File.ReadAllLines(_x25519.Identity).Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal));
        AssertRejected(secret, "this is a secret key");
        AssertRejected(File.ReadAllLines(_rsa.Identity)[0], "this is a secret key");
    }

    [Test]
    public void Other_ssh_key_types_are_unsupported()
    {
        string ed25519 = AgeTool.NewSshKey(_keys.Path, "e", "ed25519").Recipient;
        AssertRejected(ed25519, "unsupported key type ssh-ed25519");
        AssertRejected("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=", "unsupported key type ecdsa-sha2-nistp256");
        AssertRejected("hello", "unrecognized recipient");
    }

    [Test]
    public void Malformed_or_small_ssh_rsa_keys_are_rejected()
    {
        var fields = _rsa.Recipient.Split(' ');
        AssertRejected($"ssh-rsa {fields[1][..40]}@@ x", "not valid base64");
        AssertRejected($"ssh-rsa {fields[1][..40]} x", "malformed ssh-rsa public key");
        AssertRejected("ssh-rsa", "malformed ssh-rsa public key");
        string small = AgeTool.NewSshKey(_keys.Path, "small", "rsa", 1024).Recipient;
        AssertRejected(small, "1024 bits is too small");
    }

    private static void AssertRejected(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => AgeRecipient.Parse(text))!;
        Assert.That(e.Message, Does.Contain(expected));
        // Nothing of the key's own characters beyond its type may show: test with its longest word.
        string body = text.Split(' ').OrderByDescending(w => w.Length).First();
        if (body.Length > 20) Assert.That(e.Message, Does.Not.Contain(body[4..20]), "the message repeats the key");
    }
}
