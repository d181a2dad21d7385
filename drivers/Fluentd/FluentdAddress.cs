using System.Globalization;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.Fluentd;

public enum FluentdTransport : byte
{
    Tcp,
    Tls,
    Unix,
}

/// <summary>
/// A parsed fluentd-address (docker-logdrivers.md 9.1): tcp://, tls://, unix:///path, or a bare host[:port] taken
/// as tcp. An empty host is 127.0.0.1, a missing port 24224. Unlike Docker, IPv6 literals work ([::1]:24224).
/// </summary>
public sealed record FluentdAddress(FluentdTransport Transport, string Host, int Port, string Path)
{
    public const int DefaultPort = 24224;

    public static readonly FluentdAddress Default = new(FluentdTransport.Tcp, "127.0.0.1", DefaultPort, "");

    public override string ToString() => Transport == FluentdTransport.Unix
        ? "unix://" + Path
        : $"{(Transport == FluentdTransport.Tcp ? "tcp" : "tls")}://{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static FluentdAddress Parse(string raw)
    {
        if (raw.Length == 0) return Default;
        string value = raw.Contains("://", StringComparison.Ordinal) ? raw : "tcp://" + raw;
        int separator = value.IndexOf("://", StringComparison.Ordinal);
        string scheme = value[..separator].ToLowerInvariant(), rest = value[(separator + 3)..];
        FormatException Invalid(string cause) => new($"invalid fluentd-address ({raw}): {cause}");
        var transport = scheme switch
        {
            "tcp" => FluentdTransport.Tcp,
            "tls" => FluentdTransport.Tls,
            "unix" => FluentdTransport.Unix,
            _ => throw Invalid($"unsupported scheme: '{scheme}' (allowed: tcp://, tls://, unix://, or host:port)"),
        };
        int slash = rest.IndexOf('/');
        if (transport == FluentdTransport.Unix)
        {
            string path = slash >= 0 ? rest[slash..] : "";
            if (path.Length == 0) throw Invalid("path is empty");
            return new FluentdAddress(transport, "", 0, path);
        }
        if (slash >= 0) throw Invalid("should not contain a path element");
        if (HostPort.Split(rest, out var host, out var port) is { } error) throw Invalid(error);
        return new FluentdAddress(transport, host.Length == 0 ? "127.0.0.1" : host, port ?? DefaultPort, "");
    }
}
