using System.Net.Sockets;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>fluentd forward protocol on 127.0.0.1: counts each event's log and, when asked, acknowledges each chunk.</summary>
internal sealed class FluentdReceiver(bool requestAck) : StreamReceiver
{
    public override string Name => requestAck ? "fluentd (acks)" : "fluentd";
    public override string Driver => "fluentd";
    public override IReadOnlyDictionary<string, string> LogOptions => new Dictionary<string, string>
    {
        ["fluentd-address"] = $"127.0.0.1:{Port}",
        ["fluentd-request-ack"] = requestAck ? "true" : "false",
    };

    internal override int Consume(ReadOnlySpan<byte> data, ArrivalLedger ledger, Socket? connection)
    {
        var messages = new ForwardMessages(data);
        while (messages.Consumed < data.Length && messages.TryRead(ledger, out var chunk))
            if (chunk is not null) connection?.Send(Ack(chunk));
        return messages.Consumed;
    }

    /// <summary>{"ack": chunk}.</summary>
    internal static byte[] Ack(string chunk) => [0x81, 0xa3, (byte)'a', (byte)'c', (byte)'k', (byte)(0xa0 | chunk.Length), .. System.Text.Encoding.ASCII.GetBytes(chunk)];
}
