using ContainerLogger.Crypto;
using ContainerLogger.Files;
using ContainerLogger.Native;
using ContainerLogger.Text;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// The log file and its rotation (docker-logdrivers.md 11.4, CONTRACT.md section 8). The caller asks
/// <see cref="IsFull"/> before each record and calls <see cref="TryRotate"/> when it is, so a file ends with the
/// first record that takes it to or past max-size. Rotated files are gzipped and/or encrypted (age, CONTRACT.md
/// section 13) on a thread of their own that exists only while it works: the process keeps no idle threads.
/// The live file stays plain. Failures come back as an errno; a rotation with nothing to finish allocates nothing
/// (gzip and age run the runtime's streams).
/// </summary>
internal sealed class RotatingLogFile : IDisposable
{
    private readonly string _path;
    private readonly string _directory;
    private readonly long _maxSize;
    private readonly int _maxFile;
    private readonly bool _compress;
    private readonly IReadOnlyList<AgeRecipient>? _encryptTo;
    private readonly Diagnostics _diagnostics;
    private readonly AppendOnlyFile _file;
    private readonly IndexRotation? _index;
    private readonly TimestampRotation? _timestamp;
    /// <summary>What a rotated file's name gets once finished: .gz, .age, .gz.age or nothing.</summary>
    private readonly string _finishedExtension;
    private Thread? _finishing;

    /// <param name="maxSize">Rotate once the file holds this many bytes; 0 or less never rotates.</param>
    /// <param name="maxFile">Files kept, the live one included; 1 truncates at rotation.</param>
    /// <param name="encryptTo">Encrypt rotated files to these age recipients (after gzip when compressing); null: plain.</param>
    public RotatingLogFile(string path, long maxSize, int maxFile, bool compress, bool timestampNaming,
        IReadOnlyList<AgeRecipient>? encryptTo, Diagnostics diagnostics)
    {
        _path = Path.GetFullPath(path);
        _directory = Path.GetDirectoryName(_path)!;
        _maxSize = maxSize;
        _maxFile = maxFile;
        _compress = compress && maxFile >= 2;
        _encryptTo = maxFile >= 2 ? encryptTo : null;
        _diagnostics = diagnostics;
        _file = new AppendOnlyFile(_path);
        _finishedExtension = (_compress ? ".gz" : "") + (_encryptTo is null ? "" : ".age");
        if (maxFile >= 2 && !timestampNaming) _index = new IndexRotation(_path, maxFile - 1, _finishedExtension);
        if (maxFile >= 2 && timestampNaming) _timestamp = new TimestampRotation(_path, maxFile - 1, () => DateTime.UtcNow);
    }

    /// <summary>The live file's full path.</summary>
    public string FilePath => _path;

    /// <summary>The file has reached max-size: rotate before the next record. Only meaningful once open.</summary>
    public bool IsFull => _maxSize > 0 && _file.IsOpen && _file.Size >= _maxSize;

    /// <summary>Bytes the file can take before it is full.</summary>
    public long RoomBeforeFull => _maxSize > 0 && _file.IsOpen ? _maxSize - _file.Size : long.MaxValue;

    /// <summary>Opens the file (appending, parent directories created) unless it is open; false, with the errno, on failure.</summary>
    public bool TryEnsureOpen(out int errno)
    {
        errno = 0;
        return _file.IsOpen || TryOpen(truncate: false, out errno);
    }

    /// <summary>One write(2) to the open file: the bytes it took, or -1 with the errno, nothing taken.</summary>
    public int TryWrite(ReadOnlySpan<byte> bytes, out int errno) => _file.TryWrite(bytes, out errno);

    /// <summary>
    /// Moves the full file aside and starts an empty one; false, with the errno, when the new one cannot be opened.
    /// A failure to move it is reported and the new file is opened anyway, truncating, as Docker does: the size limit
    /// holds even when some log data is lost.
    /// </summary>
    /// <param name="lastRecordTicks">Time of the last record in the file, for the gzip header.</param>
    public bool TryRotate(long lastRecordTicks, out int errno)
    {
        WaitForFinishing();
        _file.Close();
        bool moved = false;
        if (_maxFile < 2)
        {
            // Unlinked, so a reader of the old file is not cut short.
            if (!_file.TryDelete(out errno) && errno != Libc.ENOENT) ReportRotationFailure(Libc.ErrorText(errno));
        }
        else
        {
            moved = _index is not null ? _index.MoveAside(out errno) : _timestamp!.MoveAside(out errno);
            if (errno != 0) ReportRotationFailure(Libc.ErrorText(errno));
        }
        if (moved && _finishedExtension.Length > 0) StartFinishing(_index?.FirstRotated ?? _timestamp!.LastRotated, lastRecordTicks);
        return TryOpen(truncate: true, out errno);
    }

    private void ReportRotationFailure(string reason) =>
        _diagnostics.Report($"json-file: error rotating {_path}, log data may have been lost: {reason}");

    /// <summary>SIGHUP: the file may have been moved away (logrotate); write to whatever is at the path now.</summary>
    public void Reopen()
    {
        _file.Close();
        if (!TryEnsureOpen(out int errno)) throw new IOException($"opening {_path}: {Libc.ErrorText(errno)}");
    }

    /// <summary>Waits for the rotated file being compressed or encrypted, then closes the file.</summary>
    public void Dispose()
    {
        WaitForFinishing();
        _file.Close();
    }

    /// <summary>Opens the file; a missing directory is created first (with its parents), as at start.</summary>
    private bool TryOpen(bool truncate, out int errno)
    {
        if (_file.TryOpen(truncate, out errno) || errno != Libc.ENOENT) return errno == 0;
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // still ENOENT: the directory cannot be made
        }
        return _file.TryOpen(truncate, out errno);
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

    /// <summary>
    /// rotated → rotated.gz, rotated.age or rotated.gz.age in one pass, deleting the plain file once done; then what the
    /// streams left (zlib's and OpenSSL's state, the managed buffers) is given back.
    /// </summary>
    private void Finish(string rotated, long lastRecordTicks)
    {
        try
        {
            byte[] extra = _compress ? LastTimeExtra(lastRecordTicks) : [];
            Transform(rotated, rotated + _finishedExtension, _encryptTo is null ? "compressing" : "encrypting",
                target => FinishedFile.Write(rotated, target, _compress, extra, _encryptTo));
        }
        finally
        {
            ProcessMemory.ReleaseAfterBulkWork();
        }
    }

    /// <summary>
    /// Writes <paramref name="target"/> from <paramref name="source"/>, then deletes the source. On failure the
    /// source stays (nothing is lost) and the partial target goes.
    /// </summary>
    private void Transform(string source, string target, string what, Action<string> write)
    {
        try
        {
            write(target);
            File.Delete(source);
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
