using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContainerLogger.Net;

/// <summary>
/// The TLS client settings of tcp+tls:// (docker-logdrivers.md 8.2): TLS 1.2 or newer, the server verified
/// against the system roots plus syslog-tls-ca-cert, an optional client certificate. Files are read once, at
/// start; a file that cannot be read or used is a configuration error whose message names the file, never its content.
/// </summary>
internal sealed class TlsClient
{
    private TlsClient(X509Certificate2Collection? extraRoots, X509Certificate2? clientCertificate, bool skipVerify, string optionPrefix)
    {
        ExtraRoots = extraRoots;
        ClientCertificate = clientCertificate;
        SkipVerify = skipVerify;
        _optionPrefix = optionPrefix;
    }

    private readonly string _optionPrefix;

    public X509Certificate2Collection? ExtraRoots { get; }
    public X509Certificate2? ClientCertificate { get; }
    public bool SkipVerify { get; }

    /// <summary>Reads the files the options name; throws <see cref="FormatException"/> saying which one is bad and why.</summary>
    /// <summary>
    /// Reads the CA and key pair files named by a driver's &lt;prefix&gt;-tls-ca-cert, -tls-cert and -tls-key options.
    /// Throws <see cref="FormatException"/>, a configuration error, when one cannot be used.
    /// </summary>
    public static TlsClient Load(string optionPrefix, string? caPath, string? certPath, string? keyPath, bool skipVerify)
    {
        X509Certificate2Collection? roots = null;
        // As Docker: the CA file is not used when verification is off.
        if (caPath is not null && !skipVerify) roots = LoadCa(caPath);
        X509Certificate2? client = null;
        if (certPath is not null || keyPath is not null)
        {
            if (certPath is null || keyPath is null)
                throw new FormatException($"could not load X509 key pair: {optionPrefix}-tls-cert and {optionPrefix}-tls-key must be given together");
            client = LoadKeyPair(certPath, keyPath, optionPrefix);
        }
        return new TlsClient(roots, client, skipVerify, optionPrefix);
    }

    /// <summary>
    /// The TLS handshake over a connected socket. Throws <see cref="AuthenticationException"/> saying why the server
    /// was refused (or why the handshake failed), and then closes the socket.
    /// </summary>
    public SslStream Authenticate(RawSocket socket, string host, TimeSpan readTimeout)
    {
        string? rejection = null;
        var stream = new SslStream(socket.AsStream(readTimeout), leaveInnerStreamOpen: false);
        try
        {
            stream.AuthenticateAsClient(ClientOptions(host, reason => rejection = reason));
            return stream;
        }
        catch (Exception e)
        {
            stream.Dispose();
            socket.Dispose();
            if (rejection is not null) throw new AuthenticationException(rejection, e);
            if (e is AuthenticationException or IOException or System.Net.Sockets.SocketException or TimeoutException)
                throw new AuthenticationException($"TLS handshake failed: {Innermost(e)}", e);
            throw;
        }
    }

    /// <summary>Closes a TLS session that may already be broken: nothing is left to save, so failures are ignored.</summary>
    public static void CloseQuietly(SslStream? stream)
    {
        try
        {
            stream?.Dispose();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException)
        {
            // The connection is being dropped anyway.
        }
    }

    private static string Innermost(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException) messages.Add(x.Message);
        return string.Join(": ", messages.Distinct());
    }

    private static X509Certificate2Collection LoadCa(string path)
    {
        string text = ReadFile(path, "could not read CA certificate");
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(text);
        }
        catch (CryptographicException)
        {
            throw new FormatException($"failed to append certificates from PEM file: \"{path}\" (a certificate in it is malformed)");
        }
        if (roots.Count == 0) throw new FormatException($"failed to append certificates from PEM file: \"{path}\" (no PEM CERTIFICATE block)");
        return roots;
    }

    private static X509Certificate2 LoadKeyPair(string certPath, string keyPath, string optionPrefix)
    {
        ReadFile(certPath, $"could not load X509 key pair: cannot read {optionPrefix}-tls-cert");
        string key = ReadFile(keyPath, $"could not load X509 key pair: cannot read {optionPrefix}-tls-key");
        if (key.Contains("ENCRYPTED", StringComparison.Ordinal))
            throw new FormatException($"could not load X509 key pair: the private key in \"{keyPath}\" is encrypted; encrypted private keys are not supported");
        try
        {
            using var pair = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // SslStream presents a client certificate only with a key it can use; an exported copy always works.
            return X509CertificateLoader.LoadPkcs12(pair.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException)
        {
            // The exception's text is not shown: it is about the key, and key material must never reach a log.
            throw new FormatException($"could not load X509 key pair: \"{certPath}\" and \"{keyPath}\" are not a PEM certificate and its matching private key");
        }
    }

    private static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new FormatException($"{what} \"{path}\": {Reason(e)}");
        }
    }

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        UnauthorizedAccessException => "permission denied",
        _ => e.GetType().Name,
    };

    /// <summary>The options for one handshake with <paramref name="host"/>; a rejected certificate's reason goes to <paramref name="rejection"/>.</summary>
    private SslClientAuthenticationOptions ClientOptions(string host, Action<string> rejection) => new()
    {
        TargetHost = host,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        ClientCertificates = ClientCertificate is null ? null : new X509CertificateCollection { ClientCertificate },
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (SkipVerify || errors == SslPolicyErrors.None) return true;
            if (errors == SslPolicyErrors.RemoteCertificateChainErrors && ExtraRoots is not null && certificate is not null
                && TrustedByExtraRoots(certificate, chain))
                return true;
            rejection(Describe(host, errors, chain));
            return false;
        },
    };

    /// <summary>System roots plus the CA file, as Go's pool: the chain is built again with the CA file as a trust anchor.</summary>
    private bool TrustedByExtraRoots(X509Certificate certificate, X509Chain? original)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ExtraRoots!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (original is not null)
            foreach (var element in original.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private string Describe(string host, SslPolicyErrors errors, X509Chain? chain)
    {
        var reasons = new List<string>();
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) reasons.Add("the server sent no certificate");
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) reasons.Add($"the certificate is not for \"{host}\"");
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var status = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct() ?? [];
            reasons.Add($"the certificate chain is not trusted ({string.Join(", ", status)}; {_optionPrefix}-tls-ca-cert adds a CA)");
        }
        return $"TLS server certificate rejected: {string.Join("; ", reasons)}";
    }
}
