using System.Globalization;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// s3: the harness's own minimal S3 endpoint on 127.0.0.1 (PUT object; multipart initiate, part, complete, abort),
/// which gunzips each .gz object and counts its json-file records: arrival there includes gzip and upload, and
/// is what the CPU figure waits for. The lines/s figure is taken into staging instead (<see cref="StagingFollower"/>
/// follows the live staging file across rotations), since uploads wait for s3-upload-interval (1 s here).
/// </summary>
internal sealed class S3Receiver : StreamReceiver
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clbench-s3-").FullName;
    private readonly Dictionary<string, SortedDictionary<int, byte[]>> _uploads = new(StringComparer.Ordinal);
    private StagingFollower? _follower;
    private int _nextUpload;

    public S3Receiver()
    {
        File.WriteAllText(CredentialsFile, "[default]\naws_access_key_id = BENCH\naws_secret_access_key = bench-secret\n");
    }

    private string CredentialsFile => Path.Combine(_directory, "credentials");
    private string StagingPath => Path.Combine(_directory, "staging");

    public override string Name => "s3";
    public override string Driver => "s3";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["s3-bucket"] = "bench",
        ["s3-endpoint"] = $"http://127.0.0.1:{Port}",
        ["s3-force-path-style"] = "true",
        ["s3-credentials-file"] = CredentialsFile,
        ["s3-staging-path"] = StagingPath,
        ["s3-upload-interval"] = "1s",
    };

    public override ArrivalLedger? StartIntake(long stdoutLines, long stderrLines)
    {
        var intake = new ArrivalLedger(stdoutLines, stderrLines);
        _follower = new StagingFollower(Path.Combine(StagingPath, "stdio.log"), intake);
        return intake;
    }

    internal override int Consume(ReadOnlyMemory<byte> memory, ArrivalLedger ledger, Socket? connection)
    {
        var data = memory.Span;
        int consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            int headEnd = rest.IndexOf("\r\n\r\n"u8);
            if (headEnd < 0) return consumed;
            var head = Encoding.ASCII.GetString(rest[..headEnd]).Split("\r\n");
            int length = ContentLength(head);
            if (rest.Length < headEnd + 4 + length) return consumed;
            var body = rest.Slice(headEnd + 4, length);
            var (status, headers, reply) = Answer(head[0], body, ledger);
            connection?.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: {reply.Length}\r\n{headers}\r\n{reply}"));
            consumed += headEnd + 4 + length;
        }
    }

    /// <summary>The status line's code and text, extra header lines, and the body of the answer to one request.</summary>
    private (string Status, string Headers, string Body) Answer(string requestLine, ReadOnlySpan<byte> body, ArrivalLedger ledger)
    {
        var parts = requestLine.Split(' ');
        var target = parts[1];
        int question = target.IndexOf('?');
        string path = question < 0 ? target : target[..question];
        var query = question < 0 ? [] : target[(question + 1)..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        const string ETag = "ETag: \"0123456789abcdef0123456789abcdef\"\r\n";
        switch (parts[0])
        {
            case "PUT" when query.TryGetValue("uploadId", out var putId):
                lock (_uploads) _uploads[putId][int.Parse(query["partNumber"], CultureInfo.InvariantCulture)] = body.ToArray();
                return ("200 OK", ETag, "");
            case "PUT":
                Count(path, body, ledger);
                return ("200 OK", ETag, "");
            case "POST" when query.ContainsKey("uploads"):
                string id;
                lock (_uploads) _uploads[id = "upload" + _nextUpload++] = new SortedDictionary<int, byte[]>();
                return ("200 OK", "", $"<InitiateMultipartUploadResult><Bucket>bench</Bucket><Key>{path}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>");
            case "POST" when query.TryGetValue("uploadId", out var completeId):
                byte[] whole;
                lock (_uploads)
                {
                    whole = _uploads[completeId].Values.SelectMany(b => b).ToArray();
                    _uploads.Remove(completeId);
                }
                Count(path, whole, ledger);
                return ("200 OK", "", $"<CompleteMultipartUploadResult><Bucket>bench</Bucket><Key>{path}</Key><ETag>\"0123456789abcdef0123456789abcdef-2\"</ETag></CompleteMultipartUploadResult>");
            case "DELETE" when query.TryGetValue("uploadId", out var abortId):
                lock (_uploads) _uploads.Remove(abortId);
                return ("204 No Content", "", "");
            default:
                return ("400 Bad Request", "", "");
        }
    }

    /// <summary>A log object's records (container.json is not one).</summary>
    private static void Count(string path, ReadOnlySpan<byte> body, ArrivalLedger ledger)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal)) return;
        using var gzip = new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
        using var records = new MemoryStream();
        gzip.CopyTo(records);
        JsonFileReceiver.RecordLines(records.GetBuffer().AsSpan(0, (int)records.Length), ledger);
    }

    private static int ContentLength(string[] head)
    {
        var line = head.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return line is null ? 0 : int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    public override void Dispose()
    {
        base.Dispose();
        _follower?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
