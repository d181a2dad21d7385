namespace ContainerLogger.Drivers;

/// <summary>
/// The process's own messages on stderr, prefixed "containerlogger:". Rate limited (a burst of 20, then one
/// a second) so a flapping destination cannot flood the host's logs; suppressed messages are counted.
/// Never pass key material or passwords.
/// </summary>
public sealed class Diagnostics
{
    private const int Burst = 20;
    private readonly TextWriter _out;
    private readonly Func<long> _nowMs;
    private double _tokens = Burst;
    private long _lastRefillMs;
    private int _suppressed;

    public Diagnostics(TextWriter? output = null, Func<long>? nowMs = null)
    {
        _out = output ?? Console.Error;
        _nowMs = nowMs ?? (() => System.Environment.TickCount64);
        _lastRefillMs = _nowMs();
    }

    /// <summary>A message subject to the rate limit.</summary>
    public void Report(string message)
    {
        lock (this)
        {
            var now = _nowMs();
            _tokens = Math.Min(Burst, _tokens + (now - _lastRefillMs) / 1000.0);
            _lastRefillMs = now;
            if (_tokens < 1)
            {
                _suppressed++;
                return;
            }
            _tokens--;
            WriteLocked(message);
        }
    }

    /// <summary>A message that is always written (the exit summary, counters on SIGUSR1, fatal errors).</summary>
    public void Always(string message)
    {
        lock (this) WriteLocked(message);
    }

    private void WriteLocked(string message)
    {
        if (_suppressed > 0)
        {
            _out.WriteLine($"containerlogger: ({_suppressed} messages suppressed)");
            _suppressed = 0;
        }
        _out.WriteLine("containerlogger: " + message);
        _out.Flush();
    }
}
