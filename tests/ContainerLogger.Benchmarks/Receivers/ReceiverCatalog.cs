namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>Every receiver the harness can run, by the name --drivers takes.</summary>
internal static class ReceiverCatalog
{
    public static IEnumerable<string> Names => All.Keys;

    public static IReadOnlyDictionary<string, Func<Receiver>> All { get; } = new Dictionary<string, Func<Receiver>>
    {
        ["json-file"] = () => new JsonFileReceiver(),
        ["json-file-rotate"] = () => new JsonFileReceiver(maxSize: "10m"),
        ["json-file-rotate-age"] = () => new JsonFileReceiver(maxSize: "10m", encrypt: true),
        ["syslog-tcp"] = () => new SyslogTcpReceiver(),
        ["syslog-udp"] = () => new SyslogUdpReceiver(),
        ["fluentd"] = () => new FluentdReceiver(requestAck: false),
        ["fluentd-ack"] = () => new FluentdReceiver(requestAck: true),
        ["gelf-udp"] = () => new GelfUdpReceiver("none"),
        ["gelf-udp-gzip"] = () => new GelfUdpReceiver("gzip"),
        ["gelf-udp-zlib"] = () => new GelfUdpReceiver("zlib"),
        ["gelf-tcp"] = () => new GelfTcpReceiver(),
        ["s3"] = () => new S3Receiver(),
        ["syslog-tcp-disk"] = () => new DiskBufferedReceiver(new SyslogTcpReceiver()),
        ["syslog-tcp-disk-always"] = () => new DiskBufferedReceiver(new SyslogTcpReceiver(), sync: "always"),
        ["fluentd-disk"] = () => new DiskBufferedReceiver(new FluentdReceiver(requestAck: false)),
        ["fluentd-ack-disk"] = () => new DiskBufferedReceiver(new FluentdReceiver(requestAck: true)),
    };
}
