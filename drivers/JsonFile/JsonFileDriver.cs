using ContainerLogger.Files;
using ContainerLogger.Native;

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
        if (!_file.TryEnsureOpen(out int errno))
            context.Diagnostics.Report($"json-file: opening {_file.FilePath}: {Libc.ErrorText(errno)}; will retry when there is something to write");
    }

    public override int PendingCount => _batch.UnwrittenRecords;

    public override bool TryAdd(in LogRecord record) => _batch.TryAdd(record, _encoder);

    public override bool TryFlush(out DeliveryFailure failure)
    {
        while (_batch.UnwrittenRecords > 0)
        {
            if (!_file.TryEnsureOpen(out int errno)) return Failed("opening", errno, out failure);
            ReadOnlySpan<byte> chunk;
            if (_batch.AtRecordBoundary)
            {
                // Docker checks the size before each record: a full file is rotated first, then the record goes in whole.
                if (_file.IsFull && !_file.TryRotate(_lastWrittenTicks, out errno)) return Failed("opening", errno, out failure);
                chunk = _batch.NextRun(_file.RoomBeforeFull);
            }
            else
            {
                chunk = _batch.RestOfRecord;
            }
            int written = _file.TryWrite(chunk, out errno);
            if (written < 0) return Failed("writing", errno, out failure);
            if (_batch.MarkWritten(written)) _lastWrittenTicks = _batch.LastWrittenTicks;
        }
        _batch.Clear();
        failure = default;
        return true;
    }

    private bool Failed(string what, int errno, out DeliveryFailure failure)
    {
        failure = new DeliveryFailure(_file.FilePath, what, errno);
        return false;
    }

    public override void Reopen() => _file.Reopen();

    public override void Dispose() => _file.Dispose();
}
