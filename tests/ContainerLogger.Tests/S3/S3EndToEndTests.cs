using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.S3;

/// <summary>
/// The published binary, real FIFOs on fds 3 and 4, against s3rver (npm), read back with boto3: RFD 10's keys,
/// objects that gunzip to json-file's bytes, container.json, and nothing lost when the server is down, the
/// logger is killed, the credentials are wrong, or the staging directory is full.
/// </summary>
[NonParallelizable]
public class S3EndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly Regex KeyPattern = new(
        $"^{LoggerStart.ContainerId}/(\\d{{4}})/(\\d{{2}})/(\\d{{2}})/(\\d{{2}})/stdio\\.log\\.(\\d{{4}})(\\d{{2}})(\\d{{2}})T(\\d{{2}})\\d{{4}}Z(_\\d{{3}})?\\.gz$");
    private static readonly Regex TimeField = new("\"time\":\"[^\"]*\"");

    /// <summary>Starts the s3 driver with FIFOs in <paramref name="run"/>, staging in <paramref name="staging"/>.</summary>
    private static Task<LoggerProcess> StartSidecar(TempDir run, string staging, S3Server server, Dictionary<string, string>? options = null,
        string accessKeyId = S3Server.AccessKeyId, string secretAccessKey = S3Server.SecretAccessKey, Action<LoggerStart>? configure = null)
    {
        var all = new Dictionary<string, string>
        {
            ["s3-bucket"] = S3Server.Bucket,
            ["s3-endpoint"] = server.Endpoint,
            ["s3-force-path-style"] = "true",
            ["s3-staging-path"] = staging,
        };
        foreach (var (key, value) in options ?? []) all[key] = value;
        return LoggerProcess.StartDriverAsync("s3", run, all, start =>
        {
            start.Environment["AWS_ACCESS_KEY_ID"] = accessKeyId;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey;
            start.Environment["AWS_SESSION_TOKEN"] = null;
            configure?.Invoke(start);
        });
    }

    private static List<BucketObject> LogObjects(IEnumerable<BucketObject> objects) => objects.Where(o => o.Key.EndsWith(".gz", StringComparison.Ordinal)).ToList();

    /// <summary>The records of every log object, in key order (which is rotation order).</summary>
    private static List<JsonFileRecord> Records(IEnumerable<BucketObject> objects) =>
        LogObjects(objects).SelectMany(o => JsonFileOutput.Parse(Gunzip(o.Body), o.Key)).ToList();

    private static byte[] Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static int CountLines(List<BucketObject> objects) => LogObjects(objects).Sum(o => Gunzip(o.Body).Count(b => b == (byte)'\n'));

    private static List<string> Numbered(string stream, int count) => Enumerable.Range(0, count).Select(i => $"{stream} line {i:D6} " + new string('x', 60)).ToList();

    private static string[] StagedFiles(string staging) =>
        Directory.Exists(staging) ? Directory.GetFiles(staging, "stdio.log*").Select(f => Path.GetFileName(f)).ToArray() : [];

    [Test]
    public async Task ForATenantTheObjectsAreAgeEncryptedAndOnlyItsKeysReadThem()
    {
        using var run = new TempDir();
        using var server = S3Server.Start();
        Directory.CreateDirectory(run["tenants"]);
        var acme = AgeTool.NewX25519(run.Path, "acme");
        var acmeOps = AgeTool.NewSshKey(run.Path, "acme-ops", "rsa", 2048);
        var globex = AgeTool.NewX25519(run.Path, "globex");
        File.WriteAllLines(run["tenants/acme.txt"], ["# acme", acme.Recipient, acmeOps.Recipient]);
        File.WriteAllLines(run["tenants/globex.txt"], [globex.Recipient]);
        var options = new Dictionary<string, string>
        {
            ["s3-upload-size"] = "8k",
            ["encryption-recipients-file"] = run.Path + "/tenants/{{index .ContainerLabels \"tenant\"}}.txt",
        };
        var lines = Numbered("out", 400);
        await using (var sidecar = await StartSidecar(run, run["staging"], server, options,
                         configure: start => start.Environment["DOCKERLOG_LABELS"] = "{\"tenant\":\"acme\"}"))
        {
            sidecar.Input(3).Write(string.Join("\n", lines) + "\n");
            sidecar.CloseInputs();
            Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
            Assert.That(StagedFiles(run["staging"]), Is.Empty, "everything uploaded: nothing left staged, plain or encrypted");
        }

        // container.json is encrypted too (the labels and command line are the tenant's), and nothing goes up plain.
        var all = server.ReadAll();
        var metadata = all.Single(o => o.Key == LoggerStart.ContainerId + "/container.json.age");
        File.WriteAllBytes(run["container.json.age"], metadata.Body);
        using (var doc = JsonDocument.Parse(AgeTool.DecryptOrFail(run["container.json.age"], acme.Identity)))
            Assert.That(doc.RootElement.GetProperty("id").GetString(), Is.EqualTo(LoggerStart.ContainerId));
        Assert.That(AgeTool.Decrypt(run["container.json.age"], globex.Identity).ExitCode, Is.Not.Zero, "another tenant's key cannot read the metadata");
        var objects = all.Where(o => o != metadata).ToList();
        Assert.That(objects, Has.Count.GreaterThan(2), "8k of records per object: several objects");
        Assert.That(objects.Select(o => o.Key), Has.All.Match(@"/stdio\.log\.\d{8}T\d{6}Z(_\d{3})?\.gz\.age$"));
        var received = new List<string>();
        foreach (var log in objects)
        {
            var file = run["object.age"];
            File.WriteAllBytes(file, log.Body);
            var plain = AgeTool.DecryptAndGunzip(file, acme.Identity);
            Assert.That(AgeTool.DecryptAndGunzip(file, acmeOps.Identity), Is.EqualTo(plain), "the tenant's ssh-rsa key reads it too");
            var (exit, leaked, _) = AgeTool.Decrypt(file, globex.Identity);
            Assert.That(exit, Is.Not.Zero, "another tenant's key cannot decrypt");
            Assert.That(leaked, Is.Empty, "and reads nothing");
            received.AddRange(JsonFileOutput.Parse(plain, log.Key).Select(r => r.Log!.TrimEnd('\n')));
        }
        Assert.That(received, Is.EqualTo(lines), "every line once, in order");
    }

    [Test]
    public async Task ObjectsFollowRfd10KeysAndGunzipToJsonFileBytes()
    {
        using var run = new TempDir();
        using var server = S3Server.Start();
        var common = new Dictionary<string, string> { ["max-line-size"] = "1k", ["labels"] = "rack", ["tag"] = "{{.Name}}" };
        void Labels(LoggerStart start)
        {
            start.Environment["DOCKERLOG_LABELS"] = "{\"rack\":\"r1\",\"tenant\":\"acme\"}";
            start.Environment["DOCKERLOG_IMAGENAME"] = "registry.example/web:1.2";
            start.Environment["DOCKERLOG_IMAGEID"] = "sha256:" + new string('b', 64);
            start.Environment["DOCKERLOG_CREATETIME"] = "2024-01-02T03:04:05.123456789Z";
            start.Environment["DOCKERLOG_ENTRYPOINT"] = "[\"/bin/sh\",\"-c\"]";
            start.Environment["DOCKERLOG_CMD"] = "[\"run --fast\"]";
        }
        byte[] stdout = Encoding.UTF8.GetBytes(string.Join("\n", Numbered("out", 300)) + "\nünïcödé \"quoted\"\ttab\n\n" + new string('p', 2500) + "\n")
            .Concat(new byte[] { 0xff, 0xfe, (byte)'\n' }).Concat("unterminated at EOF"u8.ToArray()).ToArray();
        byte[] stderr = Encoding.UTF8.GetBytes(string.Join("\n", Numbered("err", 100)) + "\n");

        var before = DateTime.UtcNow;
        var s3Options = new Dictionary<string, string>(common) { ["s3-upload-size"] = "8k" };
        await using (var sidecar = await StartSidecar(run, run["staging"], server, s3Options, configure: Labels))
        {
            sidecar.Input(3).Write(stdout);
            sidecar.Input(4).Write(stderr);
            sidecar.CloseInputs();
            Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
            Assert.That(sidecar.Summary().Undelivered, Is.Zero);
        }
        var after = DateTime.UtcNow;

        using var jsonRun = new TempDir();
        var jsonOptions = new Dictionary<string, string>(common) { ["path"] = jsonRun["container-json.log"] };
        await using (var jsonFile = await LoggerProcess.StartDriverAsync("json-file", jsonRun, jsonOptions, Labels))
        {
            jsonFile.Input(3).Write(stdout);
            jsonFile.Input(4).Write(stderr);
            jsonFile.CloseInputs();
            Assert.That(await jsonFile.WaitForExitAsync(Timeout), Is.Zero, jsonFile.Describe());
        }

        var objects = server.ReadAll();
        var logs = LogObjects(objects);
        Assert.That(logs, Has.Count.GreaterThan(2), "8k of records per object: several objects");
        foreach (var log in logs)
        {
            var match = KeyPattern.Match(log.Key);
            Assert.That(match.Success, $"key {log.Key} is <full id>/YYYY/mm/dd/HH/stdio.log.YYYYmmddTHHMMSSZ[_NNN].gz");
            Assert.That(match.Groups[1].Value + match.Groups[2].Value + match.Groups[3].Value + match.Groups[4].Value,
                Is.EqualTo(match.Groups[5].Value + match.Groups[6].Value + match.Groups[7].Value + match.Groups[8].Value), "the directories are the name's date and hour");
            var stamp = DateTime.ParseExact(Regex.Match(log.Key, @"\d{8}T\d{6}Z").Value, "yyyyMMdd'T'HHmmss'Z'", null,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
            Assert.That(stamp, Is.InRange(before.AddSeconds(-1), after.AddSeconds(1)), "named after the UTC time of rotation");
        }

        // Each stream's records are json-file's, byte for byte, once the capture times (which differ between runs) are set aside.
        string Normalize(string raw) => TimeField.Replace(raw, "\"time\":\"T\"");
        var archived = Records(objects);
        var written = JsonFileOutput.Read(jsonRun["container-json.log"]);
        foreach (var stream in new[] { "stdout", "stderr" })
            JsonFileOutput.AssertSameLines(written.Where(r => r.Stream == stream).Select(r => Normalize(r.Raw)).ToList(),
                archived.Where(r => r.Stream == stream).Select(r => Normalize(r.Raw)).ToList(), stream);
        Assert.That(archived.Select(r => r.Time), Has.All.Match(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"));
        Assert.That(archived.Count(r => r.Raw.Contains("\"attrs\":{\"rack\":\"r1\",\"tag\":\"e2e-container\"}", StringComparison.Ordinal)), Is.EqualTo(archived.Count));

        var metadata = objects.Single(o => o.Key == LoggerStart.ContainerId + "/container.json");
        using var doc = JsonDocument.Parse(metadata.Body);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("id").GetString(), Is.EqualTo(LoggerStart.ContainerId));
            Assert.That(root.GetProperty("name").GetString(), Is.EqualTo("/e2e-container"));
            Assert.That(root.GetProperty("image").GetString(), Is.EqualTo("registry.example/web:1.2"));
            Assert.That(root.GetProperty("image_id").GetString(), Is.EqualTo("sha256:" + new string('b', 64)));
            Assert.That(root.GetProperty("created").GetString(), Is.EqualTo("2024-01-02T03:04:05.123456789Z"));
            Assert.That(root.GetProperty("labels").GetProperty("tenant").GetString(), Is.EqualTo("acme"));
            Assert.That(root.GetProperty("entrypoint").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "/bin/sh", "-c" }));
            Assert.That(root.GetProperty("cmd").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "run --fast" }));
            Assert.That(StagedFiles(run["staging"]), Is.Empty, "everything uploaded is deleted locally");
        });
    }

    [Test]
    public async Task WithTheServerDownAtStartEverythingArrivesOnceItIsUp()
    {
        using var run = new TempDir();
        using var server = S3Server.Create();
        await using var sidecar = await StartSidecar(run, run["staging"], server, new() { ["s3-upload-size"] = "4k", ["s3-upload-interval"] = "1s" });
        var lines = Numbered("out", 500);
        sidecar.Input(3).Write(string.Join("\n", lines) + "\n");
        await sidecar.WaitForStderrAsync(l => l.Contains("s3: uploading stdio.log.", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal), Timeout);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That(StagedFiles(run["staging"]), Is.Not.Empty, "kept while the server is down");

        server.Listen();
        server.WaitFor(objects => CountLines(objects) >= lines.Count, "every line in the bucket", Timeout, sidecar);
        sidecar.CloseInputs();
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        var records = Records(server.ReadAll());
        Assert.That(records.Select(r => r.Log!.TrimEnd('\n')), Is.EqualTo(lines), "every line once, in order");
        Assert.That(StagedFiles(run["staging"]), Is.Empty);
    }

    [Test]
    public async Task AfterKillNineTheStagedLinesAreUploadedAtTheNextStart()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        using var server = S3Server.Start();
        string staging = first["staging"];
        var lines = Numbered("out", 2000);
        await using (var sidecar = await StartSidecar(first, staging, server, new() { ["s3-upload-size"] = "64k" }))
        {
            await sidecar.WaitForSignalHandlersAsync();
            sidecar.Input(3).Write(string.Join("\n", lines) + "\n");
            await sidecar.WaitForCountersAsync(c => c.Delivered == lines.Count, "every line staged");
            sidecar.Signal(Posix.SIGKILL);
            await sidecar.WaitForExitAsync(Timeout);
        }
        Assert.That(File.Exists(Path.Combine(staging, "stdio.log")), "the live file is left behind");
        // A crash in the middle of a write leaves a record cut short at the end: it is removed, not uploaded.
        File.AppendAllText(Path.Combine(staging, "stdio.log"), "{\"log\":\"torn");
        int uploadedBefore = CountLines(server.ReadAll());

        await using (var restarted = await StartSidecar(second, staging, server))
        {
            restarted.CloseInputs();
            Assert.That(await restarted.WaitForExitAsync(Timeout), Is.Zero, restarted.Describe());
            Assert.That(restarted.StderrLines, Has.Some.Contains("cut short by a crash"));
            Assert.That(restarted.StderrLines, Has.Some.Contains("staged by an earlier run"));
        }
        var records = Records(server.ReadAll());
        Assert.That(uploadedBefore, Is.LessThan(lines.Count), "the kill came before everything was uploaded");
        Assert.That(records.Select(r => r.Log!.TrimEnd('\n')), Is.EqualTo(lines), "every line once, in order");
        Assert.That(StagedFiles(staging), Is.Empty);
    }

    [Test]
    public async Task OnSigtermTheLiveFileIsRotatedAndUploadedWithinShutdownTimeout()
    {
        using var run = new TempDir();
        using var server = S3Server.Start();
        await using var sidecar = await StartSidecar(run, run["staging"], server, new() { ["shutdown-timeout"] = "90s" });
        var lines = Numbered("out", 100);
        await sidecar.WaitForSignalHandlersAsync();
        sidecar.Input(3).Write(string.Join("\n", lines) + "\n");
        await sidecar.WaitForCountersAsync(c => c.Delivered == lines.Count, "every line staged");
        Assert.That(LogObjects(server.ReadAll()), Is.Empty, "nothing uploaded before the 5m interval or 16m");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        sidecar.Signal(Posix.SIGTERM);
        Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "once all is uploaded it exits, without waiting out shutdown-timeout");
        Assert.That(Records(server.ReadAll()).Select(r => r.Log!.TrimEnd('\n')), Is.EqualTo(lines));
        Assert.That(StagedFiles(run["staging"]), Is.Empty);
    }

    [Test]
    public async Task AnObjectHalfWrittenByACrashIsMadeAgainFromTheStagedRecords()
    {
        using var run = new TempDir();
        using var server = S3Server.Start();
        string staging = run["staging"];
        Directory.CreateDirectory(staging);
        string records = "{\"log\":\"before the crash\\n\",\"stream\":\"stdout\",\"time\":\"2020-01-01T00:00:00.5Z\"}\n";
        File.WriteAllText(Path.Combine(staging, "stdio.log.20200101T000000Z"), records);
        File.WriteAllBytes(Path.Combine(staging, "stdio.log.20200101T000000Z.gz.tmp"), [0x1f, 0x8b, 8, 0, 0, 0]);
        await using (var sidecar = await StartSidecar(run, staging, server))
        {
            sidecar.CloseInputs();
            Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        }
        var log = LogObjects(server.ReadAll()).Single();
        Assert.That(log.Key, Is.EqualTo(LoggerStart.ContainerId + "/2020/01/01/00/stdio.log.20200101T000000Z.gz"), "named after the staged file");
        Assert.That(Encoding.UTF8.GetString(Gunzip(log.Body)), Is.EqualTo(records));
        Assert.That(Directory.GetFiles(staging).Select(Path.GetFileName), Has.None.StartWith("stdio.log"), "the half-written object is gone too");
    }

    [Test]
    public async Task WrongCredentialsAreReportedOnceWithoutTheSecretAndNothingIsDeleted()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        using var server = S3Server.Start();
        const string keyId = "AKIAWRONGKEY12345678";
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecretvalue";
        string staging = first["staging"];
        var lines = Numbered("out", 300);
        await using (var sidecar = await StartSidecar(first, staging, server, new() { ["s3-upload-size"] = "4k", ["shutdown-timeout"] = "2s" }, keyId, secret))
        {
            sidecar.Input(3).Write(string.Join("\n", lines) + "\n");
            var denied = await sidecar.WaitForStderrAsync(l => l.Contains("access denied", StringComparison.Ordinal), Timeout);
            Assert.That(denied, Does.Contain("403").And.Contain("InvalidAccessKeyId").And.Contain("AWS_ACCESS_KEY_ID"));
            sidecar.CloseInputs();
            Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
            var stderr = string.Join("\n", sidecar.StderrLines);
            Assert.Multiple(() =>
            {
                Assert.That(stderr, Does.Not.Contain(secret));
                Assert.That(stderr, Does.Not.Contain(keyId));
                Assert.That(sidecar.StderrLines.Count(l => l.Contains("access denied", StringComparison.Ordinal)), Is.EqualTo(1), "said once");
                Assert.That(stderr, Does.Contain("stay in " + staging));
            });
        }
        Assert.That(StagedFiles(staging), Is.Not.Empty, "nothing is deleted that was not uploaded");
        Assert.That(LogObjects(server.ReadAll()), Is.Empty);

        await using (var fixedKeys = await StartSidecar(second, staging, server))
        {
            fixedKeys.CloseInputs();
            Assert.That(await fixedKeys.WaitForExitAsync(Timeout), Is.Zero, fixedKeys.Describe());
        }
        Assert.That(Records(server.ReadAll()).Select(r => r.Log!.TrimEnd('\n')), Is.EqualTo(lines));
    }

    [Test]
    public async Task ALargeObjectGoesUpInParts()
    {
        using var run = new TempDir();
        using var server = S3Server.Start();
        // Random base64 hardly compresses: 16 MiB of it makes an object of about 12 MiB, over the 8 MiB part size.
        var random = new Random(12);
        var lines = Enumerable.Range(0, 4096).Select(_ =>
        {
            var bytes = new byte[3000];
            random.NextBytes(bytes);
            return Convert.ToBase64String(bytes);
        }).ToList();
        await using (var sidecar = await StartSidecar(run, run["staging"], server, new() { ["s3-upload-size"] = "64m", ["shutdown-timeout"] = "60s", ["mode"] = "blocking" }))
        {
            var writer = Task.Run(() => sidecar.Input(3).Write(string.Join("\n", lines) + "\n"));
            await writer;
            sidecar.CloseInputs();
            Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
        }
        var objects = LogObjects(server.ReadAll());
        Assert.That(objects, Has.Count.EqualTo(1));
        Assert.That(objects[0].Body.Length, Is.GreaterThan(8 << 20), "compressed, still over 8 MiB");
        Assert.That(server.RequestLog, Has.Some.Contains("partNumber=1").And.Some.Contains("partNumber=2"), "uploaded as parts");
        Assert.That(Records(objects).Select(r => r.Log!.TrimEnd('\n')), Is.EqualTo(lines));
    }

    [Test]
    public async Task PastStagingMaxSizeTheOldestFilesAreDroppedAndCounted()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        using var server = S3Server.Create();
        string staging = first["staging"];
        var lines = Numbered("out", 1000);
        LoggerCounters summary;
        await using (var sidecar = await StartSidecar(first, staging, server,
                         new() { ["s3-upload-size"] = "4k", ["s3-staging-max-size"] = "16k", ["shutdown-timeout"] = "1s", ["mode"] = "blocking" }))
        {
            sidecar.Input(3).Write(string.Join("\n", lines) + "\n");
            sidecar.CloseInputs();
            Assert.That(await sidecar.WaitForExitAsync(Timeout), Is.Zero, sidecar.Describe());
            summary = sidecar.Summary();
            Assert.That(sidecar.StderrLines, Has.Some.Contains("exceed s3-staging-max-size"));
        }
        long dropped = summary.DroppedLines("stdout");
        Assert.That(dropped, Is.GreaterThan(0).And.LessThan(lines.Count));
        Assert.That(summary.DroppedBytes("stdout"), Is.EqualTo(dropped * lines[0].Length), "bytes of the lines dropped");
        Assert.That(summary.Delivered + dropped, Is.EqualTo(lines.Count), "delivered counts only what stays staged");
        long stagedBytes = Directory.GetFiles(staging, "stdio.log*").Sum(f => new FileInfo(f).Length);
        Assert.That(stagedBytes, Is.LessThanOrEqualTo(16 * 1024));

        server.Listen();
        await using (var drain = await StartSidecar(second, staging, server))
        {
            drain.CloseInputs();
            Assert.That(await drain.WaitForExitAsync(Timeout), Is.Zero, drain.Describe());
        }
        var arrived = Records(server.ReadAll()).Select(r => r.Log!.TrimEnd('\n')).ToList();
        Assert.That(arrived, Has.Count.EqualTo(lines.Count - dropped), "exactly the lines not counted as dropped arrive");
        var kept = arrived.ToHashSet();
        Assert.That(arrived, Is.EqualTo(lines.Where(kept.Contains)), "in order, each once");
        Assert.That(arrived[^1], Is.EqualTo(lines[^1]), "the newest are kept (a file being uploaded when the limit is hit is spared)");
    }

    [Test]
    public async Task ASecondSidecarOnTheSameStagingPathIsAConfigurationError()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        using var server = S3Server.Create();
        await using var sidecar = await StartSidecar(first, first["staging"], server);
        await sidecar.WaitForSignalHandlersAsync();
        var start = new LoggerStart();
        start.Arguments.Clear();
        start.Arguments.AddRange(["s3", "--stdout", "none", "--stderr", "none"]);
        start.Config["s3-bucket"] = S3Server.Bucket;
        start.Config["s3-endpoint"] = server.Endpoint;
        start.Config["s3-staging-path"] = first["staging"];
        start.Environment["AWS_ACCESS_KEY_ID"] = S3Server.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = S3Server.SecretAccessKey;
        var (code, _, stderr) = await LoggerProcess.RunToExitAsync(start);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("s3-staging-path").And.Contain("in use by another containerlogger"));
    }

    [Test]
    public async Task OverTlsTheServerIsVerifiedWithTheGivenCaAndKeysComeFromACredentialsFileProfile()
    {
        using var run = new TempDir();
        using var certificates = new TempDir();
        TestCertificates.Make(certificates.Path);
        using var server = S3Server.Start(certificates.Path);
        var lines = Numbered("out", 50);
        await using (var untrusted = await StartSidecar(run, run["staging"], server, new() { ["shutdown-timeout"] = "1s" }))
        {
            untrusted.Input(3).Write(string.Join("\n", lines) + "\n");
            untrusted.CloseInputs();
            Assert.That(await untrusted.WaitForExitAsync(Timeout), Is.Zero, untrusted.Describe());
            Assert.That(untrusted.StderrLines, Has.Some.Contains("certificate chain is not trusted"));
        }
        Assert.That(LogObjects(server.ReadAll()), Is.Empty);

        // The second run takes its keys from a shared credentials file's profile, none from the environment.
        using var again = new TempDir();
        File.WriteAllText(again["credentials"], $"[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n[archive]\naws_access_key_id = {S3Server.AccessKeyId}\naws_secret_access_key = {S3Server.SecretAccessKey}\n");
        var fromFile = new Dictionary<string, string> { ["s3-tls-ca-cert"] = server.CaFile!, ["s3-credentials-file"] = again["credentials"], ["s3-profile"] = "archive" };
        await using (var trusted = await StartSidecar(again, run["staging"], server, fromFile, "", ""))
        {
            trusted.CloseInputs();
            Assert.That(await trusted.WaitForExitAsync(Timeout), Is.Zero, trusted.Describe());
        }
        Assert.That(Records(server.ReadAll()).Select(r => r.Log!.TrimEnd('\n')), Is.EqualTo(lines));
    }
}
