using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Net;

/// <summary>The host[:port] part of a driver address, IPv6 literals in brackets ([::1] or [::1]:514).</summary>
internal static class HostPort
{
    /// <summary>Splits <paramref name="authority"/> (a "user@" prefix is ignored, as Go's url.Parse does); returns an error or null.</summary>
    /// <param name="port">The port, or null when none is given.</param>
    public static string? Split(string authority, out string host, out int? port)
    {
        host = "";
        port = null;
        int at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        string? portText = null;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0) return $"missing ']' in address \"{authority}\"";
            host = authority[1..close];
            if (!IPAddress.TryParse(host, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
                return $"\"{host}\" in brackets is not an IPv6 address";
            string after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':') return $"unexpected \"{after}\" after the IPv6 address";
                portText = after[1..];
            }
        }
        else
        {
            int colon = authority.IndexOf(':');
            if (colon >= 0 && authority.IndexOf(':', colon + 1) >= 0)
                return $"too many colons in address \"{authority}\" (write an IPv6 address in brackets: [::1] or [::1]:514)";
            host = colon >= 0 ? authority[..colon] : authority;
            if (colon >= 0) portText = authority[(colon + 1)..];
        }
        if (string.IsNullOrEmpty(portText)) return null;
        if (!portText.All(char.IsAsciiDigit) || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
            return $"invalid port \"{portText}\" (1 to 65535)";
        port = number;
        return null;
    }

    /// <summary>The addresses to try for <paramref name="host"/>, resolved now: names are looked up again on every connect.</summary>
    public static IPAddress[] Resolve(string host)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : Dns.GetHostAddresses(host);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        return addresses;
    }
}
