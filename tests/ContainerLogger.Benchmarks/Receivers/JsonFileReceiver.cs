namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// json-file: the logger writes a file in a temporary directory; a thread follows the file as it grows, and across
/// rotations when <c>maxSize</c> is given (every rotated file is kept), and records the "log" value of each record.
/// With <c>encrypt</c>, rotated files are encrypted to an age recipient (CONTRACT.md section 13).
/// </summary>
internal sealed class JsonFileReceiver(string? maxSize = null, bool encrypt = false) : Receiver
{
    /// <summary>An age X25519 public key whose identity was thrown away: the benchmark pays for encryption, nobody decrypts.</summary>
    private const string Recipient = "age1z0w3nkq98xjnlysjjxwg8nk9355ersueg4lj4m34g6n56f4l5sgszdnps4";

    private readonly string _directory = Directory.CreateTempSubdirectory("clbench-json-").FullName;
    private volatile bool _stopping;
    private Thread? _follower;

    private string FilePath => Path.Combine(_directory, "container-json.log");

    public override string Name => maxSize is null ? "json-file" : $"json-file max-size={maxSize}{(encrypt ? " age" : "")}";
    public override string Driver => "json-file";

    public override IReadOnlyDictionary<string, string> LogOptions
    {
        get
        {
            var options = new Dictionary<string, string> { ["path"] = FilePath };
            if (maxSize is null) return options;
            options["max-size"] = maxSize;
            options["max-file"] = "1000";
            if (encrypt) options["encryption-recipients"] = Recipient;
            return options;
        }
    }

    /// <summary>Waits until no rotated file is left unencrypted: the encryption of the last one counts too.</summary>
    public override void Settle(TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (encrypt && clock.Elapsed < limit && Directory.EnumerateFiles(_directory, "container-json.log.*").Any(f => !f.EndsWith(".age", StringComparison.Ordinal)))
            Thread.Sleep(1);
    }

    public override void Start(ArrivalLedger ledger)
    {
        _follower = new Thread(() => Follow(ledger)) { IsBackground = true, Name = "json-file follower" };
        _follower.Start();
    }

    private void Follow(ArrivalLedger ledger)
    {
        while (!File.Exists(FilePath))
        {
            if (_stopping) return;
            Thread.Sleep(1);
        }
        var file = Open();
        var buffer = new byte[1 << 20];
        int filled = 0;
        while (true)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            int read = file.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                if (_stopping)
                {
                    file.Dispose();
                    return;
                }
                // The logger closes a full file before renaming it: once renamed, it has been read to its end.
                if (maxSize is not null && File.Exists(FilePath) && WasRenamed(file))
                {
                    file.Dispose();
                    file = Open();
                    continue;
                }
                Thread.Sleep(1);
                continue;
            }
            filled += read;
            int consumed = RecordLines(buffer.AsSpan(0, filled), ledger);
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }
    }

    private FileStream Open() => new(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);

    /// <summary>The open file is no longer the one at <see cref="FilePath"/> (its /proc link names where it is now).</summary>
    private bool WasRenamed(FileStream file) =>
        new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget != FilePath;

    /// <summary>Records every complete JSON line in <paramref name="data"/>; returns the bytes consumed.</summary>
    internal static int RecordLines(ReadOnlySpan<byte> data, ArrivalLedger ledger)
    {
        int consumed = 0;
        while (true)
        {
            int newline = data.Slice(consumed).IndexOf((byte)'\n');
            if (newline < 0) return consumed;
            ledger.Record(LogValue(data.Slice(consumed, newline)));
            consumed += newline + 1;
        }
    }

    /// <summary>The start of the "log" string of a record (the sequence prefix is plain ASCII, never escaped).</summary>
    private static ReadOnlySpan<byte> LogValue(ReadOnlySpan<byte> record)
    {
        int at = record.IndexOf("\"log\":\""u8);
        return at < 0 ? default : record.Slice(at + 7);
    }

    public override void Dispose()
    {
        _stopping = true;
        _follower?.Join();
        Directory.Delete(_directory, recursive: true);
    }
}
