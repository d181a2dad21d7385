using ContainerLogger.Files;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>
/// Docker's json-file: one JSON line per record in a local file, rotated by size. Records are encoded into one
/// buffer while the host holds its lock (CPU only), then written with as few write(2) calls as rotation allows.
/// </summary>
public sealed class JsonFileDriver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("json-file", "Docker's json-file format with rotation",
        defaultTag: null, options: JsonFileOptions.All, create: context => new JsonFileDriver(context), validate: JsonFileOptions.Validate);

    private readonly JsonFileEncoder _encoder;
    private readonly PendingBatch _batch = new();
    private readonly RotatingLogFile _file;
    private long _lastWrittenTicks;

    private JsonFileDriver(DriverContext context)
    {
        var options = context.Options;
        _encoder = new JsonFileEncoder(context.Attributes, context.Tag);
        _file = new RotatingLogFile(JsonFileOptions.ResolvePath(options, context.Info), options.Get(JsonFileOptions.MaxSize),
            options.Get(JsonFileOptions.MaxFile), options.Get(JsonFileOptions.Compress),
            timestampNaming: options.Get(JsonFileOptions.RotateNaming) == "timestamp", context.EncryptTo, context.Diagnostics);
        // Create the file at start, as Docker does; if that fails, the first flush tries again.
        try
        {
            _file.EnsureOpen();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Diagnostics.Report($"json-file: {e.Message}; will retry when there is something to write");
        }
    }

    public override int PendingCount => _batch.UnwrittenRecords;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override void Flush()
    {
        while (_batch.UnwrittenRecords > 0)
        {
            _file.EnsureOpen();
            ReadOnlySpan<byte> chunk;
            if (_batch.AtRecordBoundary)
            {
                // Docker checks the size before each record: a full file is rotated first, then the record goes in whole.
                if (_file.IsFull) _file.Rotate(_lastWrittenTicks);
                chunk = _batch.NextRun(_file.RoomBeforeFull);
            }
            else
            {
                chunk = _batch.RestOfRecord;
            }
            if (_batch.MarkWritten(_file.Write(chunk))) _lastWrittenTicks = _batch.LastWrittenTicks;
        }
        _batch.Clear();
    }

    public override void Reopen() => _file.Reopen();

    public override void Dispose() => _file.Dispose();
}
