using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Pipeline;

namespace ContainerLogger.Tests.Memory;

/// <summary>A buffer (the ring or the disk buffer) handed on untouched, for a test to change one member of it.</summary>
internal class DelegatingQueue(IRecordQueue inner) : IRecordQueue
{
    public IRecordQueue Inner => inner;
    public object Gate => inner.Gate;
    public bool Durable => inner.Durable;
    public virtual bool Append(in LogRecord record, long offset) => inner.Append(record, offset);
    public long HeldFrom(LogStream stream) => inner.HeldFrom(stream);
    public void EndOfRead() => inner.EndOfRead();
    public void CompleteAdding() => inner.CompleteAdding();
    public void SetDeadline(long deadlineMs) => inner.SetDeadline(deadlineMs);
    public long? DeadlineMs => inner.DeadlineMs;
    public void Wake() => inner.Wake();
    public virtual void Sleep(int milliseconds) => inner.Sleep(milliseconds);
    public bool Reserve(Func<bool> interrupted, out long start, out long end, out DropNotice notice) => inner.Reserve(interrupted, out start, out end, out notice);
    public LogRecord Read(long position, out long size) => inner.Read(position, out size);
    public void Commit(long position, long entries) => inner.Commit(position, entries);
    public void Delivered() => inner.Delivered();
    public void AppendCounters(StringBuilder text) => inner.AppendCounters(text);
    public long KeptLines => inner.KeptLines;
    public long LeftoverLines => inner.LeftoverLines;
    public void Dispose() => inner.Dispose();
}

/// <summary>Backs off without waiting (Monitor.Wait with no timeout left): thousands of retries in a test.</summary>
internal sealed class ImpatientQueue(IRecordQueue inner) : DelegatingQueue(inner)
{
    public override void Sleep(int milliseconds) => base.Sleep(0);
}

/// <summary>Measures the appending thread's allocation over a window of appended lines, after a warm-up (the reader's side).</summary>
internal sealed class MeteredQueue(IRecordQueue inner, int warmUp, int window) : DelegatingQueue(inner)
{
    private readonly AllocationWindow _window = new();
    private long _lines;
    private int _windowsTried;
    private volatile bool _done;

    public bool Done => _done;
    public long Bytes { get; private set; }

    public override bool Append(in LogRecord record, long offset)
    {
        long line = _lines++;
        if (!_done && line >= warmUp && (line - warmUp) % window == 0)
        {
            if (line > warmUp)
            {
                bool undisturbed = _window.Close(out long bytes);
                if (undisturbed || ++_windowsTried == Allocations.Attempts)
                {
                    Bytes = bytes;
                    _done = true;
                }
            }
            if (!_done) _window.Open();
        }
        return base.Append(record, offset);
    }
}
