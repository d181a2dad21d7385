using System.Globalization;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Gelf;

public enum GelfTransport : byte
{
    Udp,
    Tcp,
    /// <summary>tls://: GELF over TCP+TLS, which Docker lacks.</summary>
    Tls,
}

/// <summary>A parsed gelf-address: udp://, tcp:// or tls:// with a host and a port (Docker has no default port).</summary>
public sealed record GelfAddress(GelfTransport Transport, string Host, int Port)
{
    public string Scheme => Transport switch { GelfTransport.Udp => "udp", GelfTransport.Tcp => "tcp", _ => "tls" };

    public override string ToString() =>
        $"{Scheme}://{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses the option value; throws <see cref="FormatException"/> with Docker's wording where it has one.</summary>
    public static GelfAddress Parse(string raw)
    {
        const string Expected = "gelf: please provide gelf-address as proto://host:port (udp://, tcp:// or tls://)";
        int separator = raw.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0) throw new FormatException(Expected);
        var transport = raw[..separator].ToLowerInvariant() switch
        {
            "udp" => GelfTransport.Udp,
            "tcp" => GelfTransport.Tcp,
            "tls" => GelfTransport.Tls,
            _ => throw new FormatException("gelf: endpoint needs to be udp://, tcp:// or tls://"),
        };
        string rest = raw[(separator + 3)..];
        int slash = rest.IndexOf('/');
        if (HostPort.Split(slash >= 0 ? rest[..slash] : rest, out var host, out var port) is { } error) throw new FormatException(error);
        if (host.Length == 0 || port is null) throw new FormatException(Expected);
        return new GelfAddress(transport, host, port.Value);
    }
}
