using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.S3;
using ContainerLogger.Files;
using ContainerLogger.Net;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.S3;

/// <summary>The s3 driver's pieces: names and keys, options, the credentials file, rotation triggers, the HTTP handler.</summary>
public class S3UnitTests
{
    private static readonly DateTime T0 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    // ---- names and keys ----

    [Test]
    public void Staged_names_and_object_keys_follow_RFD_10()
    {
        var stamp = RotationStamp.Next(null, T0.AddMilliseconds(900));
        Assert.That(StagedFile.FileName(stamp), Is.EqualTo("stdio.log.20240102T030405Z"));
        Assert.That(StagedFile.ObjectKey(stamp, "c0ffee"), Is.EqualTo("c0ffee/2024/01/02/03/stdio.log.20240102T030405Z.gz"));
        Assert.That(StagedFile.ObjectKey(stamp, "c0ffee", ".gz.age"), Is.EqualTo("c0ffee/2024/01/02/03/stdio.log.20240102T030405Z.gz.age"));
        Assert.That(StagedFile.ObjectKey(stamp with { Counter = 7 }, "a/b"), Is.EqualTo("a/b/2024/01/02/03/stdio.log.20240102T030405Z_007.gz"));
    }

    [Test]
    public void A_counter_is_added_only_when_rotations_share_a_second_and_names_never_go_back()
    {
        var first = RotationStamp.Next(null, T0);
        var second = RotationStamp.Next(first, T0.AddMilliseconds(500));
        var third = RotationStamp.Next(second, T0.AddSeconds(1));
        var afterClockWentBack = RotationStamp.Next(third, T0.AddSeconds(-30));
        Assert.Multiple(() =>
        {
            Assert.That(StagedFile.FileName(second), Is.EqualTo("stdio.log.20240102T030405Z_001"));
            Assert.That(StagedFile.FileName(third), Is.EqualTo("stdio.log.20240102T030406Z"));
            Assert.That(StagedFile.FileName(afterClockWentBack), Is.EqualTo("stdio.log.20240102T030406Z_001"));
            Assert.That(StagedFile.FileName(RotationStamp.Next(first with { Counter = 999 }, T0)), Is.EqualTo("stdio.log.20240102T030406Z"), "past _999: the next second");
            var names = new[] { first, second, third, afterClockWentBack }.Select(s => StagedFile.FileName(s) + ".gz").ToList();
            Assert.That(names, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "names sort in rotation order");
        });
    }

    [TestCase("stdio.log.20240102T030405Z", true)]
    [TestCase("stdio.log.20240102T030405Z_012", true)]
    [TestCase("stdio.log.20240102T030405Z_000", false)]
    [TestCase("stdio.log.20240102T030405", false)]
    [TestCase("stdio.log", false)]
    [TestCase("stdio.log.20241302T030405Z", false)]
    [TestCase("other.log.20240102T030405Z", false)]
    public void Staged_names_are_read_back(string name, bool valid)
    {
        Assert.That(StagedFile.TryParseFileName(name, out var stamp), Is.EqualTo(valid));
        if (valid) Assert.That(StagedFile.FileName(stamp), Is.EqualTo(name));
    }

    [TestCase("{{.FullID}}", "e0")]
    [TestCase("/logs/{{.Name}}/", "logs/web")]
    public void The_key_prefix_loses_surrounding_slashes(string template, string expected)
    {
        var info = new ContainerInfo { ContainerId = "e0", ContainerName = "/web" };
        Assert.That(S3Driver.KeyPrefix(Templates.TagTemplate.Parse(template).Render(info)), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("//")]
    [TestCase("a//b")]
    [TestCase("a/../b")]
    [TestCase("a/./b")]
    public void An_unusable_key_prefix_is_a_configuration_error(string rendered)
    {
        var error = Assert.Throws<FormatException>(() => S3Driver.KeyPrefix(rendered))!;
        Assert.That(error.Message, Does.Contain("s3-key-prefix"));
    }

    // ---- options ----

    private static RunConfiguration Load(string config, string? credentialsFile = null)
    {
        using var credentials = new TempDirectory();
        string file = credentialsFile ?? credentials.Combine("credentials");
        if (credentialsFile is null) File.WriteAllText(file, "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n");
        string withFile = config.Contains("s3-credentials-file", StringComparison.Ordinal) ? config
            : config.TrimEnd('}') + (config.Trim() == "{}" ? "" : ",") + $"\"s3-credentials-file\":\"{file}\"}}";
        return Env.LoadFor(S3Driver.Descriptor, withFile);
    }

    [Test]
    public void Defaults_are_those_of_the_contract()
    {
        var loaded = Load("{\"s3-bucket\":\"logs\"}");
        Assert.That(loaded.Errors, Is.Empty);
        var values = loaded.Options;
        Assert.Multiple(() =>
        {
            Assert.That(values.Get(S3Options.Region), Is.EqualTo("us-east-1"));
            Assert.That(values.Get(S3Options.Endpoint), Is.Null);
            Assert.That(values.Get(S3Options.ForcePathStyle), Is.False);
            Assert.That(values.Get(S3Options.UploadSize), Is.EqualTo(16L << 20));
            Assert.That(values.Get(S3Options.UploadInterval), Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(values.Get(S3Options.StagingMaxSize), Is.EqualTo(1L << 30));
            Assert.That(values.Get(S3Options.Profile), Is.EqualTo("default"));
            Assert.That(S3Options.ResolveStagingPath(values, loaded.Info!), Is.EqualTo($"/var/lib/containerlogger/{Env.ContainerId}/s3"));
            Assert.That(values.Get(S3Options.KeyPrefix).Render(loaded.Info!), Is.EqualTo(Env.ContainerId));
        });
    }

    [Test]
    public void Every_problem_is_reported_naming_the_option_and_value()
    {
        var loaded = Load("{\"s3-endpoint\":\"ftp://example.com\",\"s3-region\":\"US East\",\"s3-upload-size\":\"10m\",\"s3-staging-max-size\":\"15m\",\"s3-upload-interval\":\"500ms\"}");
        Assert.That(loaded.Errors, Has.Some.Contains("\"s3-bucket\" is required"));
        Assert.That(loaded.Errors, Has.Some.Contains("\"s3-endpoint\" has a bad value \"ftp://example.com\"").And.Some.Contains("http://host[:port]"));
        Assert.That(loaded.Errors, Has.Some.Contains("\"s3-region\" has a bad value \"US East\""));
        Assert.That(loaded.Errors, Has.Some.Contains("\"s3-staging-max-size\"").And.Some.Contains("at least twice s3-upload-size"));
        Assert.That(loaded.Errors, Has.Some.Contains("\"s3-upload-interval\" has a bad value \"500ms\""));
    }

    [TestCase("{\"s3-bucket\":\"a/b\"}", "\"s3-bucket\" has a bad value \"a/b\"")]
    [TestCase("{\"s3-bucket\":\"logs\",\"s3-endpoint\":\"https://minio:9000/path\"}", "without a path")]
    [TestCase("{\"s3-bucket\":\"logs\",\"s3-endpoint\":\"http://minio:9000\",\"s3-tls-ca-cert\":\"/etc/ca.pem\"}", "only used with an https endpoint")]
    [TestCase("{\"s3-bucket\":\"logs\",\"s3-upload-size\":\"512\"}", "\"s3-upload-size\" has a bad value \"512\"")]
    [TestCase("{\"s3-bucket\":\"logs\",\"s3-key-prefix\":\"{{.Nope\"}", "\"s3-key-prefix\" has a bad value")]
    public void Bad_values_are_configuration_errors(string config, string expected)
    {
        Assert.That(Load(config).Errors, Has.Some.Contains(expected));
    }

    [Test]
    public void A_profile_needs_the_credentials_file()
    {
        var loaded = Env.LoadFor(S3Driver.Descriptor, "{\"s3-bucket\":\"logs\",\"s3-profile\":\"archive\"}");
        Assert.That(loaded.Errors, Has.Some.Contains("\"s3-profile\" (\"archive\") needs s3-credentials-file"));
    }

    [Test]
    public void A_https_endpoint_with_a_CA_file_that_is_not_PEM_is_a_configuration_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("ca.pem"), "not a certificate");
        var loaded = Load($"{{\"s3-bucket\":\"logs\",\"s3-endpoint\":\"https://minio:9000\",\"s3-tls-ca-cert\":\"{dir.Combine("ca.pem")}\"}}");
        Assert.That(loaded.Errors, Has.Some.Contains("no PEM CERTIFICATE block"));
    }

    [Test]
    public void The_driver_is_listed_with_its_options()
    {
        Assert.That(DriverRegistry.Find("s3"), Is.SameAs(S3Driver.Descriptor));
        Assert.That(S3Driver.Descriptor.DriverOptions.Select(o => o.Name), Is.EqualTo(new[]
        {
            "s3-bucket", "s3-region", "s3-endpoint", "s3-force-path-style", "s3-tls-ca-cert", "s3-credentials-file", "s3-profile",
            "s3-key-prefix", "s3-staging-path", "s3-upload-size", "s3-upload-interval", "s3-staging-max-size",
            "encryption-recipients", "encryption-recipients-file",
        }));
    }

    // ---- credentials ----

    private const string CredentialsText = """
        # a comment
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key=defaultSecret

        ; another comment
        [archive]
          AWS_Access_Key_ID   =   AKIAARCHIVE
        aws_secret_access_key = archive/Secret+Value=
        aws_session_token = tokenValue
        """;

    [Test]
    public void A_profile_is_read_from_the_shared_credentials_format()
    {
        var archive = S3Credentials.ParseProfile(CredentialsText, "archive", out var error);
        Assert.That(error, Is.Null);
        Assert.That(archive!["aws_access_key_id"], Is.EqualTo("AKIAARCHIVE"), "names are case-insensitive, whitespace trimmed");
        Assert.That(archive["aws_secret_access_key"], Is.EqualTo("archive/Secret+Value="), "a value keeps its '=' characters");
        Assert.That(archive["aws_session_token"], Is.EqualTo("tokenValue"));
        Assert.That(S3Credentials.ParseProfile(CredentialsText, "default", out _)!["aws_secret_access_key"], Is.EqualTo("defaultSecret"));
        Assert.That(S3Credentials.ParseProfile(CredentialsText, "missing", out error), Is.Null);
        Assert.That(error, Is.Null);
    }

    [Test]
    public void A_malformed_line_is_reported_by_number_without_its_content()
    {
        Assert.That(S3Credentials.ParseProfile("[default]\naws_access_key_id = AKIA\nsuperSecretWithoutEquals\n", "default", out var error), Is.Null);
        Assert.That(error, Is.EqualTo("line 3 is neither a [section] nor a name = value pair"));
    }

    [Test]
    public void Credentials_file_problems_name_the_file_and_profile_never_a_secret()
    {
        using var dir = new TempDirectory();
        string file = dir.Combine("credentials");
        File.WriteAllText(file, "[partial]\naws_access_key_id = AKIAPARTIAL\n[default]\naws_secret_access_key = onlyTheSecret\n");
        var problems = new[]
        {
            Assert.Throws<FormatException>(() => S3Credentials.FromFile(file, "partial"))!.Message,
            Assert.Throws<FormatException>(() => S3Credentials.FromFile(file, "default"))!.Message,
            Assert.Throws<FormatException>(() => S3Credentials.FromFile(file, "none"))!.Message,
            Assert.Throws<FormatException>(() => S3Credentials.FromFile(dir.Combine("missing"), "default"))!.Message,
        };
        Assert.Multiple(() =>
        {
            Assert.That(problems[0], Does.Contain("profile [partial]").And.Contain("has no aws_secret_access_key"));
            Assert.That(problems[1], Does.Contain("has no aws_access_key_id"));
            Assert.That(problems[2], Does.Contain("\"s3-profile\"").And.Contain("has no profile [none]"));
            Assert.That(problems[3], Does.Contain("no such file or directory"));
            Assert.That(problems, Has.None.Contains("AKIAPARTIAL").And.None.Contains("onlyTheSecret"));
        });
    }

    [Test]
    public void Credentials_come_from_the_environment_unless_a_file_is_given()
    {
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIAENV", ["AWS_SECRET_ACCESS_KEY"] = "envSecret", ["AWS_SESSION_TOKEN"] = "envToken" };
        var fromEnvironment = S3Credentials.Resolve(null, "default", environment.GetValueOrDefault);
        Assert.That((fromEnvironment.AccessKeyId, fromEnvironment.SecretAccessKey, fromEnvironment.SessionToken), Is.EqualTo(("AKIAENV", "envSecret", "envToken")));
        Assert.That(fromEnvironment.ToString(), Does.Not.Contain("envSecret").And.Not.Contain("AKIAENV"));
        var none = Assert.Throws<FormatException>(() => S3Credentials.Resolve(null, "default", _ => null))!;
        Assert.That(none.Message, Does.Contain("AWS_ACCESS_KEY_ID").And.Contain("s3-credentials-file"));
    }

    [Test]
    public void Diagnostics_are_redacted_of_every_key_read()
    {
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIAENV", ["AWS_SECRET_ACCESS_KEY"] = "envSecret" };
        var credentials = new CurrentCredentials(null, "default", environment.GetValueOrDefault, new Diagnostics(TextWriter.Null));
        Assert.That(credentials.Redact("signed with AKIAENV and envSecret"), Is.EqualTo("signed with [redacted] and [redacted]"));
    }

    // ---- rotation triggers ----

    /// <summary>An s3 driver built as a run builds it, staging in a temp directory, its endpoint a closed port (uploads fail).</summary>
    private sealed class Rig : IDisposable
    {
        public Rig(string options)
        {
            Directory = new TempDirectory();
            File.WriteAllText(Directory.Combine("credentials"), "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
            var loaded = Env.LoadFor(S3Driver.Descriptor, "{\"s3-bucket\":\"logs\",\"s3-endpoint\":\"http://127.0.0.1:1\",\"s3-force-path-style\":\"true\"," +
                $"\"s3-credentials-file\":\"{Directory.Combine("credentials")}\",\"s3-staging-path\":\"{Staging}\"," + options + "}");
            Assert.That(loaded.Errors, Is.Empty);
            Driver = S3Driver.Descriptor.Create(loaded.CreateContext(new Diagnostics(TextWriter.Null)));
        }

        public TempDirectory Directory { get; }
        public string Staging => Directory.Combine("staging");
        public LogDriver Driver { get; }

        public void Add(string text, int i) =>
            Assert.That(Driver.TryAdd(new LogRecord(Encoding.UTF8.GetBytes(text), LogStream.Stdout, T0.AddSeconds(i).Ticks)), Is.True);

        /// <summary>Rotated plain files, oldest first.</summary>
        public List<string> Rotated() => System.IO.Directory.GetFiles(Staging)
            .Where(f => StagedFile.TryParseFileName(Path.GetFileName(f), out _)).Order(StringComparer.Ordinal).ToList();

        public string Live => Path.Combine(Staging, "stdio.log");

        public void Dispose()
        {
            Driver.Complete(Environment.TickCount64);
            Driver.Dispose();
            Directory.Dispose();
        }
    }

    [Test]
    public void The_staged_file_rotates_before_the_first_record_past_the_upload_size()
    {
        using var rig = new Rig("\"s3-upload-size\":\"1k\"");
        for (int i = 0; i < 40; i++) rig.Add($"record {i:D2} " + new string('x', 40), i);
        rig.Driver.Flush();
        var rotated = rig.Rotated();
        Assert.That(rotated, Has.Count.GreaterThanOrEqualTo(3));
        foreach (var file in rotated)
        {
            var records = File.ReadAllText(file).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            long size = new FileInfo(file).Length;
            Assert.That(size, Is.GreaterThanOrEqualTo(1024), $"{file} reached the upload size");
            Assert.That(size - records[^1].Length - 1, Is.LessThan(1024), $"{file} ends with the record that took it there");
        }
        var all = rotated.Append(rig.Live).SelectMany(f => File.ReadAllText(f).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.That(all, Has.Count.EqualTo(40), "every record once, none cut");
        Assert.That(all.Select(r => r[8..17]), Is.EqualTo(Enumerable.Range(0, 40).Select(i => $"record {i:D2}")));
    }

    [Test]
    public void The_staged_file_rotates_once_the_interval_has_passed_since_its_first_record()
    {
        using var rig = new Rig("\"s3-upload-interval\":\"1s\"");
        rig.Add("first", 0);
        var clock = Stopwatch.StartNew();
        rig.Driver.Flush();
        Assert.That(rig.Rotated(), Is.Empty, "not before the interval");
        while (rig.Rotated().Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
        Assert.That(rig.Rotated(), Has.Count.EqualTo(1), "rotated by the interval, with no record arriving");
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)), "not before a second has passed");
        Assert.That(File.Exists(rig.Live), Is.False, "no empty live file is kept");
    }

    [Test]
    public void Without_records_nothing_rotates_and_no_upload_thread_runs()
    {
        // Upload threads of the rigs before this one end once their shutdown deadline has passed.
        var clock = Stopwatch.StartNew();
        while (CurrentThreadNames().Contains("s3 upload") && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        using var rig = new Rig("\"s3-upload-interval\":\"1s\"");
        rig.Driver.Flush();
        Thread.Sleep(1500);
        Assert.That(rig.Rotated(), Is.Empty);
        Assert.That(CurrentThreadNames(), Has.None.EqualTo("s3 upload"));
    }

    private static List<string> CurrentThreadNames() =>
        System.IO.Directory.GetDirectories("/proc/self/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).ToList();

    // ---- the HTTP handler ----

    [Test]
    public void The_blocking_handler_skips_100_Continue_reads_chunked_bodies_and_keeps_the_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var requests = new List<string>();
        var server = Task.Run(() =>
        {
            using var client = listener.AcceptTcpClient();
            var stream = client.GetStream();
            for (int i = 0; i < 2; i++)
            {
                requests.Add(ReadRequest(stream));
                stream.Write(Encoding.ASCII.GetBytes(i == 0
                    ? "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: \"abc\"\r\n\r\n5\r\nhello\r\n6; ext=1\r\n world\r\n0\r\n\r\n"
                    : "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nContent-Type: application/xml\r\n\r\n<x/>"));
            }
        });
        using var handler = new BlockingHttpHandler(null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        using var client = new HttpClient(handler);
        var put = new HttpRequestMessage(HttpMethod.Put, $"http://127.0.0.1:{port}/bucket/key?partNumber=1") { Content = new ByteArrayContent("payload"u8.ToArray()) };
        put.Headers.ExpectContinue = true;
        using var first = client.Send(put);
        using var second = client.Send(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/bucket"));
        Assert.That(server.Wait(TimeSpan.FromSeconds(10)), "one connection served both requests");
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first.Content.ReadAsStringAsync().Result, Is.EqualTo("hello world"));
            Assert.That(first.Headers.ETag?.Tag, Is.EqualTo("\"abc\""));
            Assert.That(requests[0], Does.StartWith("PUT /bucket/key?partNumber=1 HTTP/1.1\r\n").And.Contain("Content-Length: 7\r\n").And.EndWith("\r\n\r\npayload"));
            Assert.That(requests[0], Does.Not.Contain("Expect:"), "the body is sent without waiting for 100 Continue");
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(second.Content.ReadAsStringAsync().Result, Is.EqualTo("<x/>"));
            Assert.That(second.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/xml"));
        });
    }

    /// <summary>A request head, then its Content-Length body if any.</summary>
    private static string ReadRequest(NetworkStream stream)
    {
        var bytes = new List<byte>();
        while (!Encoding.ASCII.GetString(bytes.ToArray()).EndsWith("\r\n\r\n", StringComparison.Ordinal)) bytes.Add((byte)stream.ReadByte());
        var head = Encoding.ASCII.GetString(bytes.ToArray());
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var body = new byte[lengthLine is null ? 0 : int.Parse(lengthLine.Split(':')[1].Trim())];
        stream.ReadExactly(body);
        return head + Encoding.ASCII.GetString(body);
    }
    [Test]
    public void A_plain_object_left_when_encryption_is_now_asked_for_is_made_again_not_uploaded()
    {
        using var dir = new TempDirectory();
        var name = StagedFile.FileName(new RotationStamp(1704164645, 0));
        File.WriteAllText(dir.Combine(name), "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n");
        File.WriteAllText(dir.Combine(name + ".gz"), "a plain object from a run without encryption");
        File.WriteAllText(dir.Combine(name + ".gz.age.tmp"), "a half-written encrypted object");
        using (var staging = StagingDirectory.Open(dir.Path, 1 << 20, 1 << 30, StagedFile.EncryptedSuffix, new Diagnostics(TextWriter.Null)))
        {
            Assert.That(staging.Backlog.Files, Is.EqualTo(1), "the records are still staged");
        }
        Assert.That(Directory.GetFiles(dir.Path, "stdio.log*").Select(Path.GetFileName), Is.EqualTo(new[] { name }),
            "neither the plain object nor the partial one is kept: the object is made again, encrypted");
    }
}
