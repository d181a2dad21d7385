using ContainerLogger.Tests.Support;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContainerLogger.Tests.Syslog;

/// <summary>One message as rsyslog parsed it, from the test template.</summary>
internal sealed record ParsedMessage(int Pri, DateTimeOffset Time, string TimeText, string Hostname, string AppName, string ProcId, string MsgId, string Msg);

/// <summary>
/// Debian's rsyslogd, started by the tests in the foreground on 127.0.0.1 and sockets in a temporary directory,
/// with its own configuration and work directory: imudp, imtcp (plain and gtls with a CA made by openssl here),
/// imptcp on a unix stream socket and imuxsock on a unix datagram socket. Every message is written to a file
/// as its parsed fields (PRI, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, MSG), one line each. One main queue worker
/// keeps arrival order in the file (two workers write their batches of 256 messages interleaved).
/// </summary>
internal sealed class RsyslogServer : IDisposable
{
    private const char Separator = '\u001f';
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private Process? _process;

    public RsyslogServer()
    {
        if (!File.Exists("/usr/sbin/rsyslogd"))
            Assert.Fail("rsyslogd is not installed: ./build.sh test installs rsyslog and rsyslog-gnutls (apt-get install rsyslog rsyslog-gnutls)");
        Directory = System.IO.Directory.CreateTempSubdirectory("syslog-e2e-rsyslog-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "work"));
        TestCertificates.Make(Directory);
        // Chosen while all are held, so no two are the same.
        using (var udp = Bound(SocketType.Dgram, ProtocolType.Udp))
        using (var tcp = Bound(SocketType.Stream, ProtocolType.Tcp))
        using (var tls = Bound(SocketType.Stream, ProtocolType.Tcp))
            (UdpPort, TcpPort, TlsPort) = (Port(udp), Port(tcp), Port(tls));
        WriteConfig();
        Start();
    }

    public string Directory { get; }
    public int UdpPort { get; }
    public int TcpPort { get; }
    public int TlsPort { get; }
    public string StreamSocket => Path.Combine(Directory, "stream.sock");
    public string DatagramSocket => Path.Combine(Directory, "gram.sock");
    public string CaCert => Path.Combine(Directory, "ca.pem");
    /// <summary>A CA that did not sign the server's certificate.</summary>
    public string WrongCaCert => Path.Combine(Directory, "wrong-ca.pem");
    private string Output => Path.Combine(Directory, "out.log");
    private string Config => Path.Combine(Directory, "rsyslog.conf");
    private string PidFile => Path.Combine(Directory, "rsyslogd.pid");

    public string Address(string transport) => transport switch
    {
        "udp" => $"udp://127.0.0.1:{UdpPort}",
        "tcp" => $"tcp://127.0.0.1:{TcpPort}",
        "tcp+tls" => $"tcp+tls://localhost:{TlsPort}",
        "unix" => $"unix://{StreamSocket}",
        "unixgram" => $"unixgram://{DatagramSocket}",
        _ => throw new ArgumentException(transport),
    };

    private void WriteConfig()
    {
        string d = Directory;
        File.WriteAllText(Config, $"""
            global(workDirectory="{d}/work" maxMessageSize="64k"
                   defaultNetstreamDriverCAFile="{d}/ca.pem" defaultNetstreamDriverCertFile="{d}/server.pem" defaultNetstreamDriverKeyFile="{d}/server.key")
            main_queue(queue.workerThreads="1")
            module(load="imudp")
            module(load="imtcp")
            module(load="imptcp")
            module(load="imuxsock" sysSock.use="off")
            template(name="fields" type="string" string="%pri%{Separator}%timereported:::date-rfc3339%{Separator}%hostname%{Separator}%app-name%{Separator}%procid%{Separator}%msgid%{Separator}%msg%\n")
            input(type="imudp" address="127.0.0.1" port="{UdpPort}")
            input(type="imtcp" address="127.0.0.1" port="{TcpPort}")
            input(type="imtcp" address="127.0.0.1" port="{TlsPort}" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
            input(type="imptcp" path="{d}/stream.sock" unlink="on")
            input(type="imuxsock" socket="{d}/gram.sock" useSpecialParser="off" parseHostname="on" ignoreTimestamp="off" ratelimit.interval="0")
            action(type="omfile" file="{d}/out.log" template="fields")

            """);
    }

    /// <summary>Starts rsyslogd and returns once every listener answers.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("/usr/sbin/rsyslogd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-n", "-f", Config, "-i", PidFile }) start.ArgumentList.Add(a);
        start.Environment["TZ"] = "UTC";
        _process = Process.Start(start)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!Listening())
        {
            if (_process.HasExited) Assert.Fail($"rsyslogd exited at start with status {_process.ExitCode} (config {Config})");
            if (deadline.Elapsed > StartTimeout)
            {
                Stop();
                Assert.Fail($"rsyslogd did not listen within {StartTimeout.TotalSeconds}s");
            }
            Thread.Sleep(50);
        }
    }

    private bool Listening()
    {
        if (!File.Exists(StreamSocket) || !File.Exists(DatagramSocket)) return false;
        foreach (int port in new[] { TcpPort, TlsPort })
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Connect(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>SIGKILL: the server dies without closing anything cleanly.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill();
            if (!_process.WaitForExit(10_000)) Assert.Fail("rsyslogd did not die within 10s of SIGKILL");
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _process = null;
        File.Delete(PidFile);
    }

    public void Stop() => Kill();

    /// <summary>Every message so far whose APP-NAME is <paramref name="appName"/>.</summary>
    public List<ParsedMessage> Messages(string appName)
    {
        if (!File.Exists(Output)) return [];
        string text;
        using (var stream = new FileStream(Output, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
            text = reader.ReadToEnd();
        var messages = new List<ParsedMessage>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(Separator);
            if (f.Length != 7 || f[3] != appName) continue;
            messages.Add(new ParsedMessage(int.Parse(f[0], CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(f[1], CultureInfo.InvariantCulture), f[1], f[2], f[3], f[4], f[5], f[6]));
        }
        return messages;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages of <paramref name="appName"/> arrived.</summary>
    public List<ParsedMessage> WaitFor(string appName, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var messages = Messages(appName);
            if (messages.Count >= count || clock.Elapsed > timeout) return messages;
            Thread.Sleep(50);
        }
    }

    private static Socket Bound(SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    public void Dispose()
    {
        Kill();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
