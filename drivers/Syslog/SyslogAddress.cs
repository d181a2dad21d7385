using System.Globalization;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Syslog;

public enum SyslogTransport : byte
{
    /// <summary>No address: the local syslog socket (/dev/log, /var/run/syslog, /var/run/log), datagram or stream.</summary>
    Local,
    Udp,
    Tcp,
    TcpTls,
    /// <summary>unix:// — a stream socket.</summary>
    Unix,
    Unixgram,
}

/// <summary>
/// A parsed syslog-address (docker-logdrivers.md 8.2): udp://, tcp://, tcp+tls:// with a host and optional port
/// (default 514 for all three, as Docker), unix:// and unixgram:// with a path, or "" for the local syslog.
/// Unlike Docker, an IPv6 literal without a port works (tcp://[::1]), and a unix path is not stat'ed at
/// validation: the socket may appear later, like any other destination that is down at start.
/// </summary>
public sealed record SyslogAddress(SyslogTransport Transport, string Host, int Port, string Path)
{
    public const int DefaultPort = 514;

    public static readonly SyslogAddress Local = new(SyslogTransport.Local, "", 0, "");

    public bool IsDatagram => Transport is SyslogTransport.Udp or SyslogTransport.Unixgram;
    public bool IsNetwork => Transport is SyslogTransport.Udp or SyslogTransport.Tcp or SyslogTransport.TcpTls;

    public string Scheme => Transport switch
    {
        SyslogTransport.Udp => "udp",
        SyslogTransport.Tcp => "tcp",
        SyslogTransport.TcpTls => "tcp+tls",
        SyslogTransport.Unix => "unix",
        SyslogTransport.Unixgram => "unixgram",
        _ => "",
    };

    /// <summary>How the address reads in diagnostics: tcp://host:port, unix:///path, or "local syslog".</summary>
    public override string ToString() => Transport switch
    {
        SyslogTransport.Local => "local syslog",
        SyslogTransport.Unix or SyslogTransport.Unixgram => $"{Scheme}://{Path}",
        _ => $"{Scheme}://{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>Parses the option value; throws <see cref="FormatException"/> with Docker's wording where it has one.</summary>
    public static SyslogAddress Parse(string raw)
    {
        if (raw.Length == 0) return Local;
        // Go's url.Parse: a scheme is [A-Za-z][A-Za-z0-9+.-]* before the first ':'; anything else has none.
        int colon = raw.IndexOf(':');
        string scheme = colon > 0 && IsScheme(raw.AsSpan(0, colon)) ? raw[..colon].ToLowerInvariant() : "";
        var transport = scheme switch
        {
            "udp" => SyslogTransport.Udp,
            "tcp" => SyslogTransport.Tcp,
            "tcp+tls" => SyslogTransport.TcpTls,
            "unix" => SyslogTransport.Unix,
            "unixgram" => SyslogTransport.Unixgram,
            _ => throw new FormatException($"unsupported scheme: '{scheme}' (allowed: udp://host[:port], tcp://host[:port], tcp+tls://host[:port], unix:///path, unixgram:///path, or empty for the local syslog)"),
        };
        string rest = raw[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
            throw new FormatException($"expected {scheme}://{(transport is SyslogTransport.Unix or SyslogTransport.Unixgram ? "/path" : "host[:port]")}");
        rest = rest[2..];
        int slash = rest.IndexOf('/');
        string authority = slash >= 0 ? rest[..slash] : rest;
        string path = slash >= 0 ? rest[slash..] : "";

        if (transport is SyslogTransport.Unix or SyslogTransport.Unixgram)
        {
            // Docker dials u.Path: unix:///run/x.sock; a host part (unix://host/x) is ignored as Go's url.Parse does.
            if (path.Length == 0) throw new FormatException($"a socket path is required: {scheme}:///path/to/socket");
            return new SyslogAddress(transport, "", 0, path);
        }
        // A path on udp/tcp is ignored, as Docker does.
        if (HostPort.Split(authority, out var host, out var port) is { } error) throw new FormatException(error);
        if (host.Length == 0) throw new FormatException("a host is required: udp://host[:port], tcp://host[:port] or tcp+tls://host[:port]");
        return new SyslogAddress(transport, host, port ?? DefaultPort, "");
    }

    private static bool IsScheme(ReadOnlySpan<char> s)
    {
        if (!char.IsAsciiLetter(s[0])) return false;
        foreach (char c in s)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return false;
        return true;
    }
}
