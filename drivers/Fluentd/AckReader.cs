using MessagePack;

namespace ContainerLogger.Drivers.Fluentd;

/// <summary>
/// Reads fluentd's answer to a chunk, {"ack": "&lt;chunk id&gt;"}, with MessagePackReader from the bytes received
/// so far. Bounded and flat: an answer that is not one map of strings to strings, numbers, booleans or nils (a
/// nested map or array, an ext, a map declaring more pairs than <see cref="MaxResponse"/> bytes hold) is garbage.
/// The ack is given as where it lies in the bytes, so reading one allocates nothing; an answer that arrives in
/// pieces costs one exception per piece (the reader's end-of-data), which only a slow network causes.
/// </summary>
public static class AckReader
{
    public const int MaxResponse = 4096;

    /// <summary>
    /// True once <paramref name="data"/> holds a whole map, with <paramref name="ack"/> where its "ack" value's bytes
    /// are in <paramref name="data"/> (null when absent); false when more bytes are needed. Throws
    /// <see cref="IOException"/> on anything else.
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> data, out Range? ack)
    {
        ack = null;
        var reader = new MessagePackReader(data);
        try
        {
            if (!reader.TryReadMapHeader(out int pairs)) return false;
            // Each pair takes at least two bytes; map32 counts past int.MaxValue come out negative.
            if (pairs is < 0 or > MaxResponse / 2) throw Garbage($"a map declaring {(uint)pairs} pairs");
            for (int i = 0; i < pairs; i++)
            {
                if (!ReadText(ref reader).SequenceEqual("ack"u8))
                {
                    SkipScalar(ref reader);
                    continue;
                }
                int length = ReadText(ref reader).Length, end = (int)reader.Consumed; // a string's bytes are the last read
                ack = (end - length)..end;
            }
            return true;
        }
        catch (EndOfStreamException)
        {
            return false; // cut short: the rest is still on its way
        }
        catch (MessagePackSerializationException e)
        {
            throw Garbage(e.Message); // a wrong type
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Garbage("a str or bin declaring 2 GiB or more"); // the library reads such lengths as negative
        }
    }

    /// <summary>A str, or a bin as some msgpack libraries pack byte strings.</summary>
    private static ReadOnlySpan<byte> ReadText(ref MessagePackReader reader)
    {
        var text = reader.NextMessagePackType switch
        {
            MessagePackType.String => reader.ReadStringSequence(),
            MessagePackType.Binary => reader.ReadBytes(),
            _ => throw Garbage($"{Describe(reader.NextCode)} where a string belongs"),
        };
        return text!.Value.FirstSpan; // one segment: the reader is over one buffer
    }

    private static void SkipScalar(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType is MessagePackType.Map or MessagePackType.Array or MessagePackType.Extension or MessagePackType.Unknown)
            throw Garbage($"{Describe(reader.NextCode)} where a string, number, boolean or nil belongs");
        reader.Skip();
    }

    private static string Describe(byte code) => $"0x{code:x2} ({MessagePackCode.ToFormatName(code)})";

    private static IOException Garbage(string what) => new($"fluentd answered something that is not an ack: {what}");
}
