using ContainerLogger.Crypto;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Crypto;

/// <summary>
/// encryption-recipients and encryption-recipients-file as a run loads them (CONTRACT.md section 13): every problem
/// is a configuration error naming the option, and none shows key material.
/// </summary>
[TestFixture]
public sealed class EncryptionOptionsTests
{
    private const string Rotation = "\"max-size\":\"1m\",\"max-file\":\"3\"";
    private TempDirectory _dir = null!;
    private (string Identity, string Recipient) _x25519, _rsa, _other;
    private string _secret = null!;

    [OneTimeSetUp]
    public void MakeIdentities()
    {
        _dir = new TempDirectory();
        _x25519 = AgeTool.NewX25519(_dir.Path, "x");
        _other = AgeTool.NewX25519(_dir.Path, "o");
        _rsa = AgeTool.NewSshKey(_dir.Path, "r", "rsa", 2048);
        _secret = File.ReadAllLines(_x25519.Identity).Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal));
    }

    [OneTimeTearDown]
    public void RemoveIdentities() => _dir.Dispose();

    private static string Config(string options) => "{" + Rotation + "," + options + "}";

    private static string Json(string value) => System.Text.Json.JsonEncodedText.Encode(value).ToString();

    private static IReadOnlyList<string> Errors(string options, params (string, string?)[] extra) => Env.Load(Config(options), extra).Errors;

    private string WriteFile(string name, params string[] lines)
    {
        string path = _dir.Combine(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Test]
    public void No_option_means_no_encryption()
    {
        Assert.That(Env.Valid("{" + Rotation + "}").EncryptTo, Is.Null);
    }

    [Test]
    public void Listed_recipients_and_a_file_add_up()
    {
        string file = WriteFile("union.txt", "# the tenant's keys", "", _rsa.Recipient, "   ", "# end");
        var loaded = Env.Valid(Config($"\"encryption-recipients\":\"{_x25519.Recipient}, {_other.Recipient}\",\"encryption-recipients-file\":\"{Json(file)}\""));
        Assert.That(loaded.EncryptTo!.Select(r => r.Description), Is.EqualTo(new[] { "X25519", "X25519", "ssh-rsa 2048 bits" }));
        Assert.That(loaded.CreateContext(new ContainerLogger.Drivers.Diagnostics(TextWriter.Null)).EncryptTo, Is.SameAs(loaded.EncryptTo));
    }

    [Test]
    public void The_file_template_picks_the_tenant_by_label()
    {
        WriteFile("acme.txt", _x25519.Recipient);
        WriteFile("globex.txt", _rsa.Recipient);
        string template = Json(_dir.Path + "/{{index .ContainerLabels \"tenant\"}}.txt");
        foreach (var (tenant, expected) in new[] { ("acme", "X25519"), ("globex", "ssh-rsa 2048 bits") })
        {
            var loaded = Env.Valid(Config($"\"encryption-recipients-file\":\"{template}\""), ("DOCKERLOG_LABELS", $"{{\"tenant\":\"{tenant}\"}}"));
            Assert.That(loaded.EncryptTo!.Select(r => r.Description), Is.EqualTo(new[] { expected }), tenant);
        }
    }

    [Test]
    public void A_missing_file_names_the_option_and_the_rendered_path()
    {
        string template = _dir.Path + "/{{index .ContainerLabels \"tenant\"}}.txt";
        var errors = Errors($"\"encryption-recipients-file\":\"{Json(template)}\"", ("DOCKERLOG_LABELS", "{\"tenant\":\"initech\"}"));
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.Contain("option \"encryption-recipients-file\"").And.Contain(_dir.Path + "/initech.txt").And.Contain("no such file").And.Contain(template));
    }

    [Test]
    public void A_directory_or_a_huge_file_is_not_a_recipients_file()
    {
        Directory.CreateDirectory(_dir.Combine("adir"));
        Assert.That(Errors($"\"encryption-recipients-file\":\"{Json(_dir.Combine("adir"))}\"").Single(), Does.Contain("it is a directory"));
        string huge = _dir.Combine("huge.txt");
        File.WriteAllBytes(huge, new byte[(1 << 20) + 1]);
        Assert.That(Errors($"\"encryption-recipients-file\":\"{Json(huge)}\"").Single(), Does.Contain("not a recipients file"));
    }

    [Test]
    public void A_template_that_renders_to_nothing_is_an_error()
    {
        var errors = Errors("\"encryption-recipients-file\":\"{{index .ContainerLabels \\\"tenant\\\"}}\"");
        Assert.That(errors.Single(), Does.Contain("option \"encryption-recipients-file\"").And.Contain("renders to an empty path"));
        Assert.That(Errors("\"encryption-recipients-file\":\"{{.Nope}}\"").Single(), Does.Contain("\"encryption-recipients-file\" has a bad value"));
    }

    [Test]
    public void Each_malformed_line_is_reported_by_number_without_its_content()
    {
        string corrupted = _other.Recipient[..^1] + (_other.Recipient[^1] == 'q' ? 'p' : 'q');
        string file = WriteFile("bad.txt", "# keys", _x25519.Recipient, corrupted, _secret, AgeTool.NewSshKey(_dir.Path, "e", "ed25519").Recipient);
        var errors = Errors($"\"encryption-recipients-file\":\"{Json(file)}\"");
        Assert.That(errors, Has.Count.EqualTo(3), string.Join(" | ", errors));
        Assert.That(errors[0], Does.Contain("option \"encryption-recipients-file\"").And.Contain("bad.txt\" line 3: malformed age1... X25519 key (bad bech32 checksum)"));
        Assert.That(errors[1], Does.Contain("line 4: this is a secret key"));
        Assert.That(errors[2], Does.Contain("line 5: unsupported key type ssh-ed25519"));
        AssertNoKeyMaterial(errors, corrupted);
    }

    [Test]
    public void A_file_with_only_comments_has_no_recipients()
    {
        string file = WriteFile("empty.txt", "# nobody yet", "");
        Assert.That(Errors($"\"encryption-recipients-file\":\"{Json(file)}\"").Single(), Does.Contain("has no recipients"));
    }

    [Test]
    public void A_listed_recipient_is_reported_by_position_without_its_content()
    {
        var errors = Errors($"\"encryption-recipients\":\"{_x25519.Recipient},{_secret},,ssh-dss AAAAB3NzaC1kc3MAAACBAP\"");
        Assert.That(errors, Has.Count.EqualTo(3), string.Join(" | ", errors));
        Assert.That(errors[0], Does.StartWith("DOCKERLOG_CONFIG: option \"encryption-recipients\": recipient 2 of 4: this is a secret key"));
        Assert.That(errors[1], Does.Contain("recipient 3 of 4: empty"));
        Assert.That(errors[2], Does.Contain("recipient 4 of 4: unsupported key type ssh-dss"));
        AssertNoKeyMaterial(errors);
        Assert.That(Errors("\"encryption-recipients\":\"\"").Single(), Does.Contain("option \"encryption-recipients\" is empty"));
    }

    [Test]
    public void Every_problem_is_reported_at_once()
    {
        var errors = Env.Load($"{{\"encryption-recipients\":\"nonsense\",\"encryption-recipients-file\":\"{Json(_dir.Combine("absent.txt"))}\"}}").Errors;
        Assert.That(errors, Has.Count.EqualTo(3), string.Join(" | ", errors));
        Assert.That(errors.Count(e => e.Contains("needs max-size set and max-file of at least 2")), Is.EqualTo(1), "only rotated files are encrypted");
        Assert.That(errors.Count(e => e.Contains("unrecognized recipient")), Is.EqualTo(1));
        Assert.That(errors.Count(e => e.Contains("no such file")), Is.EqualTo(1));
    }

    [Test]
    public void Json_file_without_rotation_refuses_encryption()
    {
        var error = Env.SingleError($"{{\"max-file\":\"3\",\"encryption-recipients\":\"{_x25519.Recipient}\"}}");
        Assert.That(error, Does.Contain("option \"encryption-recipients\" encrypts rotated files (the live file stays plain) and needs max-size set"));
    }

    /// <summary>Neither the secret key nor any public key of the fixture shows in a message.</summary>
    private void AssertNoKeyMaterial(IEnumerable<string> errors, params string[] more)
    {
        foreach (var key in new[] { _secret, _x25519.Recipient, _other.Recipient, _rsa.Recipient.Split(' ')[1] }.Concat(more))
            foreach (var error in errors)
                Assert.That(error, Does.Not.Contain(key[5..25]), "a message shows key material");
    }
}
