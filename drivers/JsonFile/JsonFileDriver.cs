namespace ContainerLogger.Drivers.JsonFile;

public sealed class JsonFileDriver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("json-file", "Docker's json-file format with rotation",
        defaultTag: null, options: JsonFileOptions.All, create: c => new JsonFileDriver(), validate: JsonFileOptions.Validate);

    public override int PendingCount => 0;
    public override bool TryAdd(in LogRecord record) => throw new NotSupportedException("pending");
    public override void Flush() { }
}
