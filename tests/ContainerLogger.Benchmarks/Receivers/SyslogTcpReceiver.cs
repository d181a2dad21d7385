namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>syslog over tcp, rfc5424, newline framed: counts each line's message.</summary>
internal sealed class SyslogTcpReceiver() : DelimitedReceiver((byte)'\n')
{
    public override string Name => "syslog/tcp";
    public override string Driver => "syslog";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["syslog-address"] = $"tcp://127.0.0.1:{Port}",
        ["syslog-format"] = "rfc5424",
        ["syslog-tcp-framing"] = "non-transparent",
    };

    protected override ReadOnlySpan<byte> Message(ReadOnlySpan<byte> frame) => LineSequence.FindMessage(frame);
}
