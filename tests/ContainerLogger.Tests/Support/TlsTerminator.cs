using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Tests.Support;

/// <summary>
/// socat terminating TLS on 127.0.0.1 with the server certificate of <see cref="TestCertificates"/> (made in
/// <paramref name="directory"/>), forwarding the plain stream to a local port: TLS in front of a plain receiver.
/// </summary>
internal sealed class TlsTerminator : IDisposable
{
    private readonly Process _socat;

    public TlsTerminator(string directory, int forwardTo)
    {
        TestCertificates.Make(directory);
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _socat = Process.Start(new ProcessStartInfo("socat")
        {
            ArgumentList =
            {
                $"OPENSSL-LISTEN:{Port},bind=127.0.0.1,reuseaddr,fork,cert={Path.Combine(directory, "server.pem")},key={Path.Combine(directory, "server.key")},verify=0",
                $"TCP:127.0.0.1:{forwardTo}",
            },
        })!;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(50);
            }
        }
    }

    public int Port { get; }

    public void Dispose()
    {
        if (!_socat.HasExited) _socat.Kill();
        _socat.WaitForExit();
        _socat.Dispose();
    }
}
