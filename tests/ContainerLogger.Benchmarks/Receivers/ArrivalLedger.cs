using System.Buffers;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// What a receiver saw, per stream: which sequence numbers arrived (a bitmap), how many times, and when the
/// first and the latest arrived. Receivers call <see cref="Record"/> from one thread each; readers of the
/// totals take the lock.
/// </summary>
internal sealed class ArrivalLedger
{
    private readonly object _gate = new();
    private readonly ulong[][] _seen;
    private long _unique, _duplicates, _foreign;
    private long _firstTicks, _lastTicks;
    private readonly bool _joinedLines;

    /// <summary>Where a joined record's next line may start: after '\n' as is, escaped in JSON, or as syslog's #012.</summary>
    private static readonly SearchValues<byte> Separators = SearchValues.Create("\n\\#"u8);

    /// <param name="joinedLines">Messages may hold several workload lines joined by multiline: each is counted.</param>
    public ArrivalLedger(long stdoutLines, long stderrLines, bool joinedLines = false)
    {
        _joinedLines = joinedLines;
        _seen = [new ulong[(stdoutLines + 63) / 64], new ulong[(stderrLines + 63) / 64]];
        Expected = stdoutLines + stderrLines;
        ExpectedPerStream = [stdoutLines, stderrLines];
    }

    public long Expected { get; }
    private long[] ExpectedPerStream { get; }

    /// <summary>
    /// One received message; its text starts with a <see cref="LineSequence"/> prefix, or it is counted as foreign.
    /// With joined lines, every prefix that follows a separator in it counts too.
    /// </summary>
    public void Record(ReadOnlySpan<byte> message)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (!LineSequence.TryParse(message, out bool stderr, out long number) || number >= ExpectedPerStream[stderr ? 1 : 0])
            {
                _foreign++;
                return;
            }
            RecordLocked(stderr, number, now);
            if (!_joinedLines) return;
            for (var rest = message[LineSequence.PrefixLength..]; ;)
            {
                int at = rest.IndexOfAny(Separators);
                if (at < 0) return;
                rest = rest[at..];
                int separator = rest[0] == (byte)'\n' ? 1 : rest.StartsWith("\\n"u8) ? 2 : rest.StartsWith("#012"u8) ? 4 : 0;
                rest = rest[Math.Max(1, separator)..];
                if (separator > 0 && LineSequence.TryParse(rest, out stderr, out number) && number < ExpectedPerStream[stderr ? 1 : 0])
                    RecordLocked(stderr, number, now);
            }
        }
    }

    private void RecordLocked(bool stderr, long number, long now)
    {
        ref ulong word = ref _seen[stderr ? 1 : 0][number / 64];
        ulong bit = 1UL << (int)(number % 64);
        if ((word & bit) != 0)
        {
            _duplicates++;
            return;
        }
        word |= bit;
        if (_unique++ == 0) _firstTicks = now;
        _lastTicks = now;
    }

    public long Unique { get { lock (_gate) return _unique; } }
    public long Duplicates { get { lock (_gate) return _duplicates; } }
    /// <summary>Messages that are not workload lines: drop notices, or garbage.</summary>
    public long Foreign { get { lock (_gate) return _foreign; } }
    /// <summary>Stopwatch timestamp of the latest new line.</summary>
    public long LastArrival { get { lock (_gate) return _lastTicks; } }
    public long FirstArrival { get { lock (_gate) return _firstTicks; } }

    /// <summary>The missing sequence numbers of one stream, as ranges "a-b", at most <paramref name="limit"/> of them.</summary>
    public IReadOnlyList<string> MissingRanges(bool stderr, int limit)
    {
        var ranges = new List<string>();
        lock (_gate)
        {
            var seen = _seen[stderr ? 1 : 0];
            long count = ExpectedPerStream[stderr ? 1 : 0];
            for (long i = 0; i < count && ranges.Count < limit; i++)
            {
                if ((seen[i / 64] & (1UL << (int)(i % 64))) != 0) continue;
                long start = i;
                while (i + 1 < count && (seen[(i + 1) / 64] & (1UL << (int)((i + 1) % 64))) == 0) i++;
                ranges.Add(start == i ? $"{start}" : $"{start}-{i}");
            }
        }
        return ranges;
    }
}
