using ContainerLogger.Crypto;
using ContainerLogger.Files;
using ContainerLogger.Text;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// The log file and its rotation (docker-logdrivers.md 11.4, CONTRACT.md section 8). The caller asks
/// <see cref="IsFull"/> before each record and calls <see cref="Rotate"/> when it is, so a file ends with the
/// first record that takes it to or past max-size. Rotated files are gzipped and/or encrypted (age, CONTRACT.md
/// section 13) on a thread of their own that exists only while it works: the process keeps no idle threads.
/// The live file stays plain.
/// </summary>
internal sealed class RotatingLogFile : IDisposable
{
    private readonly string _path;
    private readonly long _maxSize;
    private readonly int _maxFile;
    private readonly bool _compress;
    private readonly bool _timestampNaming;
    private readonly IReadOnlyList<AgeRecipient>? _encryptTo;
    private readonly Diagnostics _diagnostics;
    private AppendOnlyFile? _file;
    private Thread? _finishing;

    /// <param name="maxSize">Rotate once the file holds this many bytes; 0 or less never rotates.</param>
    /// <param name="maxFile">Files kept, the live one included; 1 truncates at rotation.</param>
    /// <param name="encryptTo">Encrypt rotated files to these age recipients (after gzip when compressing); null: plain.</param>
    public RotatingLogFile(string path, long maxSize, int maxFile, bool compress, bool timestampNaming,
        IReadOnlyList<AgeRecipient>? encryptTo, Diagnostics diagnostics)
    {
        _path = Path.GetFullPath(path);
        _maxSize = maxSize;
        _maxFile = maxFile;
        _compress = compress && maxFile >= 2;
        _timestampNaming = timestampNaming;
        _encryptTo = maxFile >= 2 ? encryptTo : null;
        _diagnostics = diagnostics;
    }

    /// <summary>What a rotated file's name gets once finished: .gz, .age, .gz.age or nothing.</summary>
    private string FinishedExtension => (_compress ? ".gz" : "") + (_encryptTo is null ? "" : ".age");

    /// <summary>The file has reached max-size: rotate before the next record. Only meaningful once open.</summary>
    public bool IsFull => _maxSize > 0 && _file is { } file && file.Size >= _maxSize;

    /// <summary>Bytes the file can take before it is full.</summary>
    public long RoomBeforeFull => _maxSize > 0 && _file is { } file ? _maxSize - file.Size : long.MaxValue;

    /// <summary>Opens the file (appending, parent directories created) unless it is open.</summary>
    public void EnsureOpen() => _file ??= Open(truncate: false);

    /// <summary>One write(2) to the file: returns the bytes it took, or throws with nothing taken.</summary>
    public int Write(ReadOnlySpan<byte> bytes)
    {
        EnsureOpen();
        return _file!.Write(bytes);
    }

    /// <summary>
    /// Moves the full file aside and starts an empty one. A failure to move it is reported and the new file is
    /// opened anyway, truncating, as Docker does: the size limit holds even when some log data is lost.
    /// </summary>
    /// <param name="lastRecordTicks">Time of the last record in the file, for the gzip header.</param>
    public void Rotate(long lastRecordTicks)
    {
        WaitForFinishing();
        Close();
        string? rotated = null;
        try
        {
            if (_maxFile < 2) File.Delete(_path); // unlinked, so a reader of the old file is not cut short
            else if (_timestampNaming) rotated = TimestampRotation.MoveAside(_path, _maxFile - 1, () => DateTime.UtcNow);
            else rotated = IndexRotation.MoveAside(_path, _maxFile - 1, FinishedExtension);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _diagnostics.Report($"json-file: error rotating {_path}, log data may have been lost: {e.Message}");
        }
        if (rotated is not null && FinishedExtension.Length > 0) StartFinishing(rotated, lastRecordTicks);
        _file = Open(truncate: true);
    }

    /// <summary>SIGHUP: the file may have been moved away (logrotate); write to whatever is at the path now.</summary>
    public void Reopen()
    {
        Close();
        EnsureOpen();
    }

    /// <summary>Waits for the rotated file being compressed or encrypted, then closes the file.</summary>
    public void Dispose()
    {
        WaitForFinishing();
        Close();
    }

    private AppendOnlyFile Open(bool truncate)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        return AppendOnlyFile.Open(_path, truncate);
    }

    private void Close()
    {
        _file?.Dispose();
        _file = null;
    }

    private void StartFinishing(string rotated, long lastRecordTicks)
    {
        var thread = new Thread(() => Finish(rotated, lastRecordTicks), maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "json-file rotated",
        };
        thread.Start();
        _finishing = thread;
    }

    /// <summary>The next rotation renames the files being finished, so it waits, as Docker's does for gzip.</summary>
    private void WaitForFinishing()
    {
        _finishing?.Join();
        _finishing = null;
    }

    /// <summary>rotated → rotated.gz → rotated.gz.age (each step as configured), each step deleting its input.</summary>
    private void Finish(string rotated, long lastRecordTicks)
    {
        string plain = rotated;
        if (_compress)
        {
            var extra = LastTimeExtra(lastRecordTicks);
            if (!Transform(rotated, rotated + ".gz", "compressing", target => GzipWithExtra.Compress(rotated, target, extra))) return;
            plain = rotated + ".gz";
        }
        if (_encryptTo is { } recipients)
            Transform(plain, plain + ".age", "encrypting", target => AgeFile.Encrypt(plain, target, recipients));
    }

    /// <summary>
    /// Writes <paramref name="target"/> from <paramref name="source"/>, then deletes the source. On failure the
    /// source stays (nothing is lost) and the partial target goes; returns whether it worked.
    /// </summary>
    private bool Transform(string source, string target, string what, Action<string> write)
    {
        try
        {
            write(target);
            File.Delete(source);
            return true;
        }
        catch (FileNotFoundException)
        {
            // Moved away meanwhile: nothing to do (Docker skips it too).
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            _diagnostics.Report($"json-file: error {what} {source}: {e.Message}");
            try
            {
                File.Delete(target);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                _diagnostics.Report($"json-file: error removing {target}: {cleanup.Message}");
            }
        }
        return false;
    }

    /// <summary>{"lastTime":"…"}: Docker's rotateFileMetadata, which readers use to skip whole files.</summary>
    internal static byte[] LastTimeExtra(long ticks)
    {
        Span<byte> buffer = stackalloc byte[32 + Rfc3339.MaxNanoLength];
        int n = 0;
        "{\"lastTime\":\""u8.CopyTo(buffer);
        n += "{\"lastTime\":\""u8.Length;
        n += Rfc3339.FormatNano(ticks, buffer.Slice(n));
        "\"}"u8.CopyTo(buffer.Slice(n));
        n += 2;
        return buffer.Slice(0, n).ToArray();
    }
}
