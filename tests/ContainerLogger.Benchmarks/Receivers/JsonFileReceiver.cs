namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// json-file: the logger writes a file in a temporary directory; a thread follows the file as it grows and records the
/// "log" value of each record. With <c>maxSize</c>, the file rotates (timestamp names, every rotated file kept) and
/// the thread follows it across rotations; a rotated file it never saw as the live one (two rotations between two
/// looks) is read by name, or decrypted with `age` once encrypted. With <c>encrypt</c>, rotated files are encrypted
/// to an identity made with age-keygen (CONTRACT.md section 13). <c>maxFile</c> prunes old files for long runs (a
/// soak); a rotated file pruned before the thread read it would show as missing lines.
/// </summary>
internal sealed class JsonFileReceiver(string? maxSize = null, bool encrypt = false, int maxFile = 1000) : Receiver
{
    private const string FileName = "container-json.log";
    private readonly string _directory = Directory.CreateTempSubdirectory("clbench-json-").FullName;
    private volatile bool _stopping;
    private Thread? _follower;
    private string? _recipient;
    /// <summary>The newest rotated file (its name without .age) whose records are recorded.</summary>
    private string _lastRotated = "";

    private string FilePath => Path.Combine(_directory, FileName);
    private string IdentityPath => Path.Combine(_directory, "identity.key");

    public override string Name => maxSize is null ? "json-file" : $"json-file max-size={maxSize}{(encrypt ? " age" : "")}";
    public override string Driver => "json-file";

    public override IReadOnlyDictionary<string, string> LogOptions
    {
        get
        {
            var options = new Dictionary<string, string> { ["path"] = FilePath };
            if (maxSize is null) return options;
            options["max-size"] = maxSize;
            options["max-file"] = maxFile.ToString(System.Globalization.CultureInfo.InvariantCulture);
            options["rotate-naming"] = "timestamp";
            if (encrypt) options["encryption-recipients"] = _recipient ??= MakeIdentity();
            return options;
        }
    }

    /// <summary>Waits until no rotated file is left unencrypted: the encryption of the last one counts too.</summary>
    public override void Settle(TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (encrypt && clock.Elapsed < limit && Rotated().Any(name => !name.EndsWith(".age", StringComparison.Ordinal)))
            Thread.Sleep(1);
    }

    public override void Start(ArrivalLedger ledger)
    {
        _follower = new Thread(() => Follow(ledger)) { IsBackground = true, Name = "json-file follower" };
        _follower.Start();
    }

    private void Follow(ArrivalLedger ledger)
    {
        var file = OpenWhenPresent();
        if (file is null) return;
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
                // The logger closes a full file before renaming it: once renamed, nothing more is written to it, but
                // what was written since the last read (before the rename) is read out first.
                if (maxSize is not null && RenamedTo(file) is { } movedTo)
                {
                    while ((read = file.Read(buffer, filled, buffer.Length - filled)) > 0)
                    {
                        filled += read;
                        if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    RecordLines(buffer.AsSpan(0, filled), ledger);
                    filled = 0; // the file ends with a whole record
                    file.Dispose();
                    CatchUp(ledger, before: movedTo, following: null);
                    _lastRotated = movedTo;
                    file = OpenWhenPresent();
                    if (file is null) return;
                    CatchUp(ledger, before: null, following: file);
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

    /// <summary>The file at <see cref="FilePath"/> once there is one (a rotation may have moved it an instant ago); null when stopping.</summary>
    private FileStream? OpenWhenPresent()
    {
        while (!_stopping)
        {
            try
            {
                return new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);
            }
            catch (FileNotFoundException)
            {
                Thread.Sleep(1);
            }
        }
        return null;
    }

    /// <summary>The rotated name of the open file once it is no longer the live one (its /proc link says where it is now).</summary>
    private string? RenamedTo(FileStream file)
    {
        string target = new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget ?? FilePath;
        if (target.EndsWith(" (deleted)", StringComparison.Ordinal)) target = target[..^" (deleted)".Length];
        return target == FilePath ? null : Path.GetFileName(target);
    }

    /// <summary>
    /// Records the rotated files after the last one recorded, up to <paramref name="before"/> or the file being
    /// followed (which may have been rotated since it was opened): that one is read through its descriptor.
    /// </summary>
    private void CatchUp(ArrivalLedger ledger, string? before, FileStream? following)
    {
        foreach (var name in Rotated().Select(n => n.EndsWith(".age", StringComparison.Ordinal) ? n[..^4] : n).Distinct().Order(StringComparer.Ordinal))
        {
            if (string.CompareOrdinal(name, _lastRotated) <= 0) continue;
            if ((before is not null && string.CompareOrdinal(name, before) >= 0) || (following is not null && RenamedTo(following) == name)) return;
            var bytes = ReadRotated(Path.Combine(_directory, name));
            RecordLines(bytes, ledger);
            _lastRotated = name;
        }
    }

    /// <summary>Rotated file names (YYYYmmddTHHMMSSZ after the file name), plain or .age.</summary>
    private IEnumerable<string> Rotated() =>
        Directory.EnumerateFiles(_directory, FileName + ".2*").Select(f => Path.GetFileName(f)!).Where(n => !n.EndsWith(".age", StringComparison.Ordinal) || encrypt);

    private byte[] ReadRotated(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) when (encrypt)
        {
            return RunTool("age", "-d", "-i", IdentityPath, path + ".age"); // encrypted (and removed) meanwhile
        }
    }

    private string MakeIdentity()
    {
        RunTool("age-keygen", "-o", IdentityPath);
        return System.Text.Encoding.ASCII.GetString(RunTool("age-keygen", "-y", IdentityPath)).Trim();
    }

    private static byte[] RunTool(string program, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var errors = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {errors.Result}");
        return output.ToArray();
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
