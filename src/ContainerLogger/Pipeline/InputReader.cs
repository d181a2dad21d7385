using System.Runtime.InteropServices;
using ContainerLogger.Drivers;
using ContainerLogger.Native;
using ContainerLogger.Pipeline.Multiline;

namespace ContainerLogger.Pipeline;

/// <summary>
/// Reads every input on one thread with poll(): each read is framed into lines and queued. Ends at EOF on
/// every input, or at the shutdown deadline; a wake descriptor lets a signal interrupt the wait. With a multiline
/// stage the poll also wakes when its next held record is due, and only then: no timer runs while nothing is held.
/// With a durable buffer (the disk buffer) a pipe is only peeked (<see cref="PipePeek"/>) and consumed up to the
/// last line on disk, so a sidecar killed at any moment leaves what it had not stored in the pipe for its restart.
/// </summary>
internal sealed unsafe class InputReader : IDisposable
{
    private sealed class Input(int fd, LogStream stream, LineFramer framer, string name, bool isPipe)
    {
        public int Fd { get; } = fd;
        public LogStream Stream { get; } = stream;
        public LineFramer Framer { get; } = framer;
        public string Name { get; } = name;
        /// <summary>Peeked rather than read: a pipe, while the buffer is durable.</summary>
        public bool IsPipe { get; set; } = isPipe;
        /// <summary>Bytes handed to the framer, and bytes taken out of the pipe: the pipe still holds the difference.</summary>
        public long Fed, Consumed;
        public long StalledSinceMs = -1, RetryAtMs;
        public int BackoffMs;
        public long Held => Fed - Consumed;
    }

    private readonly List<Input> _inputs;
    /// <summary>Inputs that ended in one round of reads (kept, so a round allocates nothing).</summary>
    private readonly List<Input> _ended = [];
    private readonly IRecordQueue _queue;
    private readonly MultilineStage? _multiline;
    private readonly ILineSink _sink;
    private readonly Counters _counters;
    private readonly Diagnostics _diagnostics;
    private readonly int _wakeFd;
    private readonly PipePeek? _peek;

    /// <param name="multiline">The stage lines pass through on their way to the buffer; null when multiline is off.</param>
    public InputReader(IEnumerable<(int Fd, LogStream Stream, string Name)> inputs, IRecordQueue queue, MultilineStage? multiline, int maxLineSize,
        Counters counters, Diagnostics diagnostics)
    {
        _queue = queue;
        _multiline = multiline;
        _sink = multiline is null ? queue : multiline;
        _counters = counters;
        _diagnostics = diagnostics;
        _peek = queue.Durable ? PipePeek.TryCreate(diagnostics) : null;
        _inputs = inputs.Select(i => new Input(i.Fd, i.Stream, new LineFramer(i.Stream, maxLineSize, _sink, counters), i.Name,
            _peek is not null && Libc.IsPipe(i.Fd))).ToList();
        foreach (var input in _inputs)
            if (input.IsPipe) _peek!.FitTo(input.Fd);
        _wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
    }

    /// <summary>Interrupts the poll (safe from a signal handler thread).</summary>
    public void Wake()
    {
        long one = 1;
        Libc.write(_wakeFd, (byte*)&one, sizeof(long));
    }

    public void Run()
    {
        var fds = new Libc.PollFd[_inputs.Count + 1];
        while (_inputs.Count > 0)
        {
            // Shutdown (SIGTERM/SIGINT) began: take what the inputs hold right now, but wait for nothing more,
            // so the sender can drain the queue (and the tails Finish ships) and the process exit once drained.
            long now = Environment.TickCount64;
            int timeout = MillisecondsToNextFlush();
            bool stopping = false;
            if (_queue.DeadlineMs is { } deadline)
            {
                if (deadline - now <= 0) break;
                timeout = 0;
                stopping = true;
            }
            for (int i = 0; i < _inputs.Count; i++)
            {
                var input = _inputs[i];
                // A stalled pipe (only bytes already framed in it) is readable all the time: it is looked at again
                // after a short wait instead, but its hang-up is still reported.
                bool waiting = input.StalledSinceMs >= 0 && now < input.RetryAtMs;
                if (waiting) timeout = timeout < 0 ? (int)(input.RetryAtMs - now) : Math.Min(timeout, (int)(input.RetryAtMs - now));
                fds[i] = new Libc.PollFd { Fd = input.Fd, Events = waiting ? (short)0 : Libc.POLLIN };
            }
            fds[_inputs.Count] = new Libc.PollFd { Fd = _wakeFd, Events = Libc.POLLIN };
            int ready;
            fixed (Libc.PollFd* p = fds) ready = Libc.poll(p, (nuint)(_inputs.Count + 1), timeout);
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                throw new IOException("poll failed: " + Libc.ErrorText(errno));
            }
            if (ready == 0 && stopping) break;
            if (!FlushDueRecords()) return; // the buffer stopped taking lines
            if (fds[_inputs.Count].Revents != 0)
            {
                long drained;
                Libc.read(_wakeFd, (byte*)&drained, sizeof(long));
            }
            now = Environment.TickCount64;
            _ended.Clear();
            for (int i = 0; i < _inputs.Count; i++)
            {
                var input = _inputs[i];
                bool retry = input.StalledSinceMs >= 0 && now >= input.RetryAtMs;
                if (fds[i].Revents == 0 && !retry) continue;
                if (!ReadOnce(input, (fds[i].Revents & Libc.POLLHUP) != 0, out bool eof)) return; // the buffer stopped taking lines
                if (eof) _ended.Add(input);
            }
            _queue.EndOfRead();
            ReleaseStored();
            foreach (var input in _ended) _inputs.Remove(input);
        }
    }

    /// <summary>Ships the unterminated tails of inputs still open (shutdown) and closes the queue.</summary>
    public void Finish()
    {
        long now = DateTime.UtcNow.Ticks;
        lock (_queue.Gate)
        {
            foreach (var input in _inputs) input.Framer.Finish(now);
            _multiline?.FlushAll();
        }
        _queue.EndOfRead();
        ReleaseStored();
        _queue.CompleteAdding();
    }

    private bool ReadOnce(Input input, bool hungUp, out bool eof)
    {
        eof = false;
        if (input.IsPipe && _queue.Durable) return PeekOnce(input, hungUp, out eof);
        // Memory buffer (or a disk that failed): what was only peeked so far is taken out before plain reads resume.
        if (input.Held > 0) Consume(input, input.Held);
        var space = input.Framer.FreeSpace();
        nint n;
        fixed (byte* p = space) n = Libc.read(input.Fd, p, space.Length);
        if (n > 0)
        {
            input.Fed += n;
            input.Consumed += n;
            return Frame(input, (int)n);
        }
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Libc.EAGAIN or Libc.EINTR) return true;
            _diagnostics.Report($"reading {input.Name} failed, treating it as ended: {Libc.ErrorText(errno)}");
        }
        eof = true;
        return FinishInput(input);
    }

    /// <summary>
    /// Peeks what the pipe holds beyond what was framed already and frames that. Nothing new in a pipe that polled
    /// readable means it holds only lines not yet stored: it is looked at again after 1, 2, 4 … 100 ms; an unfinished
    /// line is taken out (kept in memory only) after <see cref="StallGraceMs"/>, so that the pipe does not stay readable
    /// forever.
    /// </summary>
    private bool PeekOnce(Input input, bool hungUp, out bool eof)
    {
        eof = false;
        if (input.Held >= _peek!.Capacity) Consume(input, input.Held); // a peek could not see past it
        var space = input.Framer.FreeSpace();
        int fresh = _peek!.Peek(input.Fd, input.Held, space, out int errno);
        if (fresh > 0)
        {
            input.StalledSinceMs = -1;
            input.BackoffMs = 0;
            input.Fed += fresh;
            return Frame(input, fresh);
        }
        if (fresh < 0 && errno != Libc.EAGAIN && errno != Libc.EINTR)
        {
            if (errno == Libc.EINVAL)
            {
                input.IsPipe = false; // tee(2) does not take this descriptor after all: read it plainly
                return true;
            }
            _diagnostics.Report($"reading {input.Name} failed, treating it as ended: {Libc.ErrorText(errno)}");
            hungUp = true;
        }
        if (hungUp || fresh == 0 && input.Held == 0)
        {
            // The writer is gone and everything in the pipe is framed: the end.
            eof = true;
            return FinishInput(input);
        }
        long now = Environment.TickCount64;
        if (input.StalledSinceMs < 0) input.StalledSinceMs = now;
        // Lines a multiline stage holds leave the pipe once the stage lets them go (at its flush timeout, at the latest).
        bool stageHolds;
        lock (_queue.Gate) stageHolds = _sink.HeldFrom(input.Stream) != long.MaxValue;
        if (!stageHolds && now - input.StalledSinceMs >= StallGraceMs)
        {
            Consume(input, input.Held);
            input.StalledSinceMs = -1;
            input.BackoffMs = 0;
            return true;
        }
        input.BackoffMs = Math.Min(Math.Max(1, input.BackoffMs * 2), 100);
        input.RetryAtMs = now + input.BackoffMs;
        return true;
    }

    /// <summary>EOF on one input: its unterminated tail and the record the multiline stage holds for it go out.</summary>
    private bool FinishInput(Input input)
    {
        lock (_queue.Gate) return input.Framer.Finish(DateTime.UtcNow.Ticks) && (_multiline?.Flush(input.Stream) ?? true);
    }

    /// <summary>The poll timeout: until the multiline stage's next held record is due, or -1 (none held: wait for input only).</summary>
    private int MillisecondsToNextFlush()
    {
        if (_multiline is null) return -1;
        lock (_queue.Gate)
        {
            if (_multiline.NextDeadlineTicks is not { } due) return -1;
            long ticks = Math.Max(0, due - _multiline.Now);
            return (int)Math.Min(int.MaxValue, (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
        }
    }

    /// <summary>Emits the held records whose flush timeout has passed. False once the buffer takes no more lines.</summary>
    private bool FlushDueRecords()
    {
        if (_multiline is null) return true;
        lock (_queue.Gate) return _multiline.FlushDue(_multiline.Now);
    }

    /// <summary>How long a pipe may hold only an unfinished line before it is taken out into memory.</summary>
    private const int StallGraceMs = 250;

    private bool Frame(Input input, int count)
    {
        long ticks = DateTime.UtcNow.Ticks;
        _counters.AddRead(input.Stream, 0, count);
        lock (_queue.Gate) return input.Framer.Frame(count, ticks);
    }

    /// <summary>After <see cref="IRecordQueue.EndOfRead"/>: takes out of each pipe what the buffer now stores.</summary>
    private void ReleaseStored()
    {
        if (_peek is null) return;
        bool durable = _queue.Durable;
        foreach (var input in _inputs)
        {
            if (!input.IsPipe || input.Held == 0) continue;
            long stored = input.Fed;
            if (durable)
                lock (_queue.Gate) stored = Math.Min(input.Framer.UnframedFrom, Math.Min(_sink.HeldFrom(input.Stream), input.Fed));
            Consume(input, stored - input.Consumed);
        }
    }

    private void Consume(Input input, long count)
    {
        if (count <= 0) return;
        if (_peek is not null) _peek.Discard(input.Fd, count);
        input.Consumed += count;
    }

    public void Dispose()
    {
        Libc.close(_wakeFd);
        _peek?.Dispose();
    }
}
