namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// json-file: the logger writes a file in a temporary directory (no rotation); a thread follows the file as it
/// grows and records the "log" value of each record.
/// </summary>
internal sealed class JsonFileReceiver : Receiver
{
    private readonly string _directory = Directory.CreateTempSubdirectory("clbench-json-").FullName;
    private volatile bool _stopping;
    private Thread? _follower;

    private string FilePath => Path.Combine(_directory, "container-json.log");

    public override string Name => "json-file";
    public override string Driver => "json-file";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string> { ["path"] = FilePath };

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
        using var file = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);
        var buffer = new byte[1 << 20];
        int filled = 0;
        while (true)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            int read = file.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                if (_stopping) return;
                Thread.Sleep(1);
                continue;
            }
            filled += read;
            int consumed = RecordLines(buffer.AsSpan(0, filled), ledger);
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }
    }

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
