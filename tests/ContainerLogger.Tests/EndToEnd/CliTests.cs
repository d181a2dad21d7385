using System.Collections;
using System.Text;
using System.Text.Json;
using ContainerLogger.Config;
using ContainerLogger.Crypto;
using ContainerLogger.Drivers;

namespace ContainerLogger.Tests.EndToEnd;

/// <summary>CONTRACT.md section 2: --validate, --list-drivers [--json], --version, --help of the published executable.</summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class CliTests
{
    private static LoggerStart Cli(params string[] arguments)
    {
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.AddRange(arguments);
        return start;
    }

    [Test]
    public async Task ValidateAcceptsAGoodEnvironmentWithoutReadingOrWriting()
    {
        using var dir = new TempDir();
        var start = Cli("--validate", "json-file");
        start.Config["path"] = dir["logs/container-json.log"];
        start.Config["max-size"] = "10m";
        start.Config["max-file"] = "3";
        start.Config["compress"] = "true";
        start.Config["tag"] = "{{.Name}}/{{.ID}}";
        start.Config["labels"] = "app";
        start.Environment["DOCKERLOG_LABELS"] = "{\"app\":\"web\"}";
        start.Environment["DOCKERLOG_CMD"] = "[\"sh\",\"-c\",\"true\"]";
        start.Environment["DOCKERLOG_CREATETIME"] = "2024-01-02T03:04:05.123456789Z";
        var keepers = OpenKeepers(dir, start);
        try
        {
            var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(start);
            Assert.That(exit, Is.EqualTo(0), $"exit code; stderr:\n{stderr}");
            Assert.That(stdout, Does.Contain("json-file"), "says the configuration is valid");
            Assert.That(stderr, Is.Empty, "no problems printed");
            foreach (var keeper in keepers) Assert.That(Fifo.BytesQueued(keeper), Is.EqualTo(6), "nothing read from the inputs");
            Assert.That(Directory.Exists(dir["logs"]), Is.False, "no output created");
        }
        finally
        {
            foreach (var keeper in keepers) keeper.Dispose();
        }
    }

    [Test]
    public async Task ValidatePrintsEveryProblemAndExitsTwo()
    {
        using var dir = new TempDir();
        var start = Cli("--validate", "json-file");
        start.Config["path"] = dir["logs/container-json.log"];
        start.Config["mode"] = "sometimes";
        start.Config["max-buffer-size"] = "huge";
        start.Config["no-such-option"] = "x";
        start.Environment["DOCKERLOG_CONTAINERID"] = null;
        var keepers = OpenKeepers(dir, start);
        try
        {
            var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(start);
            Assert.That(exit, Is.EqualTo(2), $"exit code; stderr:\n{stderr}");
            foreach (var expected in new[] { "\"mode\"", "sometimes", "\"max-buffer-size\"", "huge", "\"no-such-option\"", "DOCKERLOG_CONTAINERID" })
                Assert.That(stderr, Does.Contain(expected), "every problem is printed, not only the first");
            Assert.That(stdout, Does.Not.Contain("valid"), "not reported valid");
            foreach (var keeper in keepers) Assert.That(Fifo.BytesQueued(keeper), Is.EqualTo(6), "nothing read from the inputs");
            Assert.That(Directory.Exists(dir["logs"]), Is.False, "no output created");
        }
        finally
        {
            foreach (var keeper in keepers) keeper.Dispose();
        }
    }

    [Test]
    public async Task ValidateUnknownDriverExitsTwo()
    {
        var (exit, _, stderr) = await LoggerProcess.RunToExitAsync(Cli("--validate", "syslogd"));
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("syslogd"));
    }

    [Test]
    public async Task ListDriversPrintsOneNamePerLine()
    {
        var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(Cli("--list-drivers"));
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(DriverRegistry.All.Select(d => d.Name)));
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Does.Contain("json-file").And.Contain("none"));
    }

    [Test]
    public async Task ListDriversJsonDescribesEveryOptionThatValidationAccepts()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["recipients.txt"], SampleRecipient + "\n");
        var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(Cli("--list-drivers", "--json"));
        Assert.That(exit, Is.EqualTo(0), stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.That(root.GetProperty("version").GetString(), Is.Not.Null.And.Not.Empty, "version");

        var drivers = root.GetProperty("drivers").EnumerateArray().ToList();
        Assert.That(drivers.Select(d => d.GetProperty("name").GetString()), Is.EqualTo(DriverRegistry.All.Select(d => d.Name)), "every driver, in order");
        foreach (var driver in drivers)
        {
            string name = driver.GetProperty("name").GetString()!;
            var descriptor = DriverRegistry.Find(name)!;
            Assert.That(driver.GetProperty("description").GetString(), Is.Not.Empty, $"{name}: description");
            bool acceptsUnknown = driver.GetProperty("acceptsUnknownOptions").GetBoolean();
            Assert.That(acceptsUnknown, Is.EqualTo(descriptor.IgnoresUnknownOptions), $"{name}: acceptsUnknownOptions");

            var options = driver.GetProperty("options").EnumerateArray().ToList();
            Assert.That(options.Select(o => o.GetProperty("name").GetString()), Is.EqualTo(descriptor.Options.Select(o => o.Name)), $"{name}: option names");
            var bases = Bases(name);
            var samples = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (option, spec) in options.Zip(descriptor.Options))
            {
                string where = $"{name} option {spec.Name}";
                Assert.That(option.GetProperty("type").GetString(), Is.EqualTo(spec.Type).And.Not.Empty, $"{where}: type");
                var defaultValue = option.GetProperty("default");
                Assert.That(defaultValue.ValueKind, Is.EqualTo(JsonValueKind.String).Or.EqualTo(JsonValueKind.Null), $"{where}: default is a string or null");
                Assert.That(defaultValue.ValueKind == JsonValueKind.Null ? null : defaultValue.GetString(), Is.EqualTo(spec.DefaultText), $"{where}: default");
                var allowed = option.GetProperty("allowed").EnumerateArray().Select(a => a.GetString()).ToList();
                Assert.That(allowed, Is.EqualTo(spec.Allowed), $"{where}: allowed");
                Assert.That(option.GetProperty("description").GetString(), Is.EqualTo(spec.Description).And.Not.Empty, $"{where}: description");
                var aliases = option.TryGetProperty("aliases", out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
                Assert.That(aliases, Is.EqualTo(spec.Aliases), $"{where}: aliases");

                // What the listing shows, a run accepts: the key (with a value of its type), each alias, each allowed value.
                string key = spec.Name.EndsWith('*') ? spec.Name[..^1] + "disabled" : spec.Name;
                string sample = bases.Select(b => b.GetValueOrDefault(key)).FirstOrDefault(v => v is not null) ?? Sample(spec, dir["recipients.txt"]);
                AssertAccepted(descriptor, bases, new() { [key] = sample }, where);
                foreach (var alias in aliases) AssertAccepted(descriptor, bases, new() { [alias] = sample }, $"{where} alias {alias}");
                foreach (var value in allowed) AssertAccepted(descriptor, bases, new() { [key] = value! }, $"{where} = {value}");
                if (defaultValue.ValueKind == JsonValueKind.String) AssertAccepted(descriptor, bases, new() { [key] = defaultValue.GetString()! }, $"{where} = its default");
                samples[key] = sample;
            }

            // An option the listing does not show is refused, unless the driver says it accepts anything.
            var unknown = Load(descriptor, new(bases[0]) { ["not-an-option"] = "1" });
            if (acceptsUnknown) Assert.That(unknown.Errors, Is.Empty, $"{name} accepts unknown options");
            else Assert.That(unknown.Errors, Has.Some.Contains("not-an-option"), $"{name} refuses an option it does not list");

            // Every listed option at once, in-process and by the binary itself: on each base, all those it accepts alone.
            foreach (var baseConfig in bases)
            {
                var together = new Dictionary<string, string>(baseConfig);
                foreach (var (key, value) in samples)
                    if (!baseConfig.ContainsKey(key) && Load(descriptor, new(baseConfig) { [key] = value }).Errors.Count == 0) together[key] = value;
                Assert.That(together.Count, Is.GreaterThan(baseConfig.Count), $"{name}: options accepted on {string.Join(",", baseConfig.Values)}");
                Assert.That(Load(descriptor, together).Errors, Is.Empty, $"{name}: all options together on {string.Join(",", baseConfig.Values)}");
            }
            var validate = Cli("--validate", name);
            foreach (var (key, value) in bases[0]) validate.Config[key] = value;
            foreach (var (key, value) in samples)
                if (!bases[0].ContainsKey(key) && Load(descriptor, new(bases[0]) { [key] = value }).Errors.Count == 0) validate.Config[key] = value;
            var (vexit, _, verr) = await LoggerProcess.RunToExitAsync(validate);
            Assert.That(vexit, Is.EqualTo(0), $"{name}: the binary's --validate accepts every listed option: {verr}");
        }
    }

    [Test]
    public async Task VersionAndHelpExitZero()
    {
        var (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(Cli("--version"));
        Assert.That(exit, Is.EqualTo(0), stderr);
        var (_, listing, _) = await LoggerProcess.RunToExitAsync(Cli("--list-drivers", "--json"));
        using (var doc = JsonDocument.Parse(listing))
            Assert.That(stdout.Trim(), Does.StartWith(doc.RootElement.GetProperty("version").GetString()!), "--version agrees with the listing");

        (exit, stdout, stderr) = await LoggerProcess.RunToExitAsync(Cli("--help"));
        Assert.That(exit, Is.EqualTo(0), stderr);
        foreach (var word in new[] { "--list-drivers", "--json", "--validate", "--stdout", "--stderr", "--tty", "--version", "json-file" })
            Assert.That(stdout, Does.Contain(word), "help mentions it");
    }

    [Test]
    public async Task NoArgumentsAndUnknownFlagsExitTwo()
    {
        var (exit, _, stderr) = await LoggerProcess.RunToExitAsync(Cli());
        Assert.That(exit, Is.EqualTo(2), "no driver");
        Assert.That(stderr, Does.Contain("driver"));
        (exit, _, stderr) = await LoggerProcess.RunToExitAsync(Cli("json-file", "--colour"));
        Assert.That(exit, Is.EqualTo(2), "unknown flag");
        Assert.That(stderr, Does.Contain("--colour"));
    }

    private static RunConfiguration Load(DriverDescriptor descriptor, Dictionary<string, string> config)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, value) in config) json.WriteString(key, value);
            json.WriteEndObject();
        }
        IDictionary environment = new Hashtable
        {
            ["DOCKERLOG_CONFIG"] = Encoding.UTF8.GetString(buffer.ToArray()),
            ["DOCKERLOG_CONTAINERID"] = LoggerStart.ContainerId,
            ["DOCKERLOG_CONTAINERNAME"] = "/e2e-container",
        };
        return RunConfiguration.Load(descriptor, environment);
    }

    /// <summary>
    /// What a driver needs before its other options are valid, as alternatives: gelf requires an address, and Docker
    /// lets its compression options be used only with UDP and its reconnection options only with TCP; json-file
    /// encrypts rotated files only, so encryption needs rotation.
    /// </summary>
    private static List<Dictionary<string, string>> Bases(string driver) => driver switch
    {
        "json-file" => [new() { ["max-size"] = "10m", ["max-file"] = "3" }],
        "gelf" =>
        [
            new() { ["gelf-address"] = "udp://127.0.0.1:12201" },
            new() { ["gelf-address"] = "tcp://127.0.0.1:12201" },
        ],
        "s3" =>
        [
            new()
            {
                ["s3-bucket"] = "logs",
                ["s3-credentials-file"] = S3Files.Value.Credentials,
                ["s3-endpoint"] = "https://127.0.0.1:9000",
                ["s3-tls-ca-cert"] = S3Files.Value.Ca,
            },
        ],
        _ => [new()],
    };

    /// <summary>
    /// s3 needs a bucket and credentials, and reads its CA and credentials files at validation: a credentials file
    /// and a self-signed CA, made once under the temp directory (removed when the fixture ends).
    /// </summary>
    private static readonly Lazy<(string Credentials, string Ca)> S3Files = new(() =>
    {
        string directory = Directory.CreateTempSubdirectory("containerlogger-cli-s3-").FullName;
        string credentials = Path.Combine(directory, "credentials"), ca = Path.Combine(directory, "ca.pem");
        File.WriteAllText(credentials, "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n");
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=containerlogger cli test", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(ca, certificate.ExportCertificatePem());
        return (credentials, ca);
    });

    [OneTimeTearDown]
    public void RemoveS3Files()
    {
        if (S3Files.IsValueCreated) Directory.Delete(Path.GetDirectoryName(S3Files.Value.Credentials)!, recursive: true);
    }

    /// <summary>The option is accepted on top of at least one of the driver's bases.</summary>
    private static void AssertAccepted(DriverDescriptor descriptor, List<Dictionary<string, string>> bases, Dictionary<string, string> config, string what)
    {
        var errors = bases.Select(b =>
        {
            var merged = new Dictionary<string, string>(b);
            foreach (var (key, value) in config) merged[key] = value;
            return Load(descriptor, merged).Errors;
        }).ToList();
        Assert.That(errors, Has.Some.Empty, $"{what}: accepted by RunConfiguration");
    }

    /// <summary>An age X25519 public key (age-keygen's), for the encryption options.</summary>
    private const string SampleRecipient = "age1mj7mgzskhztnc7998mxj2k54wpj24tm9gdju6qjg3x2nukyzqq5se3fqvg";

    /// <summary>A valid value for an option, from what the listing says about it; the encryption options need real keys.</summary>
    private static string Sample(OptionSpec spec, string recipientsFile) => spec.Type switch
    {
        _ when spec == EncryptionOptions.Recipients => SampleRecipient,
        _ when spec == EncryptionOptions.RecipientsFile => recipientsFile,
        _ when spec.Allowed.Count > 0 => spec.Allowed[^1],
        _ when spec.DefaultText is not null && spec.Type != "path" => spec.DefaultText,
        "template" => "{{.Name}}/{{.ID}}",
        "list" => "app,tier",
        "regex" => "^com\\.example\\.",
        "path" => "/tmp/containerlogger-e2e-never-created/container-json.log",
        "size" => "10m",
        "int" => "3",
        "bool" => "true",
        "duration" => "2s",
        _ => "x",
    };

    private static List<FileStream> OpenKeepers(TempDir dir, LoggerStart start)
    {
        var keepers = new List<FileStream>();
        foreach (var (fd, name) in new[] { (3, "stdout.fifo"), (4, "stderr.fifo") })
        {
            start.InputFifos[fd] = Fifo.Create(dir[name]);
            var keeper = new FileStream(start.InputFifos[fd], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            keeper.Write("input\n"u8);
            keepers.Add(keeper);
        }
        return keepers;
    }
}
