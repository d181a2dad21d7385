using System.Buffers;
using System.Net.Sockets;
using MessagePack;

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

    internal override int Consume(ReadOnlyMemory<byte> data, ArrivalLedger ledger, Socket? connection)
    {
        var messages = new ForwardMessages(data);
        while (messages.Consumed < data.Length && messages.TryRead(ledger, out var chunk))
            if (chunk is not null) connection?.Send(Ack(chunk));
        return messages.Consumed;
    }

    /// <summary>{"ack": chunk}.</summary>
    internal static byte[] Ack(string chunk)
    {
        var answer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(answer);
        writer.WriteMapHeader(1);
        writer.Write("ack");
        writer.Write(chunk);
        writer.Flush();
        return answer.WrittenSpan.ToArray();
    }
}
