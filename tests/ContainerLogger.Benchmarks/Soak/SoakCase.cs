using ContainerLogger.Benchmarks.Receivers;

namespace ContainerLogger.Benchmarks.Soak;

/// <summary>
/// One logger of the soak: a receiver, the options beyond the receiver's own, and for <see cref="Flapping"/> a
/// receiver that goes down and comes up again every <see cref="FlapPeriod"/>.
/// </summary>
internal sealed record SoakCase(string Name, Func<Receiver> MakeReceiver, IReadOnlyDictionary<string, string> Options, bool Flapping = false)
{
    public static readonly TimeSpan FlapPeriod = TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, string> None = [];

    /// <summary>Every case, by name: each driver, fluentd with and without acks, on disk, and against a flapping receiver.</summary>
    public static IReadOnlyList<SoakCase> All { get; } =
    [
        // Rotated every 10 MB (timestamp names), five files kept, so a long soak does not fill the disk.
        new("json-file", () => new JsonFileReceiver(maxSize: "10m", maxFile: 5), None),
        new("syslog-tcp", () => new SyslogTcpReceiver(), None),
        new("gelf-udp", () => new GelfUdpReceiver("gzip"), None),
        new("fluentd", () => new FluentdReceiver(requestAck: false), None),
        new("fluentd-ack", () => new FluentdReceiver(requestAck: true), None),
        new("s3", () => new S3Receiver(), None),
        new("fluentd-ack-disk", () => new FluentdReceiver(requestAck: true), new Dictionary<string, string> { ["buffer"] = "disk" }),
        new("fluentd-ack-flapping", () => new FluentdReceiver(requestAck: true), None, Flapping: true),
    ];

    public static IEnumerable<string> Names => All.Select(c => c.Name);
}
