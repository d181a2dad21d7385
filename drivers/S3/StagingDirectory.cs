using ContainerLogger.Files;
using ContainerLogger.Native;
using ContainerLogger.Storage;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// s3-staging-path: the live file the records are appended to (stdio.log), the rotated files waiting for upload
/// (stdio.log.&lt;stamp&gt;, oldest first) and their compressed objects. Claimed with a <see cref="DirectoryLock"/>.
/// The sender appends and rotates at s3-upload-size; the uploader rotates at s3-upload-interval, takes files and
/// removes them once uploaded; one lock keeps them apart. What an earlier run left is picked up at start.
/// </summary>
internal sealed class StagingDirectory : IDisposable
{
    public const string LiveName = "stdio.log";
    private const string LastStampName = "last-rotation";
    private const UnixFileMode Mode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly object _gate = new();
    private readonly DirectoryLock _lock;
    private readonly long _uploadSize;
    private readonly long _maxBytes;
    private readonly string _objectSuffix;
    private readonly SortedDictionary<RotationStamp, StagedFile> _staged = new();
    private readonly AppendOnlyFile _live;
    private long _liveSize;
    private long _liveFirstWriteMs;
    private StreamTally _liveTally = new();
    private bool _liveAtRecordBoundary = true;
    private bool _newWork;
    private RotationStamp? _lastStamp;
    private long _stagedBytes;

    private StagingDirectory(string path, DirectoryLock directoryLock, long uploadSize, long maxBytes, string objectSuffix)
    {
        _maxBytes = maxBytes;
        _objectSuffix = objectSuffix;
        DirectoryPath = path;
        _lock = directoryLock;
        _uploadSize = uploadSize;
        _live = new AppendOnlyFile(Path.Combine(path, LiveName));
    }

    public string DirectoryPath { get; }
    private string LivePath => _live.Path;

    /// <summary>
    /// Creates (0700) and claims the directory, then stages what an earlier run left: its live file is rotated now
    /// (a record torn by a crash at its end is cut off and reported), partial objects are removed. Throws
    /// <see cref="FormatException"/>, a configuration error, when the directory cannot be used or is claimed.
    /// Objects are named with <paramref name="objectSuffix"/> (.gz, or .gz.age when encrypted).
    /// </summary>
    public static StagingDirectory Open(string path, long uploadSize, long maxBytes, string objectSuffix, Diagnostics diagnostics)
    {
        path = Path.GetFullPath(path);
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path); // a guard the platform analyzer understands
            else Directory.CreateDirectory(path, Mode0700);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"option \"s3-staging-path\": cannot create {path}: {Reason(e)}");
        }
        var directoryLock = DirectoryLock.TryAcquire(path, out var error, out _) ?? throw new FormatException($"option \"s3-staging-path\": {error}");
        var staging = new StagingDirectory(path, directoryLock, uploadSize, maxBytes, objectSuffix);
        try
        {
            staging.Recover(diagnostics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            staging.Dispose();
            throw new FormatException($"option \"s3-staging-path\": cannot read what {path} holds: {Reason(e)}");
        }
        return staging;
    }

    // ---- the sender's side ----

    /// <summary>
    /// Writes the next records of <paramref name="batch"/> with one write(2), rotating first when the live file has
    /// reached s3-upload-size at a record boundary, and dropping the oldest staged files into <paramref name="dropped"/>
    /// if the bytes would not fit under s3-staging-max-size. False, with the failure (the host retries), when nothing
    /// was written; a rotation that fails throws, as the runtime's file calls do. The batch says where to resume.
    /// </summary>
    public bool TryWriteNext(MessageBatch batch, List<StagedFile> dropped, out DeliveryFailure failure)
    {
        lock (_gate)
        {
            if (batch.AtRecordBoundary && _liveSize >= _uploadSize) RotateLocked();
            bool first = _liveSize == 0;
            var run = batch.NextRun(_uploadSize - _liveSize);
            MakeRoomLocked(run.Length, dropped);
            int errno = 0;
            if (!_live.IsOpen && !_live.TryOpen(truncate: false, out errno))
            {
                failure = new DeliveryFailure(LivePath, "opening", errno);
                return false;
            }
            int doneBefore = batch.DoneRecords;
            int written = _live.TryWrite(run, out errno);
            if (written < 0)
            {
                failure = new DeliveryFailure(LivePath, "writing", errno);
                return false;
            }
            if (first)
            {
                _liveFirstWriteMs = Environment.TickCount64;
                _newWork = true;
            }
            _liveSize += written;
            batch.MarkSent(written);
            for (int record = doneBefore; record < batch.DoneRecords; record++) _liveTally.Add(batch.StreamOf(record), batch.LineLengthOf(record));
            _liveAtRecordBoundary = batch.AtRecordBoundary;
            failure = default;
            return true;
        }
    }

    /// <summary>
    /// Whether the uploader has had something new to do since the last call: a file was rotated, or the live file
    /// got its first record (its interval starts). Asked after writes, failed ones included.
    /// </summary>
    public bool TakeNewWork()
    {
        lock (_gate)
        {
            bool newWork = _newWork;
            _newWork = false;
            return newWork;
        }
    }

    // ---- the uploader's side ----

    /// <summary>When the live file got its first record (<see cref="Environment.TickCount64"/>); null while it has none.</summary>
    public long? LiveFirstWriteMs
    {
        get { lock (_gate) return _liveSize > 0 ? _liveFirstWriteMs : null; }
    }

    /// <summary>Rotates the live file if it holds records and no write stopped inside a record; true if it did.</summary>
    public bool RotateLive()
    {
        lock (_gate)
        {
            if (_liveSize == 0 || !_liveAtRecordBoundary) return false;
            RotateLocked();
            return true;
        }
    }

    /// <summary>The oldest staged file, marked in flight; null when none is waiting.</summary>
    public StagedFile? TakeOldest()
    {
        lock (_gate)
        {
            var oldest = _staged.Values.FirstOrDefault();
            if (oldest is not null) oldest.InFlight = true;
            return oldest;
        }
    }

    /// <summary>An attempt on <paramref name="file"/> is over, and it failed: the file may be dropped again.</summary>
    public void Release(StagedFile file)
    {
        lock (_gate) file.InFlight = false;
    }

    /// <summary>The object of <paramref name="file"/> is complete on disk, <paramref name="bytes"/> long.</summary>
    public void ObjectWritten(StagedFile file, long bytes)
    {
        lock (_gate)
        {
            _stagedBytes += bytes - file.ObjectBytes;
            file.ObjectBytes = bytes;
        }
    }

    /// <summary><paramref name="file"/> was uploaded: its files go.</summary>
    public void Uploaded(StagedFile file)
    {
        lock (_gate) RemoveLocked(file);
    }

    /// <summary>Staged files and their bytes on disk, the live one not included.</summary>
    public (int Files, long Bytes) Backlog
    {
        get { lock (_gate) return (_staged.Count, _stagedBytes); }
    }

    /// <summary>fsync(2) of the directory, so that renames in it survive a crash of the host.</summary>
    public void SyncDirectory()
    {
        if (Libc.SyncDirectory(DirectoryPath) is var errno and not 0) throw new IOException($"syncing {DirectoryPath}: {Libc.ErrorText(errno)}");
    }

    public void Dispose()
    {
        lock (_gate) _live.Close();
        _lock.Dispose();
    }

    // ---- inside the lock ----

    /// <summary>stdio.log → stdio.log.&lt;stamp&gt; with rename(2); the next record opens a new live file.</summary>
    /// <param name="thisRun">The live file holds this run's lines (counted if dropped), not an earlier run's.</param>
    private void RotateLocked(bool thisRun = true)
    {
        _live.Close();
        var stamp = RotationStamp.Next(_lastStamp, DateTime.UtcNow);
        var file = new StagedFile(DirectoryPath, stamp, _objectSuffix, _liveSize, 0, thisRun ? _liveTally : null);
        File.Move(LivePath, file.PlainPath);
        _lastStamp = stamp;
        _staged.Add(stamp, file);
        _stagedBytes += file.DiskBytes;
        _newWork = true;
        _liveSize = 0;
        _liveTally = new StreamTally();
        _liveAtRecordBoundary = true;
        // Names must keep growing across runs, even once every file is uploaded and gone.
        File.WriteAllText(Path.Combine(DirectoryPath, LastStampName), StagedFile.FileName(stamp));
    }

    /// <summary>
    /// s3-staging-max-size: drops the oldest staged files that no upload is busy with until <paramref name="incoming"/>
    /// more bytes fit, adding them to <paramref name="dropped"/> (their files are gone).
    /// </summary>
    private void MakeRoomLocked(long incoming, List<StagedFile> dropped)
    {
        while (_stagedBytes + _liveSize + incoming > _maxBytes && _staged.Values.FirstOrDefault(f => !f.InFlight) is { } oldest)
        {
            RemoveLocked(oldest);
            dropped.Add(oldest);
        }
    }

    private void RemoveLocked(StagedFile file)
    {
        try
        {
            File.Delete(file.ObjectPath);
            File.Delete(file.PlainPath);
        }
        catch (DirectoryNotFoundException)
        {
            // The staging directory itself was removed: nothing is left to delete.
        }
        if (_staged.Remove(file.Stamp)) _stagedBytes -= file.DiskBytes;
    }

    private void Recover(Diagnostics diagnostics)
    {
        var lastStampPath = Path.Combine(DirectoryPath, LastStampName);
        if (File.Exists(lastStampPath) && StagedFile.TryParseFileName(File.ReadAllText(lastStampPath).Trim(), out var persisted)) _lastStamp = persisted;
        foreach (var path in Directory.EnumerateFiles(DirectoryPath))
        {
            var name = Path.GetFileName(path.AsSpan());
            if (name.EndsWith(StagedFile.PartialSuffix)) File.Delete(path); // a crash while it was written: made again from the plain file
            else if (StagedFile.TryParseFileName(StampPart(name, out var suffix), out var stamp))
            {
                // An object made with encryption on while it is off now, or the other way round, is made again from
                // the plain records: nothing goes up unencrypted once encryption is asked for.
                if (suffix.Length > 0 && suffix != _objectSuffix)
                {
                    File.Delete(path);
                    continue;
                }
                if (!_staged.TryGetValue(stamp, out var file))
                    _staged.Add(stamp, file = new StagedFile(DirectoryPath, stamp, _objectSuffix, 0, 0, tally: null));
                long bytes = new FileInfo(path).Length;
                if (suffix.Length > 0) file.ObjectBytes = bytes;
                else file.PlainBytes = bytes;
                _stagedBytes += bytes;
                if (_lastStamp is not { } last || stamp.CompareTo(last) > 0) _lastStamp = stamp;
            }
        }
        if (File.Exists(LivePath))
        {
            long torn = CutTornRecord(LivePath, out _liveSize);
            if (torn > 0) diagnostics.Report($"s3: {LivePath} ended with {torn} bytes of a record cut short by a crash; they were removed");
            if (_liveSize > 0) RotateLocked(thisRun: false); // an earlier run's lines are not in this run's counters
            else File.Delete(LivePath);
        }
        if (_staged.Count > 0)
            diagnostics.Report($"s3: {_staged.Count} files ({_stagedBytes} bytes) staged by an earlier run in {DirectoryPath} are uploaded first");
    }

    /// <summary>A staged file's name without its object suffix (.gz or .gz.age), which goes to <paramref name="suffix"/>.</summary>
    private static ReadOnlySpan<char> StampPart(ReadOnlySpan<char> name, out string suffix)
    {
        suffix = name.EndsWith(StagedFile.EncryptedSuffix) ? StagedFile.EncryptedSuffix : name.EndsWith(StagedFile.GzipSuffix) ? StagedFile.GzipSuffix : "";
        return name[..^suffix.Length];
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "a parent directory cannot be created there",
        _ => e.Message,
    };

    /// <summary>Truncates a file after its last '\n'; returns the bytes removed, and the size left.</summary>
    private static long CutTornRecord(string path, out long size)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        long length = RandomAccess.GetLength(handle);
        var buffer = new byte[64 * 1024];
        long end = length;
        while (end > 0)
        {
            int chunk = (int)Math.Min(buffer.Length, end);
            int read = RandomAccess.Read(handle, buffer.AsSpan(0, chunk), end - chunk);
            int newline = buffer.AsSpan(0, read).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                end = end - chunk + newline + 1;
                break;
            }
            end -= chunk;
        }
        if (end < length) RandomAccess.SetLength(handle, end);
        size = end;
        return length - end;
    }
}
