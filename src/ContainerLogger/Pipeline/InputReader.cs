using System.Runtime.InteropServices;
using ContainerLogger.Drivers;
using ContainerLogger.Native;

namespace ContainerLogger.Pipeline;

/// <summary>
/// Reads every input on one thread with poll(): each read is framed into lines and queued. Ends at EOF on
/// every input, or at the shutdown deadline; a wake descriptor lets a signal interrupt the wait.
/// </summary>
internal sealed unsafe class InputReader : IDisposable
{
    private readonly record struct Input(int Fd, LogStream Stream, LineFramer Framer, string Name);

    private readonly List<Input> _inputs;
    private readonly LogRing _ring;
    private readonly Counters _counters;
    private readonly Diagnostics _diagnostics;
    private readonly int _wakeFd;

    public InputReader(IEnumerable<(int Fd, LogStream Stream, string Name)> inputs, LogRing ring, int maxLineSize, Counters counters, Diagnostics diagnostics)
    {
        _ring = ring;
        _counters = counters;
        _diagnostics = diagnostics;
        _inputs = inputs.Select(i => new Input(i.Fd, i.Stream, new LineFramer(i.Stream, maxLineSize, ring, counters), i.Name)).ToList();
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
            int timeout = -1;
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
            foreach (var input in _inputs) input.Framer.Finish(now);
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
        lock (_ring.Gate) return input.Framer.Finish(DateTime.UtcNow.Ticks);
    }

    public void Dispose() => Libc.close(_wakeFd);
}
