using System.Globalization;
using System.Runtime.CompilerServices;

namespace ContainerLogger.Drivers;

/// <summary>
/// The process's own messages on stderr, prefixed "containerlogger:". Rate limited (a burst of 20, then one
/// a second) so a flapping destination cannot flood the host's logs; suppressed messages are counted.
/// An interpolated message is formatted only once it has passed the rate limit, into a pooled buffer, so a
/// destination that keeps failing costs no allocation per attempt (<see cref="DiagnosticMessage"/>).
/// Never pass key material or passwords.
/// </summary>
public sealed class Diagnostics
{
    private const int Burst = 20;
    internal const string Prefix = "containerlogger: ";
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
        if (!TakeToken()) return;
        lock (this) WriteLocked(Prefix + message);
    }

    /// <summary>An interpolated message subject to the rate limit: nothing in it is formatted when it is suppressed.</summary>
    public void Report([InterpolatedStringHandlerArgument("")] ref DiagnosticMessage message)
    {
        if (!message.Enabled) return;
        lock (this) WriteLocked(message.Text);
        message.Clear();
    }

    /// <summary>A message that is always written (the exit summary, counters on SIGUSR1, fatal errors).</summary>
    public void Always(string message)
    {
        lock (this) WriteLocked(Prefix + message);
    }

    /// <summary>Spends one token of the rate limit, or counts a suppressed message.</summary>
    internal bool TakeToken()
    {
        lock (this)
        {
            var now = _nowMs();
            _tokens = Math.Min(Burst, _tokens + (now - _lastRefillMs) / 1000.0);
            _lastRefillMs = now;
            if (_tokens < 1)
            {
                _suppressed++;
                return false;
            }
            _tokens--;
            return true;
        }
    }

    /// <summary>Writes one line, its prefix included, with one write to the output.</summary>
    private void WriteLocked(ReadOnlySpan<char> line)
    {
        if (_suppressed > 0)
        {
            var note = new DefaultInterpolatedStringHandler(0, 1, CultureInfo.InvariantCulture, stackalloc char[64]);
            note.AppendLiteral(Prefix + "(");
            note.AppendFormatted(_suppressed);
            note.AppendLiteral(" messages suppressed)");
            _out.WriteLine(note.Text);
            note.Clear();
            _suppressed = 0;
        }
        _out.WriteLine(line);
        _out.Flush();
    }
}

/// <summary>
/// The interpolated string of <see cref="Diagnostics.Report(ref DiagnosticMessage)"/>: it asks the rate limit
/// first, and when the message is suppressed no part of it is formatted (or allocated); otherwise it is formatted
/// (invariant culture) into a buffer rented from the shared pool, behind the "containerlogger: " prefix.
/// </summary>
[InterpolatedStringHandler]
public ref struct DiagnosticMessage
{
    private DefaultInterpolatedStringHandler _text;

    public DiagnosticMessage(int literalLength, int formattedCount, Diagnostics diagnostics, out bool enabled)
    {
        Enabled = enabled = diagnostics.TakeToken();
        if (!enabled) return;
        _text = new DefaultInterpolatedStringHandler(Diagnostics.Prefix.Length + literalLength, formattedCount, CultureInfo.InvariantCulture);
        _text.AppendLiteral(Diagnostics.Prefix);
    }

    internal bool Enabled { get; }
    internal ReadOnlySpan<char> Text => _text.Text;

    public void AppendLiteral(string value) => _text.AppendLiteral(value);
    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);
    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);
    public void AppendFormatted(ReadOnlySpan<char> value) => _text.AppendFormatted(value);
    public void AppendFormatted(string? value) => _text.AppendFormatted(value);

    /// <summary>Returns the buffer to the pool.</summary>
    internal void Clear() => _text.Clear();
}
