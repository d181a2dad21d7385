using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ContainerLogger.Tests.EndToEnd;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.S3;

/// <summary>One object as read back by boto3.</summary>
public sealed record BucketObject(string Key, string ETag, byte[] Body);

/// <summary>
/// An independent S3 server for the end-to-end tests: s3rver 3.7.1 (npm, installed by build.sh with npm ci in
/// server/) on 127.0.0.1, with one bucket, "logs". It checks the access key id (S3RVER) but not the signature.
/// Objects are read back with read_bucket.py (Debian's python3-boto3). Its request log is kept, to see which
/// requests arrived (a multipart upload's parts).
/// </summary>
internal sealed class S3Server : IDisposable
{
    public const string Bucket = "logs";
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";
    private const string Python = "/usr/bin/python3";
    private static readonly string ServerDirectory = Path.Combine(RepositoryRoot(), "tests", "ContainerLogger.Tests", "S3", "server");
    private static readonly string ReadScript = Path.Combine(RepositoryRoot(), "tests", "ContainerLogger.Tests", "S3", "read_bucket.py");

    private readonly TempDir _data = new();
    private readonly List<string> _log = [];
    private readonly string? _certificates;
    private Process? _node;

    private S3Server(int port, string? certificates)
    {
        Port = port;
        _certificates = certificates;
    }

    public int Port { get; }
    public string Endpoint => $"{(_certificates is null ? "http" : "https")}://127.0.0.1:{Port}";
    /// <summary>The CA that signed the TLS server's certificate (https only).</summary>
    public string? CaFile => _certificates is null ? null : Path.Combine(_certificates, "ca.pem");

    public IReadOnlyList<string> RequestLog
    {
        get { lock (_log) return [.. _log]; }
    }

    /// <summary>Starts s3rver; <paramref name="certificates"/> (TestCertificates' directory) serves https.</summary>
    public static S3Server Start(string? certificates = null)
    {
        var server = Create(certificates);
        server.Listen();
        return server;
    }

    /// <summary>A server on a free port that is not started yet (the destination is down).</summary>
    public static S3Server Create(string? certificates = null) => new(FreePort(), certificates);

    /// <summary>Starts (or starts again) s3rver on <see cref="Port"/>, keeping what it stored.</summary>
    public void Listen()
    {
        if (!File.Exists(Path.Combine(ServerDirectory, "node_modules", "s3rver", "bin", "s3rver.js")))
            Assert.Fail($"s3rver is not installed in {ServerDirectory}: run ./build.sh test (it runs npm ci there)");
        var start = new ProcessStartInfo("node") { WorkingDirectory = ServerDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        var args = new List<string> { "node_modules/s3rver/bin/s3rver.js", "-d", _data.Path, "-a", "127.0.0.1", "-p", Port.ToString(), "--configure-bucket", Bucket };
        if (_certificates is not null) args.AddRange(["--key", Path.Combine(_certificates, "server.key"), "--cert", Path.Combine(_certificates, "server.pem")]);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var node = Process.Start(start)!;
        var listening = new TaskCompletionSource();
        node.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.StartsWith("S3rver listening", StringComparison.Ordinal)) listening.TrySetResult();
            lock (_log) _log.Add(e.Data);
        };
        node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) TestContext.Progress.WriteLine("s3rver: " + e.Data);
        };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        _node = node;
        if (!listening.Task.Wait(TimeSpan.FromSeconds(30))) Assert.Fail("s3rver did not start listening within 30 s");
    }

    public void Stop() => ChildProcess.Stop(ref _node);

    /// <summary>Every object in the bucket, key order, read with boto3.</summary>
    public List<BucketObject> ReadAll()
    {
        using var output = new TempDir();
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { ReadScript, Endpoint, Bucket, output.Path }) start.ArgumentList.Add(arg);
        if (CaFile is not null) start.ArgumentList.Add(CaFile);
        using var python = Process.Start(start)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        if (!python.WaitForExit(60_000))
        {
            python.Kill();
            Assert.Fail("read_bucket.py did not finish within 60 s");
        }
        if (python.ExitCode != 0) Assert.Fail($"read_bucket.py failed ({python.ExitCode}): {stderr.Result}");
        var objects = new List<BucketObject>();
        foreach (var line in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            objects.Add(new BucketObject(root.GetProperty("key").GetString()!, root.GetProperty("etag").GetString()!,
                File.ReadAllBytes(root.GetProperty("file").GetString()!)));
        }
        return objects;
    }

    /// <summary>Reads the bucket until <paramref name="done"/> holds for what it holds; fails on timeout.</summary>
    public List<BucketObject> WaitFor(Func<List<BucketObject>, bool> done, string what, TimeSpan timeout, LoggerProcess? logger = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var objects = ReadAll();
            if (done(objects)) return objects;
            if (clock.Elapsed > timeout)
                Assert.Fail($"timed out waiting for {what}; the bucket holds {objects.Count} objects: {string.Join(", ", objects.Select(o => o.Key))}{logger?.Describe()}");
            Thread.Sleep(250);
        }
    }

    public void Dispose()
    {
        Stop();
        _data.Dispose();
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContainerLogger.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("ContainerLogger.sln not found above " + AppContext.BaseDirectory);
    }
}
