using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;

namespace ContainerLogger.Tests.Support;

/// <summary>A copy of one queued record, which a <see cref="LogRecord"/> (a view into the ring) cannot be kept as.</summary>
internal sealed record Captured(byte[] Line, LogStream Stream, long Ticks, RecordFlags Flags, int Ordinal, string PartialId)
{
    public static Captured From(in LogRecord r) =>
        new(r.Line.ToArray(), r.Stream, r.TimestampTicks, r.Flags, r.PartialOrdinal, System.Text.Encoding.ASCII.GetString(r.PartialId));

    public string Text => System.Text.Encoding.Latin1.GetString(Line);

    public override string ToString() => $"{Stream} {Flags} #{Ordinal} {Line.Length} bytes @{Ticks}";
}

internal static class RingRecords
{
    /// <summary>Reserves everything queued (the ring must not be empty, or be complete), copies it out and commits it.</summary>
    public static List<Captured> Drain(LogRing ring) => Drain(ring, out _);

    public static List<Captured> Drain(LogRing ring, out DropNotice notice)
    {
        var records = new List<Captured>();
        if (!ring.Reserve(() => false, out long position, out long end, out notice)) return records;
        long count = 0;
        while (position < end)
        {
            records.Add(Captured.From(ring.Read(position, out long size)));
            position += size;
            count++;
        }
        ring.Commit(position, count);
        return records;
    }

    /// <summary>Everything the ring holds, then it is closed: for tests where appending is over.</summary>
    public static List<Captured> DrainAll(LogRing ring)
    {
        ring.CompleteAdding();
        var all = new List<Captured>();
        while (true)
        {
            var batch = Drain(ring);
            if (batch.Count == 0) return all;
            all.AddRange(batch);
        }
    }
}
