using System.IO.Compression;
using System.Text;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.JsonFile;

/// <summary>
/// json-file with encryption-recipients: rotated files become .age (.gz.age with compress) as they are rotated,
/// decrypted by Debian's age; the live file stays plain; no unencrypted rotated file is left behind.
/// </summary>
[TestFixture]
public sealed class EncryptedRotationTests
{
    private TempDirectory _keys = null!;
    private (string Identity, string Recipient) _tenant, _operator;

    [OneTimeSetUp]
    public void MakeIdentities()
    {
        _keys = new TempDirectory();
        _tenant = AgeTool.NewX25519(_keys.Path, "tenant");
        _operator = AgeTool.NewSshKey(_keys.Path, "operator", "rsa", 2048);
    }

    [OneTimeTearDown]
    public void RemoveIdentities() => _keys.Dispose();

    private static string Text100(int i) => $"record {i:D4} " + new string('y', 27);

    [TestCase("index", false)]
    [TestCase("index", true)]
    [TestCase("timestamp", false)]
    [TestCase("timestamp", true)]
    public void Rotated_files_are_encrypted_and_the_live_file_is_plain(string naming, bool compress)
    {
        using var rig = new JsonFileRig($"\"max-size\":\"1k\",\"max-file\":\"3\",\"compress\":\"{(compress ? "true" : "false")}\",\"rotate-naming\":\"{naming}\"," +
            $"\"encryption-recipients\":\"{_tenant.Recipient},{_operator.Recipient}\"");
        for (int i = 0; i < 35; i++)
        {
            rig.Add(Text100(i), i);
            rig.Driver.Flush();
        }
        rig.Driver.Dispose(); // waits for the rotated file in progress
        string extension = compress ? ".gz.age" : ".age";
        var files = rig.Files();
        Assert.That(files, Has.Count.EqualTo(3), string.Join(", ", files));
        Assert.That(files[0], Is.EqualTo("c-json.log"));
        Assert.That(files.Skip(1), Has.All.EndsWith(extension), "no unencrypted rotated file is left");
        if (naming == "index") Assert.That(files.Skip(1), Is.EqualTo(new[] { "c-json.log.1" + extension, "c-json.log.2" + extension }));
        var older = naming == "index" ? files[2] : files[1];
        var newer = naming == "index" ? files[1] : files[2];

        foreach (var identity in new[] { _tenant.Identity, _operator.Identity })
        {
            Assert.That(Read(rig.Directory.Combine(older), identity, compress), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 10, 20)));
            Assert.That(Read(rig.Directory.Combine(newer), identity, compress), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 20, 30)));
        }
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 30, 35)), "the live file is plain JSON");
        Assert.That(File.GetUnixFileMode(rig.Directory.Combine(newer)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
        Assert.That(rig.DiagnosticsText.ToString(), Is.Empty);
    }

    /// <summary>`age -d -i IDENTITY FILE`, then gunzip when the file was compressed first.</summary>
    private static string Read(string path, string identity, bool compressed)
    {
        var plaintext = AgeTool.DecryptOrFail(path, identity);
        if (!compressed) return Encoding.UTF8.GetString(plaintext);
        using var gunzip = new GZipStream(new MemoryStream(plaintext), CompressionMode.Decompress);
        using var text = new StreamReader(gunzip, Encoding.UTF8);
        return text.ReadToEnd();
    }
}
