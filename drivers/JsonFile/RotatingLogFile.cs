using ContainerLogger.Files;
using ContainerLogger.Text;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// The log file and its rotation (docker-logdrivers.md 11.4, CONTRACT.md section 8). The caller asks
/// <see cref="IsFull"/> before each record and calls <see cref="Rotate"/> when it is, so a file ends with the
/// first record that takes it to or past max-size. Rotated files are gzipped on a thread of their own that
/// exists only while it compresses: the process keeps no idle threads.
/// </summary>
internal sealed class RotatingLogFile : IDisposable
{
    private readonly string _path;
    private readonly long _maxSize;
    private readonly int _maxFile;
    private readonly bool _compress;
    private readonly bool _timestampNaming;
    private readonly Diagnostics _diagnostics;
    private AppendOnlyFile? _file;
    private Thread? _compression;

    /// <param name="maxSize">Rotate once the file holds this many bytes; 0 or less never rotates.</param>
    /// <param name="maxFile">Files kept, the live one included; 1 truncates at rotation.</param>
    public RotatingLogFile(string path, long maxSize, int maxFile, bool compress, bool timestampNaming, Diagnostics diagnostics)
    {
        _path = Path.GetFullPath(path);
        _maxSize = maxSize;
        _maxFile = maxFile;
        _compress = compress && maxFile >= 2;
        _timestampNaming = timestampNaming;
        _diagnostics = diagnostics;
    }

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
        WaitForCompression();
        Close();
        string? rotated = null;
        try
        {
            if (_maxFile < 2) File.Delete(_path); // unlinked, so a reader of the old file is not cut short
            else if (_timestampNaming) rotated = TimestampRotation.MoveAside(_path, _maxFile - 1, () => DateTime.UtcNow);
            else rotated = IndexRotation.MoveAside(_path, _maxFile - 1, _compress);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _diagnostics.Report($"json-file: error rotating {_path}, log data may have been lost: {e.Message}");
        }
        if (rotated is not null && _compress) StartCompression(rotated, lastRecordTicks);
        _file = Open(truncate: true);
    }

    /// <summary>SIGHUP: the file may have been moved away (logrotate); write to whatever is at the path now.</summary>
    public void Reopen()
    {
        Close();
        EnsureOpen();
    }

    /// <summary>Waits for a running compression, then closes the file.</summary>
    public void Dispose()
    {
        WaitForCompression();
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

    private void StartCompression(string rotated, long lastRecordTicks)
    {
        var thread = new Thread(() => Compress(rotated, lastRecordTicks), maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "json-file gzip",
        };
        thread.Start();
        _compression = thread;
    }

    /// <summary>The next rotation renames the files being compressed, so it waits, as Docker's does.</summary>
    private void WaitForCompression()
    {
        _compression?.Join();
        _compression = null;
    }

    /// <summary>rotated → rotated.gz, then the uncompressed file goes; on failure the uncompressed file stays.</summary>
    private void Compress(string rotated, long lastRecordTicks)
    {
        string target = rotated + ".gz";
        try
        {
            GzipWithExtra.Compress(rotated, target, LastTimeExtra(lastRecordTicks));
            File.Delete(rotated);
        }
        catch (FileNotFoundException)
        {
            // Moved away meanwhile: nothing to compress (Docker skips it too).
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _diagnostics.Report($"json-file: error compressing {rotated}: {e.Message}");
            try
            {
                File.Delete(target);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                _diagnostics.Report($"json-file: error removing {target}: {cleanup.Message}");
            }
        }
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
