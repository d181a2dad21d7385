using System.Globalization;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>
/// CONTRACT.md section 13 end to end with the published executable: a container label picks the tenant's recipients
/// file; json-file's rotated files are age-encrypted as they rotate and read back with Debian's age by each of the
/// tenant's identities and by no other; configuration errors exit 2 before anything is written and show no key.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class EncryptionTests
{
    [Test]
    public async Task The_tenant_label_picks_the_recipients_and_rotated_files_decrypt_with_the_tenants_keys()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["tenants"]);
        var acmeX25519 = AgeTool.NewX25519(dir.Path, "acme");
        var acmeRsa = AgeTool.NewSshKey(dir.Path, "acme-ops", "rsa", 3072);
        var globex = AgeTool.NewX25519(dir.Path, "globex");
        File.WriteAllLines(dir["tenants/acme.txt"], ["# acme's keys", acmeX25519.Recipient, "", acmeRsa.Recipient]);
        File.WriteAllLines(dir["tenants/globex.txt"], [globex.Recipient]);
        string path = dir["logs/acme-json.log"];

        await using var logger = await LoggerProcess.StartDriverAsync("json-file", dir, new Dictionary<string, string>
        {
            ["path"] = path,
            ["max-size"] = "2k",
            ["max-file"] = "3",
            ["compress"] = "true",
            ["encryption-recipients-file"] = dir.Path + "/tenants/{{index .ContainerLabels \"tenant\"}}.txt",
        }, start => start.Environment["DOCKERLOG_LABELS"] = "{\"tenant\":\"acme\",\"tier\":\"web\"}");
        const int Lines = 200;
        // Records of about 130 bytes: 16 per file, so the 200 lines rotate a dozen times.
        var lines = Enumerable.Range(0, Lines).Select(i => $"tenant-line {i:D5} " + new string((char)('a' + i % 26), 40)).ToList();
        await BufferTests.WriteConcurrently(logger, (3, lines), (4, []));
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");

        var files = Directory.GetFiles(dir["logs"]).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(files, Is.EqualTo(new[] { "acme-json.log", "acme-json.log.1.gz.age", "acme-json.log.2.gz.age" }),
            "the live file and two rotated files, each encrypted: nothing unencrypted is left beside them");

        var numbers = new List<int>();
        foreach (var rotated in new[] { path + ".2.gz.age", path + ".1.gz.age" })
        {
            var plain = AgeTool.DecryptAndGunzip(rotated, acmeX25519.Identity);
            Assert.That(AgeTool.DecryptAndGunzip(rotated, acmeRsa.Identity), Is.EqualTo(plain), "the tenant's ssh-rsa identity reads it too");
            var (exit, leaked, _) = AgeTool.Decrypt(rotated, globex.Identity);
            Assert.That(exit, Is.Not.EqualTo(0), "another tenant's identity cannot decrypt");
            Assert.That(leaked, Is.Empty);
            numbers.AddRange(Numbers(JsonFileOutput.Parse(plain, rotated)));
        }
        var live = JsonFileOutput.Read(path);
        Assert.That(live, Is.Not.Empty, "the live file is plain JSON, readable locally");
        numbers.AddRange(Numbers(live));
        Assert.That(numbers, Is.EqualTo(Enumerable.Range(numbers[0], Lines - numbers[0])), "oldest file first: the newest lines, each once, in order");
        Assert.That(numbers[0], Is.GreaterThan(0), "rotation pruned the oldest files");
        Assert.That(logger.Summary().Delivered, Is.EqualTo(Lines));
    }

    [Test]
    public async Task Configuration_errors_exit_two_name_the_option_write_nothing_and_show_no_key()
    {
        using var dir = new TempDir();
        var tenant = AgeTool.NewX25519(dir.Path, "tenant");
        string secret = File.ReadAllLines(tenant.Identity).Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal));
        string path = dir["logs/c-json.log"];
        var cases = new (Dictionary<string, string> Options, string Expected)[]
        {
            (new() { ["encryption-recipients"] = $"{tenant.Recipient},{secret}" },
                "option \"encryption-recipients\": recipient 2 of 2: this is a secret key"),
            (new() { ["encryption-recipients-file"] = dir.Path + "/{{index .ContainerLabels \"tenant\"}}.txt" },
                $"option \"encryption-recipients-file\": cannot read \"{dir.Path}/nobody.txt\""),
            (new() { ["encryption-recipients-file"] = "{{index .ContainerLabels \"missing\"}}" },
                "renders to an empty path"),
        };
        foreach (var (options, expected) in cases)
        {
            foreach (var verb in new[] { "json-file", "--validate" })
            {
                var start = new LoggerStart();
                start.Arguments.Clear();
                start.Arguments.AddRange(verb == "--validate" ? ["--validate", "json-file"] : ["json-file", "--stdout", "none", "--stderr", "none"]);
                start.Config["path"] = path;
                start.Config["max-size"] = "1k";
                start.Config["max-file"] = "2";
                foreach (var (key, value) in options) start.Config[key] = value;
                start.Environment["DOCKERLOG_LABELS"] = "{\"tenant\":\"nobody\"}";
                var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(start);
                Assert.That(exit, Is.EqualTo(2), $"{verb}: {stderr}");
                Assert.That(stderr, Does.Contain(expected), verb);
                Assert.That(stdout + stderr, Does.Not.Contain(secret[15..40]).And.Not.Contain(tenant.Recipient[5..30]), $"{verb}: no key material in the output");
                Assert.That(File.Exists(path), Is.False, $"{verb}: nothing written");
            }
        }
    }

    private static IEnumerable<int> Numbers(List<JsonFileRecord> records) =>
        records.Select(r => int.Parse(r.Log!.AsSpan("tenant-line ".Length, 5), CultureInfo.InvariantCulture));
}
