using ContainerLogger.Files;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// Archives the container's logs in S3-compatible object storage (CONTRACT.md section 12, RFD 10): records as
/// json-file writes them are appended to a staging file (that is the hand-off the host counts as delivered), which
/// is rotated at s3-upload-size or s3-upload-interval, gzipped (and encrypted for the tenant's age recipients, if
/// given) and uploaded by <see cref="S3Uploader"/> as &lt;prefix&gt;/YYYY/mm/dd/HH/stdio.log.YYYYmmddTHHMMSSZ.gz[.age]. A staged file is deleted only once uploaded, or
/// when s3-staging-max-size forces the oldest out (counted as dropped).
/// </summary>
public sealed class S3Driver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("s3", "archives json-file records to S3-compatible object storage (RFD 10's layout)",
        defaultTag: null, options: S3Options.All, create: context => new S3Driver(context), validate: S3Options.Validate);

    private readonly JsonFileEncoder _encoder;
    private readonly MessageBatch _batch = new();
    private readonly List<StagedFile> _dropped = [];
    private readonly StagingDirectory _staging;
    private readonly S3Uploader _uploader;
    private readonly S3Transport _transport;
    private readonly long _stagingMaxSize;
    private readonly DriverLosses _losses;
    private readonly Diagnostics _diagnostics;

    private S3Driver(DriverContext context)
    {
        var options = context.Options;
        _encoder = new JsonFileEncoder(context.Attributes, context.Tag);
        _stagingMaxSize = options.Get(S3Options.StagingMaxSize);
        _losses = context.Losses;
        _diagnostics = context.Diagnostics;
        string prefix = KeyPrefix(options.Get(S3Options.KeyPrefix).Render(context.Info));
        var credentials = new CurrentCredentials(options.Get(S3Options.CredentialsFile), options.Get(S3Options.Profile),
            name => Environment.GetEnvironmentVariable(name), context.Diagnostics);
        string bucket = options.Get(S3Options.Bucket)!;
        _transport = new S3Transport(bucket, options.Get(S3Options.Region), options.Get(S3Options.Endpoint),
            options.Get(S3Options.ForcePathStyle), S3Options.LoadTls(options), credentials.Get);
        _staging = StagingDirectory.Open(S3Options.ResolveStagingPath(options, context.Info), options.Get(S3Options.UploadSize),
            _stagingMaxSize, ArchivePipeline.ObjectSuffix(context.EncryptTo), context.Diagnostics);
        var pipeline = new ArchivePipeline(_staging, _transport, prefix, ContainerMetadata.Encode(context.Info), context.EncryptTo);
        _uploader = new S3Uploader(_staging, pipeline, _transport, options.Get(S3Options.UploadInterval), context.Diagnostics, credentials, bucket);
        if (_staging.TakeNewWork() || _staging.Backlog.Files > 0) _uploader.Poke();
    }

    public override int PendingCount => _batch.Pending;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override bool TryFlush(out DeliveryFailure failure)
    {
        failure = default;
        bool flushed = true;
        try
        {
            while (flushed && _batch.Pending > 0) flushed = _staging.TryWriteNext(_batch, _dropped, out failure);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A rotation of the staging file failed (the runtime's file calls).
            failure = DeliveryFailure.From(_staging.DirectoryPath, e);
            flushed = false;
        }
        finally
        {
            Count(_dropped);
            _dropped.Clear();
            if (_staging.TakeNewWork()) _uploader.Poke();
        }
        if (flushed) _batch.Clear();
        return flushed;
    }

    public override void Complete(long deadlineMs) => _uploader.Finish(deadlineMs);

    public override void Dispose()
    {
        _staging.Dispose();
        // An upload still running past shutdown-timeout keeps its client: the process is about to exit under it.
        if (!_uploader.Running) _transport.Dispose();
    }

    /// <summary>Staged files dropped for s3-staging-max-size: this run's lines in them are counted, every file is reported.</summary>
    private void Count(List<StagedFile> dropped)
    {
        foreach (var file in dropped)
        {
            if (file.Tally is { } tally)
            {
                foreach (var stream in new[] { LogStream.Stdout, LogStream.Stderr })
                    if (tally.Lines(stream) > 0) _losses.Lost(stream, tally.Lines(stream), tally.Bytes(stream));
                _diagnostics.Report($"s3: staged files exceed s3-staging-max-size ({_stagingMaxSize} bytes): dropped the oldest, {StagedFile.FileName(file.Stamp)}, " +
                                    $"with {tally.Lines(LogStream.Stdout)} stdout lines ({tally.Bytes(LogStream.Stdout)} bytes) and {tally.Lines(LogStream.Stderr)} stderr lines ({tally.Bytes(LogStream.Stderr)} bytes)");
            }
            else
            {
                _diagnostics.Report($"s3: staged files exceed s3-staging-max-size ({_stagingMaxSize} bytes): dropped the oldest, {StagedFile.FileName(file.Stamp)}, " +
                                    $"staged by an earlier run ({file.PlainBytes} bytes of records)");
            }
        }
    }

    /// <summary>The rendered s3-key-prefix without surrounding '/'; a configuration error if nothing usable is left.</summary>
    internal static string KeyPrefix(string rendered)
    {
        string prefix = rendered.Trim('/');
        if (prefix.Length == 0 || prefix.Split('/').Any(s => s is "" or "." or "..") || prefix.Any(char.IsControl))
            throw new FormatException($"option \"s3-key-prefix\" renders to \"{rendered}\": it must be non-empty path segments without \"//\", \".\" or \"..\" segments, or control characters");
        return prefix;
    }
}
