using System.Buffers.Text;

namespace ContainerLogger.Benchmarks;

/// <summary>
/// The lines the workload writes: each starts with its stream letter and a 10-digit sequence number
/// ("o0000000042 " or "e0000000042 "), padded with 'x' to the line size, so a receiver can tell exactly which
/// lines arrived and which did not.
/// </summary>
internal static class LineSequence
{
    public const int PrefixLength = 12; // letter, 10 digits, space

    /// <summary>Smallest line size (newline included) that carries a full prefix.</summary>
    public const int MinLineSize = PrefixLength + 1;

    public static byte Letter(bool stderr) => stderr ? (byte)'e' : (byte)'o';

    /// <summary>Writes line <paramref name="number"/> of <paramref name="size"/> bytes, its '\n' included.</summary>
    public static void Write(Span<byte> destination, bool stderr, long number, int size)
    {
        destination[0] = Letter(stderr);
        if (!Utf8Formatter.TryFormat(number, destination.Slice(1, 10), out _, new System.Buffers.StandardFormat('D', 10)))
            throw new ArgumentOutOfRangeException(nameof(number), "sequence numbers have 10 digits");
        destination[PrefixLength - 1] = (byte)' ';
        destination.Slice(PrefixLength, size - PrefixLength - 1).Fill((byte)'x');
        destination[size - 1] = (byte)'\n';
    }

    /// <summary>
    /// The message inside a protocol frame (a syslog line, say): from the first prefix that follows a space, or
    /// empty when there is none. Headers never hold a space, a letter 'o' or 'e' and ten digits in a row.
    /// </summary>
    public static ReadOnlySpan<byte> FindMessage(ReadOnlySpan<byte> frame)
    {
        for (int at = frame.IndexOf((byte)' '); at >= 0 && at + 1 + PrefixLength <= frame.Length;)
        {
            var candidate = frame.Slice(at + 1);
            if (TryParse(candidate, out _, out _)) return candidate;
            int next = candidate.IndexOf((byte)' ');
            at = next < 0 ? -1 : at + 1 + next;
        }
        return default;
    }

    /// <summary>Reads the prefix at the start of a received message: false if it is not one of ours.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out bool stderr, out long number)
    {
        stderr = false;
        number = 0;
        if (message.Length < PrefixLength || message[PrefixLength - 1] != (byte)' ') return false;
        if (message[0] != (byte)'o' && message[0] != (byte)'e') return false;
        stderr = message[0] == (byte)'e';
        return Utf8Parser.TryParse(message.Slice(1, 10), out number, out int consumed) && consumed == 10;
    }
}
