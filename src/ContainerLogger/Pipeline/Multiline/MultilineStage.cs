using ContainerLogger.Config;
using ContainerLogger.Drivers;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// The multiline stage (CONTRACT.md section 11), between the line framer and the buffer: lines that make up one
/// message (a stack trace) are joined with '\n' into one record, which takes its first line's time. stdout and
/// stderr are coalesced apart. A line no rule begins a record with, while nothing is pending, goes straight on.
/// <para>
/// Per stream the held lines are: the record in progress (its confirmed lines), then the lines held tentatively
/// after it, then lines not yet looked at. When the record ends, the tentative lines are looked at again as if they
/// had just arrived. A record is emitted when a line does not continue it, when no line arrived for the flush
/// timeout, at EOF and at shutdown, and when the next line would take it past multiline-max-lines or
/// multiline-max-bytes (that line then starts the next record). A record longer than max-line-size is cut into
/// partial messages as the framer cuts a long line. A line the framer already cut into pieces (longer than
/// max-line-size) is never joined: the pending record is emitted before it and its pieces pass through untouched.
/// </para>
/// <para>
/// The reader calls everything here with the buffer's gate held (as it calls the framer); the stage has no thread
/// of its own: whoever drives it asks for <see cref="NextDeadlineTicks"/> and calls <see cref="FlushDue"/>.
/// </para>
/// </summary>
internal sealed class MultilineStage : ILineSink
{
    private sealed class StreamState(int mostBytes)
    {
        public readonly HeldLines Lines = new(mostBytes);
        /// <summary>Lines at the start of <see cref="Lines"/> that form the record in progress; 0 when none is.</summary>
        public int Record;
        /// <summary>Lines after the record held until a later line decides whether they belong to it.</summary>
        public int Tentative;
        public MultilineRule? Rule;
        public int State;
        /// <summary>When a line was last held (the stage's clock).</summary>
        public long HeldAtTicks;
    }

    private readonly ILineSink _next;
    private readonly MultilineRule[] _rules;
    private readonly StartRegexRule? _startRegex;
    private readonly int _maxLineSize;
    private readonly int _maxLines;
    private readonly long _maxBytes;
    private readonly long _timeoutTicks;
    private readonly Func<long> _clock;
    private readonly Counters _counters;
    private readonly LineText _text = new();
    private readonly StreamState[] _streams;
    private readonly byte[] _partialId = new byte[LogRing.PartialIdSize];

    /// <param name="rules">Tried in order on a line that may begin a record; a <see cref="StartRegexRule"/> among them also ends any record it matches.</param>
    /// <param name="clock">Monotonic time in <see cref="TimeSpan"/> ticks; <see cref="MonotonicTicks"/> in a run.</param>
    public MultilineStage(ILineSink next, IReadOnlyList<MultilineRule> rules, int maxLineSize, int maxLines, long maxBytes,
        TimeSpan flushTimeout, Func<long> clock, Counters counters)
    {
        _next = next;
        _rules = [.. rules];
        _startRegex = rules.OfType<StartRegexRule>().FirstOrDefault();
        _maxLineSize = maxLineSize;
        _maxLines = maxLines;
        _maxBytes = maxBytes;
        _timeoutTicks = flushTimeout.Ticks;
        _clock = clock;
        _counters = counters;
        // A record (a single line may be longer than maxBytes), the line that ends it, their newlines.
        int mostBytes = (int)Math.Max(maxBytes, maxLineSize) + maxLineSize + 2;
        _streams = [new(mostBytes), new(mostBytes)];
    }

    /// <summary>The stage a run with these options needs, or null when multiline is off (no stage, no cost per line).</summary>
    public static MultilineStage? For(OptionValues options, ILineSink next, int maxLineSize, Counters counters)
    {
        if (!MultilineOptions.Enabled(options)) return null;
        var rules = new List<MultilineRule>();
        // The user's rule first: a line it matches always starts a record.
        if (options.Get(MultilineOptions.StartRegex) is { } start) rules.Add(new StartRegexRule(start));
        foreach (var name in options.Get(MultilineOptions.Rules)) rules.Add(BuiltIn(name));
        return new MultilineStage(next, rules, maxLineSize, options.Get(MultilineOptions.MaxLines), options.Get(MultilineOptions.MaxBytes),
            options.Get(MultilineOptions.FlushTimeout), MonotonicTicks, counters);
    }

    public static MultilineRule BuiltIn(string name) => name switch
    {
        "python" => new PythonRule(),
        "java" => new JavaRule(),
        "go" => new GoRule(),
        "node" => new NodeRule(),
        "ruby" => new RubyRule(),
        _ => throw new ArgumentException($"no built-in multiline rule \"{name}\"", nameof(name)),
    };

    /// <summary>Milliseconds since boot as <see cref="TimeSpan"/> ticks: unaffected by changes of the wall clock.</summary>
    public static long MonotonicTicks() => Environment.TickCount64 * TimeSpan.TicksPerMillisecond;

    /// <summary>The stage's clock, for comparing with <see cref="NextDeadlineTicks"/>.</summary>
    public long Now => _clock();

    /// <summary>When the earliest held record is due to be emitted for lack of a continuation; null when nothing is held.</summary>
    public long? NextDeadlineTicks
    {
        get
        {
            long? next = null;
            foreach (var s in _streams)
                if (s.Lines.Count > 0 && (next is null || s.HeldAtTicks + _timeoutTicks < next)) next = s.HeldAtTicks + _timeoutTicks;
            return next;
        }
    }

    public bool Append(in LogRecord record, long offset)
    {
        var s = _streams[(int)record.Stream];
        if (record.IsPartial) return Flush(record.Stream) && _next.Append(record, offset);
        bool pending = s.Lines.Count > 0;
        if (!pending)
        {
            // The common case: nothing pending, and the line begins no record.
            s.Rule = Begin(record.Line, out s.State);
            if (s.Rule is null) return _next.Append(record, offset);
            s.Record = 1;
        }
        s.Lines.Add(record.Line, offset, record.TimestampTicks);
        s.HeldAtTicks = _clock();
        return !pending || Process(record.Stream, s);
    }

    /// <summary>The input offset of the oldest line of <paramref name="stream"/> not yet forwarded (here or further on).</summary>
    public long HeldFrom(LogStream stream)
    {
        var lines = _streams[(int)stream].Lines;
        return Math.Min(lines.Count > 0 ? lines.OffsetOf(0) : long.MaxValue, _next.HeldFrom(stream));
    }

    /// <summary>Emits what has waited for the flush timeout by <paramref name="nowTicks"/>. False once the buffer takes no more lines.</summary>
    public bool FlushDue(long nowTicks)
    {
        for (int i = 0; i < _streams.Length; i++)
        {
            var s = _streams[i];
            if (s.Lines.Count > 0 && s.HeldAtTicks + _timeoutTicks <= nowTicks && !Flush((LogStream)i)) return false;
        }
        return true;
    }

    /// <summary>EOF on one stream: emits everything held for it.</summary>
    public bool Flush(LogStream stream)
    {
        var s = _streams[(int)stream];
        while (s.Lines.Count > 0)
        {
            // The record goes first; lines held tentatively after it are then looked at as if they had just arrived.
            if (s.Record > 0 ? !Emit(stream, s) : !Process(stream, s)) return false;
        }
        return true;
    }

    /// <summary>Shutdown: emits everything held.</summary>
    public bool FlushAll() => Flush(LogStream.Stdout) && Flush(LogStream.Stderr);

    private MultilineRule? Begin(ReadOnlySpan<byte> line, out int state)
    {
        foreach (var rule in _rules)
        {
            state = rule.Begin(line, _text);
            if (state != 0) return rule;
        }
        state = 0;
        return null;
    }

    /// <summary>Looks at the held lines not yet looked at, in order, emitting the records they end.</summary>
    private bool Process(LogStream stream, StreamState s)
    {
        while (s.Record + s.Tentative < s.Lines.Count)
        {
            int index = s.Record + s.Tentative;
            var line = s.Lines.Line(index);
            if (s.Record == 0)
            {
                // Nothing pending (so this is the first line held): it begins a record, or goes on alone.
                s.Rule = Begin(line, out s.State);
                s.Record = 1;
                if (s.Rule is null && !Emit(stream, s)) return false;
                continue;
            }
            var verdict = _startRegex is not null && s.Rule != _startRegex && _startRegex.Matches(line, _text)
                ? LineVerdict.End
                : s.Rule!.Next(line, ref s.State, s.Tentative, _text);
            bool exceeds = index + 1 > _maxLines || s.Lines.JoinedLength(index + 1) > _maxBytes;
            // Past a cap, tentative lines are not worth keeping: the record ends before them.
            if (exceeds && (verdict == LineVerdict.Tentative || s.Tentative > 0)) verdict = LineVerdict.End;
            switch (verdict)
            {
                case LineVerdict.End:
                    if (!Emit(stream, s)) return false;
                    break;
                case LineVerdict.Tentative:
                    s.Tentative++;
                    break;
                default:
                    // Past a cap the record is emitted and this line starts the next one, in the same rule and state.
                    if (exceeds && !Emit(stream, s)) return false;
                    s.Record += s.Tentative + 1;
                    s.Tentative = 0;
                    if (verdict == LineVerdict.Complete && !Emit(stream, s)) return false;
                    break;
            }
        }
        return true;
    }

    /// <summary>Forwards the record (its first <see cref="StreamState.Record"/> lines, joined) and drops them.</summary>
    private bool Emit(LogStream stream, StreamState s)
    {
        var text = s.Lines.Joined(s.Record);
        long offset = s.Lines.OffsetOf(0), ticks = s.Lines.TicksOf(0);
        int queued = Math.Max(1, (text.Length + _maxLineSize - 1) / _maxLineSize);
        bool taken = queued == 1
            ? _next.Append(new LogRecord(text, stream, ticks), offset)
            : AppendPieces(text, stream, ticks, offset);
        // The framer counted each line read, the buffer counts each record or piece queued.
        if (s.Record != queued) _counters.AddJoined(s.Record - queued);
        s.Lines.RemoveFirst(s.Record);
        s.Record = s.Tentative = 0;
        return taken;
    }

    /// <summary>
    /// A record longer than max-line-size as partial messages, as the framer cuts a long line: one random id, the
    /// record's time, ordinals from 1, the last piece marked. The joined text is the input between the first line's
    /// offset and the last line's end, so each piece's offset is the first line's plus where the piece starts.
    /// </summary>
    private bool AppendPieces(ReadOnlySpan<byte> text, LogStream stream, long ticks, long offset)
    {
        LineFramer.NewPartialId(_partialId);
        int ordinal = 0;
        for (int at = 0; at < text.Length; at += _maxLineSize)
        {
            int length = Math.Min(_maxLineSize, text.Length - at);
            var flags = RecordFlags.Partial | (at + length == text.Length ? RecordFlags.Last : RecordFlags.None);
            if (!_next.Append(new LogRecord(text.Slice(at, length), stream, ticks, flags, ++ordinal, _partialId), offset + at)) return false;
        }
        return true;
    }
}
