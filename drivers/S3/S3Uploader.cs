using ContainerLogger.Native;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// Uploads staged files, oldest first, on a thread that exists only while something is staged: it rotates the
/// live file once s3-upload-interval has passed since its first record (no timer runs while nothing is staged),
/// ships rotated files through the <see cref="ArchivePipeline"/>, and ends when both are done. A failed upload
/// keeps its file and is retried forever with capped, jittered backoff; an access denied (401/403) is reported
/// once and retried every few minutes.
/// </summary>
internal sealed class S3Uploader(StagingDirectory staging, ArchivePipeline pipeline, S3Transport transport, TimeSpan interval,
    Diagnostics diagnostics, CurrentCredentials credentials, string bucket)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AccessDeniedRetry = TimeSpan.FromMinutes(5);
    /// <summary>How soon to try the interval rotation again when a failed write left a record cut in two.</summary>
    private const int RotationRetryMs = 1000;

    private readonly object _gate = new();
    private Thread? _thread;
    private long _retryAtMs;
    private int _failures;
    private bool _accessDeniedReported;
    private long? _deadlineMs;

    /// <summary>Something was staged or rotated: a thread takes care of it (started if none runs).</summary>
    public void Poke()
    {
        lock (_gate)
        {
            if (_thread is null) Start();
            else Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Shutdown, after the last record was staged: rotates the live file and uploads until
    /// <paramref name="deadlineMs"/>; what is still staged then stays for the next start, and is reported.
    /// </summary>
    public void Finish(long deadlineMs)
    {
        try
        {
            staging.RotateLive();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Report($"s3: rotating {staging.DirectoryPath}/{StagingDirectory.LiveName} at shutdown failed: {e.Message}");
        }
        Thread? thread;
        lock (_gate)
        {
            _deadlineMs = deadlineMs;
            _retryAtMs = 0; // one more attempt now, whatever the backoff said
            if (_thread is null && staging.Backlog.Files > 0) Start();
            Monitor.PulseAll(_gate);
            thread = _thread;
        }
        thread?.Join(TimeSpan.FromMilliseconds(Math.Max(0, deadlineMs - Environment.TickCount64)));
        var (files, bytes) = staging.Backlog;
        if (files > 0)
            diagnostics.Always($"s3: {files} staged files ({bytes} bytes) were not uploaded by shutdown-timeout; they stay in {staging.DirectoryPath} and are uploaded at the next start");
    }

    /// <summary>An upload thread is still at work (shutdown-timeout ended before it did).</summary>
    public bool Running
    {
        get { lock (_gate) return _thread is not null; }
    }

    private void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "s3 upload" };
        _thread.Start();
    }

    private void Run()
    {
        try
        {
            while (NextFile() is { } file) Attempt(file);
        }
        catch (Exception e)
        {
            // As the host does for its own threads: a bug must not leave a half-working sidecar.
            diagnostics.Always($"internal error in the s3 uploader: {e.GetType().Name}: {credentials.Redact(e.Message)}");
            Environment.Exit(1);
        }
    }

    /// <summary>
    /// The next file to upload, waiting for the backoff or the interval rotation as needed; null when there is
    /// nothing left to do (or the shutdown deadline passed), and then this thread is no longer the uploader's.
    /// </summary>
    private StagedFile? NextFile()
    {
        lock (_gate)
        {
            while (true)
            {
                long now = Environment.TickCount64;
                if (now >= (_deadlineMs ?? long.MaxValue)) return Stop();
                bool backingOff = now < _retryAtMs;
                if (!backingOff && staging.TakeOldest() is { } file) return file;
                long wakeAt = backingOff && staging.Backlog.Files > 0 ? _retryAtMs : long.MaxValue;
                if (staging.LiveFirstWriteMs is { } firstWrite && _deadlineMs is null)
                {
                    long due = firstWrite + (long)interval.TotalMilliseconds;
                    if (now >= due && RotateLive()) continue;
                    wakeAt = Math.Min(wakeAt, Math.Max(due, now + (now >= due ? RotationRetryMs : 0)));
                }
                if (wakeAt == long.MaxValue) return Stop();
                wakeAt = Math.Min(wakeAt, _deadlineMs ?? long.MaxValue);
                Monitor.Wait(_gate, (int)Math.Clamp(wakeAt - now, 1, int.MaxValue));
            }
        }
    }

    /// <summary>This thread ends: its connection is closed before another thread may be started (under the lock).</summary>
    private StagedFile? Stop()
    {
        transport.EndSession();
        _thread = null;
        return null;
    }

    private bool RotateLive()
    {
        try
        {
            return staging.RotateLive();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Report($"s3: rotating {staging.DirectoryPath}/{StagingDirectory.LiveName} failed: {e.Message}; retrying");
            return false;
        }
    }

    private void Attempt(StagedFile file)
    {
        try
        {
            pipeline.Ship(file);
            lock (_gate)
            {
                _failures = 0;
                _retryAtMs = 0;
            }
            if (_accessDeniedReported)
            {
                _accessDeniedReported = false;
                diagnostics.Report($"s3: uploads to bucket \"{bucket}\" are accepted again");
            }
        }
        catch (Exception e)
        {
            staging.Release(file);
            if (!File.Exists(file.PlainPath) && !File.Exists(file.ObjectPath))
            {
                staging.Uploaded(file);
                diagnostics.Report($"s3: staged file {file.PlainPath} disappeared before it was uploaded (removed by someone else?)");
                return;
            }
            Failed(file, e);
        }
        finally
        {
            // The soak, a sidecar uploading every second: without this it grew by about 200 KiB of private memory every
            // 30 s (8.6 MiB after 3 minutes, still growing); with the collection alone it stayed at 7.2 MiB (the upload
            // thread's malloc arena held 3.6 MiB of it); with the trim as well at 4.0 MiB.
            ProcessMemory.ReleaseAfterBulkWork();
        }
    }

    private void Failed(StagedFile file, Exception e)
    {
        bool denied = S3Transport.IsAccessDenied(e);
        TimeSpan delay;
        lock (_gate)
        {
            _failures++;
            delay = denied ? ContainerLogger.Pipeline.Sender.Backoff(1, AccessDeniedRetry) : ContainerLogger.Pipeline.Sender.Backoff(_failures, FirstRetry, MaxRetry);
            _retryAtMs = Environment.TickCount64 + (long)delay.TotalMilliseconds;
        }
        string what = credentials.Redact(S3Transport.Describe(e));
        if (!denied)
        {
            diagnostics.Report($"s3: uploading {StagedFile.FileName(file.Stamp)} failed ({what}); it stays staged ({staging.Backlog.Files} files), retry {_failures} in {delay.TotalSeconds:0.#}s");
        }
        else if (!_accessDeniedReported)
        {
            _accessDeniedReported = true;
            diagnostics.Report($"s3: access denied by bucket \"{bucket}\" ({what}) with the {credentials.Source}: check them and the bucket's policy; nothing is deleted, and uploads are retried every {AccessDeniedRetry.TotalMinutes / 2:0.#} to {AccessDeniedRetry.TotalMinutes:0} minutes");
        }
    }
}
