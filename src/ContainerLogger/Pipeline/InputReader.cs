using System.Runtime.InteropServices;
using ContainerLogger.Drivers;
using ContainerLogger.Native;
using ContainerLogger.Pipeline.Multiline;

namespace ContainerLogger.Pipeline;

/// <summary>
/// Reads every input on one thread with poll(): each read is framed into lines and queued. Ends at EOF on
/// every input, or at the shutdown deadline; a wake descriptor lets a signal interrupt the wait. With a multiline
/// stage the poll also wakes when its next held record is due, and only then: no timer runs while nothing is held.
/// </summary>
internal sealed unsafe class InputReader : IDisposable
{
    private readonly record struct Input(int Fd, LogStream Stream, LineFramer Framer, string Name);

    private readonly List<Input> _inputs;
    private readonly LogRing _ring;
    private readonly MultilineStage? _multiline;
    private readonly Counters _counters;
    private readonly Diagnostics _diagnostics;
    private readonly int _wakeFd;

    /// <param name="multiline">The stage lines pass through on their way to the ring; null when multiline is off.</param>
    public InputReader(IEnumerable<(int Fd, LogStream Stream, string Name)> inputs, LogRing ring, MultilineStage? multiline, int maxLineSize,
        Counters counters, Diagnostics diagnostics)
    {
        _ring = ring;
        _multiline = multiline;
        _counters = counters;
        _diagnostics = diagnostics;
        ILineSink sink = multiline is null ? ring : multiline;
        _inputs = inputs.Select(i => new Input(i.Fd, i.Stream, new LineFramer(i.Stream, maxLineSize, sink, counters), i.Name)).ToList();
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
            int timeout = MillisecondsToNextFlush();
            bool stopping = false;
            if (_ring.DeadlineMs is { } deadline)
            {
                if (deadline - Environment.TickCount64 <= 0) break;
                timeout = 0;
                stopping = true;
            }
            for (int i = 0; i < _inputs.Count; i++) fds[i] = new Libc.PollFd { Fd = _inputs[i].Fd, Events = Libc.POLLIN };
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
            if (!FlushDueRecords()) return; // the ring stopped taking lines
            if (fds[_inputs.Count].Revents != 0)
            {
                long drained;
                Libc.read(_wakeFd, (byte*)&drained, sizeof(long));
            }
            // Walk backwards: inputs that reached EOF are removed in place.
            for (int i = _inputs.Count - 1; i >= 0; i--)
            {
                if (fds[i].Revents == 0) continue;
                if (!ReadOnce(_inputs[i], out bool eof)) return; // the ring stopped taking lines
                if (eof) _inputs.RemoveAt(i);
            }
        }
    }

    /// <summary>Ships the unterminated tails of inputs still open (shutdown) and closes the queue.</summary>
    public void Finish()
    {
        long now = DateTime.UtcNow.Ticks;
        lock (_ring.Gate)
        {
            foreach (var input in _inputs) input.Framer.Finish(now);
            _multiline?.FlushAll();
        }
        _ring.CompleteAdding();
    }

    private bool ReadOnce(Input input, out bool eof)
    {
        eof = false;
        var space = input.Framer.FreeSpace();
        nint n;
        fixed (byte* p = space) n = Libc.read(input.Fd, p, space.Length);
        if (n > 0)
        {
            long ticks = DateTime.UtcNow.Ticks;
            _counters.AddRead(input.Stream, 0, n);
            lock (_ring.Gate) return input.Framer.Frame((int)n, ticks);
        }
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Libc.EAGAIN or Libc.EINTR) return true;
            _diagnostics.Report($"reading {input.Name} failed, treating it as ended: {Libc.ErrorText(errno)}");
        }
        eof = true;
        lock (_ring.Gate) return input.Framer.Finish(DateTime.UtcNow.Ticks) && (_multiline?.Flush(input.Stream) ?? true);
    }

    /// <summary>The poll timeout: until the multiline stage's next held record is due, or -1 (none held: wait for input only).</summary>
    private int MillisecondsToNextFlush()
    {
        if (_multiline is null) return -1;
        lock (_ring.Gate)
        {
            if (_multiline.NextDeadlineTicks is not { } due) return -1;
            long ticks = Math.Max(0, due - _multiline.Now);
            return (int)Math.Min(int.MaxValue, (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
        }
    }

    /// <summary>Emits the held records whose flush timeout has passed. False once the ring takes no more lines.</summary>
    private bool FlushDueRecords()
    {
        if (_multiline is null) return true;
        lock (_ring.Gate) return _multiline.FlushDue(_multiline.Now);
    }

    public void Dispose() => Libc.close(_wakeFd);
}
