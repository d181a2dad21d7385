using ContainerLogger.Drivers;

namespace ContainerLogger.Drivers.None;

/// <summary>Reads and discards: the lines are still framed and counted, and the summary says how many.</summary>
public sealed class NoneDriver : LogDriver
{
    public static readonly DriverDescriptor Descriptor = new("none", "reads both streams and discards every line (counted)",
        defaultTag: null, options: [], create: _ => new NoneDriver(), ignoresUnknownOptions: true);

    private int _pending;

    public override int PendingCount => _pending;

    public override bool TryAdd(in LogRecord record)
    {
        _pending++;
        return true;
    }

    public override bool TryFlush(out DeliveryFailure failure)
    {
        failure = default;
        _pending = 0;
        return true;
    }
}
