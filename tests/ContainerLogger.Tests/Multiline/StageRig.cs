using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;
using ContainerLogger.Pipeline.Multiline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Multiline;

/// <summary>What the stage forwarded: a copy of the record and the input offset it came with.</summary>
internal sealed record Forwarded(Captured Record, long Offset)
{
    public string Text => Encoding.UTF8.GetString(Record.Line);
    public LogStream Stream => Record.Stream;
    public override string ToString() => $"{Record} @offset {Offset}: {Text}";
}

/// <summary>The buffer's side of the stage: keeps every record it is given.</summary>
internal sealed class RecordingSink : ILineSink
{
    public List<Forwarded> Records { get; } = [];
    /// <summary>What <see cref="HeldFrom"/> reports, per stream (a sink that holds lines itself).</summary>
    public long[] Held { get; } = [long.MaxValue, long.MaxValue];
    /// <summary>False makes the sink refuse lines, as a ring that was completed does.</summary>
    public bool Taking { get; set; } = true;

    public bool Append(in LogRecord record, long offset)
    {
        if (!Taking) return false;
        Records.Add(new Forwarded(Captured.From(record), offset));
        return true;
    }

    public long HeldFrom(LogStream stream) => Held[(int)stream];
}

/// <summary>
/// A multiline stage fed as a run feeds it: a real LineFramer per stream in front (so offsets and partial pieces
/// are the framer's), a recording sink behind, and a clock the test moves by hand.
/// </summary>
internal sealed class StageRig
{
    public const int DefaultMaxLine = 1024;
    private readonly LineFramer[] _framers;

    public StageRig(IReadOnlyList<MultilineRule> rules, int maxLine = DefaultMaxLine, int maxLines = 1000, long maxBytes = 256 << 10,
        TimeSpan? flushTimeout = null)
    {
        Stage = new MultilineStage(Sink, rules, maxLine, maxLines, maxBytes, flushTimeout ?? TimeSpan.FromSeconds(1), () => Now, Counters);
        _framers = [new LineFramer(LogStream.Stdout, maxLine, Stage, Counters), new LineFramer(LogStream.Stderr, maxLine, Stage, Counters)];
    }

    public StageRig(params string[] rules) : this(rules.Select(MultilineStage.BuiltIn).ToList())
    {
    }

    public RecordingSink Sink { get; } = new();
    public Counters Counters { get; } = new();
    public MultilineStage Stage { get; }
    /// <summary>The stage's clock, in TimeSpan ticks.</summary>
    public long Now { get; set; } = 1_000_000;
    /// <summary>Capture time given to the next read.</summary>
    public long ReadTicks { get; set; } = 5_000;

    /// <summary>One read of <paramref name="text"/> on a stream, as the reader hands it to the framer.</summary>
    public StageRig Read(string text, LogStream stream = LogStream.Stdout) => Read(Encoding.UTF8.GetBytes(text), stream);

    public StageRig Read(ReadOnlySpan<byte> bytes, LogStream stream = LogStream.Stdout)
    {
        var framer = _framers[(int)stream];
        while (!bytes.IsEmpty)
        {
            var space = framer.FreeSpace();
            int n = Math.Min(space.Length, bytes.Length);
            bytes[..n].CopyTo(space);
            Assert.That(framer.Frame(n, ReadTicks), Is.True);
            bytes = bytes[n..];
        }
        return this;
    }

    /// <summary>Each line in a read of its own, the capture time one tick later each time.</summary>
    public StageRig ReadLines(IEnumerable<string> lines, LogStream stream = LogStream.Stdout)
    {
        foreach (var line in lines)
        {
            Read(line + "\n", stream);
            ReadTicks++;
        }
        return this;
    }

    /// <summary>EOF on a stream: the framer's tail, then the stage's flush, as the reader does.</summary>
    public StageRig Eof(LogStream stream = LogStream.Stdout)
    {
        Assert.That(_framers[(int)stream].Finish(ReadTicks), Is.True);
        Assert.That(Stage.Flush(stream), Is.True);
        return this;
    }

    public long UnframedFrom(LogStream stream) => _framers[(int)stream].UnframedFrom;

    /// <summary>The records forwarded on a stream, partial pieces put back together.</summary>
    public List<string> Texts(LogStream stream = LogStream.Stdout)
    {
        var texts = new List<string>();
        var pieces = new StringBuilder();
        foreach (var r in Sink.Records.Where(r => r.Stream == stream))
        {
            pieces.Append(r.Text);
            if ((r.Record.Flags & RecordFlags.Partial) != 0 && (r.Record.Flags & RecordFlags.Last) == 0) continue;
            texts.Add(pieces.ToString());
            pieces.Clear();
        }
        Assert.That(pieces.Length, Is.Zero, "no partial record is left unfinished");
        return texts;
    }

    public static string Joined(params string[] lines) => string.Join("\n", lines);
}
