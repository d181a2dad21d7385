using ContainerLogger.Config;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>The gelf driver's options (docker-logdrivers.md 10.1, CONTRACT.md section 8), each declared once.</summary>
public static class GelfOptions
{
    public static readonly Option<GelfAddress?> Address = new("gelf-address", "address", null, null,
        "required: udp://host:port, tcp://host:port or tls://host:port (TCP with TLS); IPv6 as [::1]:12201",
        raw => GelfAddress.Parse(raw));

    public static readonly Option<string> CompressionType = Options.Enum("gelf-compression-type", "gzip",
        "compression of UDP messages", "gzip", "zlib", "none");

    public static readonly Option<int> CompressionLevel = Options.Int("gelf-compression-level", 1,
        "compression level of UDP messages, -1 (zlib's default) to 9", min: -1, max: 9);

    public static readonly Option<int> TcpMaxReconnect = Options.Int("gelf-tcp-max-reconnect", 3,
        "accepted for Docker compatibility (TCP only): reconnection never stops; the buffer bounds what waits", min: 0);

    public static readonly Option<int> TcpReconnectDelay = Options.Int("gelf-tcp-reconnect-delay", 1,
        "seconds between TCP reconnection attempts, jittered (TCP only); 0 retries after 50 ms, doubling up to 1 s", min: 0);

    public static readonly Option<string?> TlsCaCert = Options.Path("gelf-tls-ca-cert", null,
        "PEM file of CAs trusted besides the system's (tls:// only)");

    public static readonly Option<bool> TlsSkipVerify = Options.Bool("gelf-tls-skip-verify", false,
        "do not verify the server's certificate (tls:// only)");

    public static IReadOnlyList<OptionSpec> All { get; } =
        [Address, CompressionType, CompressionLevel, TcpMaxReconnect, TcpReconnectDelay, TlsCaCert, TlsSkipVerify];

    /// <summary>
    /// Docker's cross-option errors (an address is required; compression is UDP's, reconnection TCP's). The TLS
    /// options, which Docker lacks, are ignored without tls:// as syslog's are (the driver says so at start).
    /// </summary>
    public static void Validate(OptionValues values, List<string> errors)
    {
        if (!values.IsSet(Address))
        {
            errors.Add("DOCKERLOG_CONFIG: option \"gelf-address\" is required (gelf-address is a required parameter): udp://host:port, tcp://host:port or tls://host:port");
            return;
        }
        if (errors.Any(e => e.Contains("\"gelf-address\"", StringComparison.Ordinal))) return;
        var address = values.Get(Address)!;
        bool udp = address.Transport == GelfTransport.Udp;
        foreach (var option in new OptionSpec[] { CompressionType, CompressionLevel }.Where(o => !udp && values.IsSet(o)))
            errors.Add($"DOCKERLOG_CONFIG: option \"{option.Name}\": compression is only supported on UDP (gelf-address is \"{values.Raw(Address)}\")");
        foreach (var option in new OptionSpec[] { TcpMaxReconnect, TcpReconnectDelay }.Where(o => udp && values.IsSet(o)))
            errors.Add($"DOCKERLOG_CONFIG: \"{option.Name}\" is only valid for TCP (gelf-address is \"{values.Raw(Address)}\")");
        if (address.Transport == GelfTransport.Tls)
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

    public static IEnumerable<OptionSpec> TlsOptions => [TlsCaCert, TlsSkipVerify];

    internal static TlsClient LoadTls(OptionValues values) =>
        TlsClient.Load("gelf", values.Get(TlsCaCert), null, null, values.Get(TlsSkipVerify));
}
