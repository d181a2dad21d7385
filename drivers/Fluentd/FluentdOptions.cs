using ContainerLogger.Config;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Fluentd;

/// <summary>The fluentd driver's options (docker-logdrivers.md 9.1, CONTRACT.md section 8), each declared once.</summary>
public static class FluentdOptions
{
    private static readonly TimeSpan MinReconnectInterval = TimeSpan.FromMilliseconds(100), MaxReconnectInterval = TimeSpan.FromSeconds(10);

    public static readonly Option<FluentdAddress> Address = new("fluentd-address", "address", FluentdAddress.Default, "127.0.0.1:24224",
        "host[:port] or tcp://host[:port], tls://host[:port], unix:///path (port 24224 by default; IPv6 as [::1])",
        raw => FluentdAddress.Parse(raw));

    public static readonly Option<bool> Async = Options.Bool("fluentd-async", false,
        "accepted for Docker compatibility: delivery is always asynchronous, behind the buffer");

    public static readonly Option<TimeSpan> AsyncReconnectInterval = new("fluentd-async-reconnect-interval", "duration", TimeSpan.Zero, "0s",
        "reconnect (and re-resolve) before a batch once the connection is this old; 0 never, else 100ms to 10s", ParseReconnectInterval);

    public static readonly Option<long> BufferLimit = Options.Size("fluentd-buffer-limit", 0, null,
        "if set, bounds the queue in bytes instead of max-buffer-size (at least 64k)", min: 64 * 1024);

    /// <summary>Docker's library takes 0 to mean its default of 13 attempts.</summary>
    internal const int ZeroMaxRetries = 13;

    public static readonly Option<int> MaxRetries = new("fluentd-max-retries", "int", int.MaxValue, null,
        "failed attempts in a row after which a batch is dropped and counted (0 means 13, as Docker); unset: retry forever",
        raw => ValueParsers.Int(raw, 0, int.MaxValue) is var attempts and > 0 ? attempts : ZeroMaxRetries);

    public static readonly Option<TimeSpan> RetryWait = Options.Duration("fluentd-retry-wait", TimeSpan.FromSeconds(1), "1s",
        "the wait after a failed attempt (jittered; shorter waits double up to 1s)");

    public static readonly Option<bool> SubSecondPrecision = Options.Bool("fluentd-sub-second-precision", true,
        "send EventTime with nanoseconds (false: integer seconds, as Docker's default)");

    public static readonly Option<bool> RequestAck = Options.Bool("fluentd-request-ack", false,
        "each batch carries a chunk id and stays queued until fluentd acknowledges it (at-least-once)");

    public static readonly Option<TimeSpan> WriteTimeout = Options.Duration("fluentd-write-timeout", TimeSpan.Zero, "0s",
        "bound on each write; 0 means 10s");

    public static readonly Option<TimeSpan> ReadTimeout = Options.Duration("fluentd-read-timeout", TimeSpan.Zero, "0s",
        "bound on each acknowledgement wait; 0 means 10s");

    public static readonly Option<string?> TlsCaCert = Options.Path("fluentd-tls-ca-cert", null,
        "PEM file of CAs trusted besides the system's (tls:// only)");

    public static readonly Option<bool> TlsSkipVerify = Options.Bool("fluentd-tls-skip-verify", false,
        "do not verify the server's certificate (tls:// only)");

    public static IReadOnlyList<OptionSpec> All { get; } =
    [
        Address, Async, AsyncReconnectInterval, BufferLimit, MaxRetries, RetryWait, SubSecondPrecision, RequestAck,
        WriteTimeout, ReadTimeout, TlsCaCert, TlsSkipVerify,
    ];

    /// <summary>
    /// The queue must hold two of the longest lines, as max-buffer-size must; a tls:// address loads its CA file
    /// at validation, so a bad one is a configuration error.
    /// </summary>
    public static void Validate(OptionValues values, List<string> errors)
    {
        long maxLine = values.Get(CommonOptions.MaxLineSize);
        if (values.IsSet(BufferLimit) && values.Get(BufferLimit) < 2 * maxLine)
            errors.Add($"DOCKERLOG_CONFIG: option \"fluentd-buffer-limit\" has a bad value \"{values.Raw(BufferLimit)}\": it must hold two lines of max-line-size ({maxLine} bytes), at least {2 * maxLine} bytes");
        if (errors.Any(e => e.Contains("\"fluentd-address\"", StringComparison.Ordinal))) return;
        if (values.Get(Address).Transport != FluentdTransport.Tls) return;
        try
        {
            LoadTls(values);
        }
        catch (FormatException e)
        {
            errors.Add("DOCKERLOG_CONFIG: " + e.Message);
        }
    }

    internal static TlsClient LoadTls(OptionValues values) =>
        TlsClient.Load("fluentd", values.Get(TlsCaCert), null, null, values.Get(TlsSkipVerify));

    /// <summary>fluentd-buffer-limit, when given, replaces max-buffer-size as the queue's bound.</summary>
    internal static long? QueueBound(OptionValues values) => values.IsSet(BufferLimit) ? values.Get(BufferLimit) : null;

    private static TimeSpan ParseReconnectInterval(string raw)
    {
        var interval = ValueParsers.Duration(raw);
        if (interval != TimeSpan.Zero && (interval < MinReconnectInterval || interval > MaxReconnectInterval))
            throw new FormatException($"value (\"{raw}\") must be 0 or between 100ms and 10s");
        return interval;
    }
}
