namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>GELF over tcp: NUL-delimited JSON messages on a 127.0.0.1 listener, counted by short_message.</summary>
internal sealed class GelfTcpReceiver() : DelimitedReceiver((byte)0)
{
    public override string Name => "gelf/tcp";
    public override string Driver => "gelf";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string> { ["gelf-address"] = $"tcp://127.0.0.1:{Port}" };

    protected override ReadOnlySpan<byte> Message(ReadOnlySpan<byte> frame) => GelfMessages.ShortMessage(frame);
}
