using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerLogger.Drivers.Syslog;

namespace ContainerLogger.Tests.Syslog;

/// <summary>syslog's options: Docker's names, defaults and errors (docker-logdrivers.md 8.1) and CONTRACT.md's additions.</summary>
public class SyslogOptionsTests
{
    private static SyslogAddress Address(string raw)
    {
        var config = SyslogConfig.Load(("syslog-address", raw));
        Assert.That(config.Errors, Is.Empty);
        return config.Options.Get(SyslogOptions.Address);
    }

    private static string OneError(params (string, string)[] options)
    {
        var errors = SyslogConfig.Errors(options);
        Assert.That(errors, Has.Count.EqualTo(1), string.Join("\n", errors));
        return errors[0];
    }

    [Test]
    public void DefaultsAreDockers()
    {
        var config = SyslogConfig.Load();
        Assert.That(config.Errors, Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(config.Options.Get(SyslogOptions.Address), Is.EqualTo(SyslogAddress.Local));
            Assert.That(config.Options.Get(SyslogOptions.Facility), Is.EqualTo(3));
            Assert.That(config.Options.Get(SyslogOptions.Format), Is.EqualTo(SyslogFormat.Unix));
            Assert.That(config.Options.Get(SyslogOptions.TlsSkipVerify), Is.False);
            Assert.That(config.Options.Get(SyslogOptions.TcpFraming), Is.Null);
            Assert.That(SyslogDriver.Descriptor.DefaultTag, Is.EqualTo("{{.ID}}"));
        });
    }

    [TestCase("udp://example.org", SyslogTransport.Udp, "example.org", 514)]
    [TestCase("tcp://example.org:1514", SyslogTransport.Tcp, "example.org", 1514)]
    [TestCase("TCP://10.0.0.1", SyslogTransport.Tcp, "10.0.0.1", 514)]
    [TestCase("tcp+tls://logs.example.org", SyslogTransport.TcpTls, "logs.example.org", 514)]
    [TestCase("tcp://example.org:600/ignored/path", SyslogTransport.Tcp, "example.org", 600)]
    [TestCase("tcp://[::1]", SyslogTransport.Tcp, "::1", 514)]
    [TestCase("udp://[2001:db8::7]:1514", SyslogTransport.Udp, "2001:db8::7", 1514)]
    [TestCase("tcp+tls://[fe80::1]:6514", SyslogTransport.TcpTls, "fe80::1", 6514)]
    public void NetworkAddresses(string raw, SyslogTransport transport, string host, int port) =>
        Assert.That(Address(raw), Is.EqualTo(new SyslogAddress(transport, host, port, "")));

    [TestCase("unix:///run/rsyslog.sock", SyslogTransport.Unix, "/run/rsyslog.sock")]
    [TestCase("unixgram:///dev/log", SyslogTransport.Unixgram, "/dev/log")]
    public void SocketAddresses(string raw, SyslogTransport transport, string path) =>
        Assert.That(Address(raw), Is.EqualTo(new SyslogAddress(transport, "", 0, path)));

    [Test]
    public void ASocketPathNeedNotExistAtStart() =>
        Assert.That(Address("unix:///nonexistent/dir/sock").Path, Is.EqualTo("/nonexistent/dir/sock"));

    [TestCase("this is not an uri", "unsupported scheme: ''")]
    [TestCase("corrupted:42", "unsupported scheme: 'corrupted'")]
    [TestCase("http://example.org", "unsupported scheme: 'http'")]
    [TestCase("tcp://::1", "too many colons")]
    [TestCase("tcp://example.org:99999", "invalid port \\\"99999\\\"")]
    [TestCase("tcp://example.org:http", "invalid port")]
    [TestCase("udp://", "a host is required")]
    [TestCase("tcp://[::1", "missing ']'")]
    [TestCase("unix://", "a socket path is required")]
    public void BadAddresses(string raw, string message)
    {
        string error = OneError(("syslog-address", raw));
        Assert.That(error, Does.Contain("\"syslog-address\"").And.Contain(message.Replace("\\\"", "\"")));
    }

    [TestCase("kern", 0)]
    [TestCase("user", 1)]
    [TestCase("daemon", 3)]
    [TestCase("authpriv", 10)]
    [TestCase("ftp", 11)]
    [TestCase("local0", 16)]
    [TestCase("local7", 23)]
    [TestCase("0", 0)]
    [TestCase("12", 12)]
    [TestCase("23", 23)]
    public void FacilityNamesAndNumbers(string raw, int facility)
    {
        var config = SyslogConfig.Load(("syslog-facility", raw));
        Assert.That(config.Errors, Is.Empty);
        Assert.That(config.Options.Get(SyslogOptions.Facility), Is.EqualTo(facility));
    }

    [TestCase("24")]
    [TestCase("-1")]
    [TestCase("LOCAL0")]
    [TestCase("local8")]
    [TestCase("")]
    public void BadFacilities(string raw) =>
        Assert.That(OneError(("syslog-facility", raw)), Does.Contain("invalid syslog facility").And.Contain("local7").And.Contain("0 to 23"));

    [TestCase("", SyslogFormat.Unix)]
    [TestCase("rfc3164", SyslogFormat.Rfc3164)]
    [TestCase("rfc5424", SyslogFormat.Rfc5424)]
    [TestCase("rfc5424micro", SyslogFormat.Rfc5424Micro)]
    public void Formats(string raw, SyslogFormat format) =>
        Assert.That(SyslogConfig.Load(("syslog-format", raw)).Options.Get(SyslogOptions.Format), Is.EqualTo(format));

    [TestCase("RFC5424")]
    [TestCase("rfc5425")]
    public void BadFormats(string raw) =>
        Assert.That(OneError(("syslog-format", raw)), Does.Contain("Invalid syslog format").And.Contain("rfc5424micro"));

    [Test]
    public void SkipVerifyIsARealBool()
    {
        Assert.That(SyslogConfig.Load(("syslog-address", "tcp+tls://h"), ("syslog-tls-skip-verify", "false")).Options.Get(SyslogOptions.TlsSkipVerify), Is.False);
        Assert.That(SyslogConfig.Load(("syslog-address", "tcp+tls://h"), ("syslog-tls-skip-verify", "true")).Options.Get(SyslogOptions.TlsSkipVerify), Is.True);
        Assert.That(OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-skip-verify", "yes")), Does.Contain("expected a bool"));
    }

    [TestCase("syslog-tls-skip-verify", "true")]
    [TestCase("syslog-tls-ca-cert", "/nonexistent/ca.pem")]
    [TestCase("syslog-tls-cert", "/x.pem")]
    [TestCase("syslog-tls-key", "/x.key")]
    public void TlsOptionsWithoutATlsAddressAreAcceptedButReportedAsUnused(string option, string value)
    {
        // As Docker: ignored, and the files are not read; unlike Docker, the driver says so at start.
        var config = SyslogConfig.Load(("syslog-address", "tcp://h"), (option, value));
        Assert.That(config.Errors, Is.Empty);
        Assert.That(SyslogOptions.UnusedTlsOptions(config.Options), Is.EqualTo(new[] { option }));
        var diagnostics = new StringWriter();
        using var driver = new SyslogDriver(config.CreateContext(new ContainerLogger.Drivers.Diagnostics(diagnostics)), [], TimeZoneInfo.Utc);
        Assert.That(diagnostics.ToString(), Does.Contain($"{option} ignored: syslog-address \"tcp://h:514\" is not tcp+tls://"));
    }

    [TestCase("udp://h")]
    [TestCase("unixgram:///dev/log")]
    public void FramingIsOnlyForStreams(string address) =>
        Assert.That(OneError(("syslog-address", address), ("syslog-tcp-framing", "octet-counted")), Does.Contain("\"syslog-tcp-framing\" applies to"));

    [Test]
    public void FramingValues()
    {
        Assert.That(SyslogConfig.Load(("syslog-address", "tcp://h"), ("syslog-tcp-framing", "octet-counted")).Options.Get(SyslogOptions.TcpFraming),
            Is.EqualTo(SyslogFraming.OctetCounted));
        Assert.That(OneError(("syslog-address", "tcp://h"), ("syslog-tcp-framing", "octet")), Does.Contain("octet-counted, non-transparent"));
    }

    [TestCase("tcp+tls://h", "rfc5424", null, SyslogFraming.OctetCounted)]
    [TestCase("tcp+tls://h", "rfc5424micro", null, SyslogFraming.OctetCounted)]
    [TestCase("tcp+tls://h", "rfc3164", null, SyslogFraming.NonTransparent)]
    [TestCase("tcp+tls://h", "", null, SyslogFraming.NonTransparent)]
    [TestCase("tcp://h", "rfc5424", null, SyslogFraming.NonTransparent)]
    [TestCase("unix:///s", "rfc5424", null, SyslogFraming.NonTransparent)]
    [TestCase("tcp://h", "rfc5424", "octet-counted", SyslogFraming.OctetCounted)]
    [TestCase("tcp+tls://h", "rfc5424", "non-transparent", SyslogFraming.NonTransparent)]
    [TestCase("udp://h", "rfc5424", null, SyslogFraming.NonTransparent)]
    public void FramingDefaultsToDockersChoice(string address, string format, string? framing, SyslogFraming expected)
    {
        var options = new List<(string, string)> { ("syslog-address", address), ("syslog-format", format) };
        if (framing is not null) options.Add(("syslog-tcp-framing", framing));
        var config = SyslogConfig.Load([.. options]);
        Assert.That(config.Errors, Is.Empty);
        var values = config.Options;
        Assert.That(SyslogOptions.ResolveFraming(values.Get(SyslogOptions.Address), values.Get(SyslogOptions.Format), values.Get(SyslogOptions.TcpFraming)),
            Is.EqualTo(expected));
    }

    [TestCase("bad host")]
    [TestCase("hôte")]
    public void BadHostnames(string raw) =>
        Assert.That(OneError(("syslog-hostname", raw)), Does.Contain("\"syslog-hostname\"").And.Contain("printable ASCII"));

    [Test]
    public void LegacySyslogTagIsAnAliasOfTag()
    {
        var config = SyslogConfig.Load(("syslog-tag", "app-{{.ID}}"));
        Assert.That(config.Errors, Is.Empty);
        Assert.That(config.CreateContext(new ContainerLogger.Drivers.Diagnostics(new StringWriter())).Tag, Is.EqualTo("app-a7317399f3f8"));
    }

    [Test]
    public void UnknownOptionsAreRejectedAndEveryProblemIsReported()
    {
        var errors = SyslogConfig.Errors(("syslog-adress", "udp://h"), ("syslog-facility", "nope"), ("syslog-format", "json"));
        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors[0], Does.Contain("unknown log option \"syslog-adress\""));
    }

    // ---- TLS files: read at validation, a bad one is a configuration error that never shows key material ----

    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("syslog-options-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private (string Cert, string Key, string KeyText) WriteKeyPair(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string certPath = Path.Combine(_dir, name + ".pem"), keyPath = Path.Combine(_dir, name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        string keyText = key.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(keyPath, keyText);
        return (certPath, keyPath, keyText);
    }

    [Test]
    public void GoodTlsFilesAreAccepted()
    {
        var (cert, key, _) = WriteKeyPair("client");
        var config = SyslogConfig.Load(("syslog-address", "tcp+tls://h"), ("syslog-tls-ca-cert", cert), ("syslog-tls-cert", cert), ("syslog-tls-key", key));
        Assert.That(config.Errors, Is.Empty);
        var tls = SyslogOptions.LoadTls(config.Options);
        Assert.That(tls.ExtraRoots, Has.Count.EqualTo(1));
        Assert.That(tls.ClientCertificate!.HasPrivateKey, Is.True);
    }

    [Test]
    public void MissingCaFileIsNamed() =>
        Assert.That(OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-ca-cert", Path.Combine(_dir, "nope.pem"))),
            Does.Contain("could not read CA certificate").And.Contain("nope.pem").And.Contain("no such file"));

    [Test]
    public void CaFileWithoutCertificates()
    {
        string path = Path.Combine(_dir, "empty.pem");
        File.WriteAllText(path, "not a certificate\n");
        Assert.That(OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-ca-cert", path)), Does.Contain("failed to append certificates from PEM file"));
    }

    [Test]
    public void CertWithoutKey()
    {
        var (cert, _, _) = WriteKeyPair("client");
        Assert.That(OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-cert", cert)), Does.Contain("could not load X509 key pair"));
    }

    [Test]
    public void MismatchedKeyIsAnErrorWithoutKeyMaterial()
    {
        var (cert, _, _) = WriteKeyPair("one");
        var (_, otherKey, keyText) = WriteKeyPair("two");
        string error = OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-cert", cert), ("syslog-tls-key", otherKey));
        Assert.That(error, Does.Contain("could not load X509 key pair").And.Contain("two.key"));
        string keyBody = keyText.Split('\n')[1];
        Assert.That(error, Does.Not.Contain("PRIVATE KEY").And.Not.Contain(keyBody[..20]));
    }

    [Test]
    public void UnreadableKeyIsAnError()
    {
        var (cert, _, _) = WriteKeyPair("client");
        string error = OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-cert", cert), ("syslog-tls-key", Path.Combine(_dir, "absent.key")));
        Assert.That(error, Does.Contain("cannot read syslog-tls-key").And.Contain("absent.key"));
    }

    [Test]
    public void EncryptedKeyIsRefused()
    {
        var (cert, keyPath, _) = WriteKeyPair("client");
        using var key = RSA.Create(2048);
        File.WriteAllText(keyPath, key.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        Assert.That(OneError(("syslog-address", "tcp+tls://h"), ("syslog-tls-cert", cert), ("syslog-tls-key", keyPath)), Does.Contain("encrypted"));
    }

    [Test]
    public void CaFileIsNotReadWhenVerificationIsOff()
    {
        var config = SyslogConfig.Load(("syslog-address", "tcp+tls://h"), ("syslog-tls-skip-verify", "true"), ("syslog-tls-ca-cert", Path.Combine(_dir, "nope.pem")));
        Assert.That(config.Errors, Is.Empty);
    }
}
