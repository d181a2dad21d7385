using ContainerLogger.Net;
using System.Globalization;
using ContainerLogger.Config;

namespace ContainerLogger.Drivers.Syslog;

public enum SyslogFormat : byte
{
    /// <summary>"": srslog's Unix format, &lt;PRI&gt;Mmm _d hh:mm:ss TAG[PID]: MSG — no hostname.</summary>
    Unix,
    Rfc3164,
    Rfc5424,
    Rfc5424Micro,
}

public enum SyslogFraming : byte
{
    /// <summary>Each message ends with '\n' (RFC 6587 non-transparent framing); also every datagram.</summary>
    NonTransparent,
    /// <summary>"&lt;length&gt; " before each message (RFC 5425 / RFC 6587 octet counting).</summary>
    OctetCounted,
}

/// <summary>syslog's own options (docker-logdrivers.md 8.1, CONTRACT.md section 8), declared once.</summary>
public static class SyslogOptions
{
    private static readonly string[] FacilityNames =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "", "", "", "", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] FacilityAllowed =
        [.. FacilityNames.Where(n => n.Length > 0), .. Enumerable.Range(0, 24).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    public static readonly Option<SyslogAddress> Address = new("syslog-address", "address", SyslogAddress.Local, "",
        "udp://host[:port], tcp://host[:port], tcp+tls://host[:port] (port 514 by default; IPv6 as [::1]), unix:///path (stream), unixgram:///path, or empty for the local syslog (/dev/log, /var/run/syslog, /var/run/log)",
        SyslogAddress.Parse);

    /// <summary>The facility number (0 to 23).</summary>
    public static readonly Option<int> Facility = new("syslog-facility", "enum", 3, "daemon",
        "facility by name or number 0 to 23", ParseFacility, allowed: FacilityAllowed);

    public static readonly Option<SyslogFormat> Format = new("syslog-format", "enum", SyslogFormat.Unix, "",
        "empty: <PRI>Mmm _d hh:mm:ss TAG[PID]: MSG (no hostname, as Docker); rfc3164 adds the hostname; rfc5424 and rfc5424micro (6 fractional digits) use the tag as APP-NAME and MSGID",
        ParseFormat, allowed: ["", "rfc3164", "rfc5424", "rfc5424micro"]);

    public static readonly Option<string?> TlsCaCert = Options.Path("syslog-tls-ca-cert", null,
        "PEM file of CA certificates trusted in addition to the system roots (tcp+tls only)");

    public static readonly Option<string?> TlsCert = Options.Path("syslog-tls-cert", null,
        "PEM client certificate, with syslog-tls-key (tcp+tls only)");

    public static readonly Option<string?> TlsKey = Options.Path("syslog-tls-key", null,
        "PEM private key of syslog-tls-cert, not encrypted (tcp+tls only)");

    public static readonly Option<bool> TlsSkipVerify = Options.Bool("syslog-tls-skip-verify", false,
        "true turns off server certificate verification (unlike Docker, false keeps it on; tcp+tls only)");

    public static readonly Option<string?> Hostname = new("syslog-hostname", "string", null, null,
        "HOSTNAME field of rfc3164 and rfc5424 messages: up to 255 printable ASCII characters, no spaces; unset: this machine's host name",
        ParseHostname);

    public static readonly Option<SyslogFraming?> TcpFraming = new("syslog-tcp-framing", "enum", null, null,
        "stream framing; unset: octet-counted for tcp+tls with rfc5424 and rfc5424micro, else non-transparent (a newline ends each message), as Docker",
        raw => raw switch
        {
            "octet-counted" => SyslogFraming.OctetCounted,
            "non-transparent" => SyslogFraming.NonTransparent,
            _ => throw new FormatException("allowed: octet-counted, non-transparent"),
        },
        allowed: ["octet-counted", "non-transparent"]);

    public static readonly IReadOnlyList<OptionSpec> All =
        [Address, Facility, Format, TlsCaCert, TlsCert, TlsKey, TlsSkipVerify, Hostname, TcpFraming];

    /// <summary>Checks between options, and loads the TLS files so that a bad one is a configuration error.</summary>
    public static void Validate(OptionValues values, List<string> errors)
    {
        // A bad address is reported already; checking the others against the default would only add noise.
        if (errors.Any(e => e.Contains("\"syslog-address\"", StringComparison.Ordinal))) return;
        var address = values.Get(Address);
        if (values.IsSet(TcpFraming) && address.IsDatagram)
            errors.Add($"DOCKERLOG_CONFIG: option \"syslog-tcp-framing\" applies to tcp://, tcp+tls:// and unix:// addresses only (syslog-address is \"{values.Raw(Address)}\")");
        if (address.Transport == SyslogTransport.TcpTls)
        {
            try
            {
                LoadTls(values);
            }
            catch (FormatException e)
            {
                errors.Add("DOCKERLOG_CONFIG: " + e.Message);
            }
        }
    }

    /// <summary>
    /// TLS options given with an address that is not tcp+tls://. Docker ignores them silently; they are not an error
    /// here either (each listed option must be accepted on its own), but the driver says at start that they are unused.
    /// </summary>
    public static IEnumerable<string> UnusedTlsOptions(OptionValues values) =>
        values.Get(Address).Transport == SyslogTransport.TcpTls
            ? []
            : new OptionSpec[] { TlsCaCert, TlsCert, TlsKey, TlsSkipVerify }.Where(values.IsSet).Select(o => o.Name);

    /// <summary>Docker's choice (docker-logdrivers.md 8.5) unless syslog-tcp-framing says otherwise; datagrams are never counted.</summary>
    public static SyslogFraming ResolveFraming(SyslogAddress address, SyslogFormat format, SyslogFraming? option)
    {
        if (address.IsDatagram) return SyslogFraming.NonTransparent;
        if (option is { } chosen) return chosen;
        return address.Transport == SyslogTransport.TcpTls && format is SyslogFormat.Rfc5424 or SyslogFormat.Rfc5424Micro
            ? SyslogFraming.OctetCounted
            : SyslogFraming.NonTransparent;
    }

    /// <summary>Docker's parseFacility: a name (case-sensitive) or strconv.Atoi in 0..23.</summary>
    public static int ParseFacility(string raw)
    {
        int index = Array.IndexOf(FacilityNames, raw);
        if (raw.Length > 0 && index >= 0) return index;
        if (int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number) && number is >= 0 and <= 23)
            return number;
        throw new FormatException("invalid syslog facility; allowed: " + string.Join(", ", FacilityNames.Where(n => n.Length > 0)) + ", or a number 0 to 23");
    }

    private static SyslogFormat ParseFormat(string raw) => raw switch
    {
        "" => SyslogFormat.Unix,
        "rfc3164" => SyslogFormat.Rfc3164,
        "rfc5424" => SyslogFormat.Rfc5424,
        "rfc5424micro" => SyslogFormat.Rfc5424Micro,
        _ => throw new FormatException("Invalid syslog format; allowed: \"\" (empty), rfc3164, rfc5424, rfc5424micro"),
    };

    private static string? ParseHostname(string raw)
    {
        if (raw.Length == 0) return null;
        if (raw.Length > 255 || raw.Any(c => c is < '!' or > '~'))
            throw new FormatException("a host name is 1 to 255 printable ASCII characters without spaces (RFC 5424 HOSTNAME)");
        return raw;
    }

    /// <summary>The TLS client the syslog-tls-* options describe.</summary>
    internal static TlsClient LoadTls(OptionValues values) =>
        TlsClient.Load("syslog", values.Get(TlsCaCert), values.Get(TlsCert), values.Get(TlsKey), values.Get(TlsSkipVerify));
}
