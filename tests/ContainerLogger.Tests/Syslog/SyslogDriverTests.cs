using System.Net;
using System.Net.Sockets;
using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.Syslog;
using ContainerLogger.Pipeline;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Syslog;

/// <summary>The driver against in-process sockets: batching, lazy connects, reconnects, datagram losses.</summary>
public class SyslogDriverTests
{
    private static readonly long Ticks = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks;
    private string _dir = "";
    private readonly Counters _counters = new();
    private readonly StringWriter _diagnostics = new();

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("syslog-driver-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private SyslogDriver Driver(params (string, string)[] options) => Driver(SyslogConnectionPaths.Default, options);

    private SyslogDriver Driver(IReadOnlyList<string> localPaths, params (string, string)[] options) =>
        new(SyslogConfig.Context(_counters, _diagnostics, [("syslog-hostname", "h"), ("tag", "t"), .. options]), localPaths, TimeZoneInfo.Utc);

    private static void Add(LogDriver driver, params string[] lines)
    {
        foreach (var line in lines)
            Assert.That(driver.TryAdd(new LogRecord(Encoding.UTF8.GetBytes(line), LogStream.Stdout, Ticks)), Is.True);
    }

    private static string Frame(string line) => $"<30>Jan  2 03:04:05 t[{Environment.ProcessId}]: {line}\n";

    private static string ReadExactly(Socket socket, int bytes)
    {
        socket.ReceiveTimeout = 5000;
        var buffer = new byte[bytes];
        int n = 0;
        while (n < bytes)
        {
            int r = socket.Receive(buffer, n, bytes - n, SocketFlags.None);
            if (r == 0) break;
            n += r;
        }
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Test]
    public void TcpBatchIsWrittenBackToBackAndEmptyLinesAreSkipped()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var driver = Driver(("syslog-address", $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"));
        Add(driver, "one", "", "two", "three");
        Assert.That(driver.PendingCount, Is.EqualTo(4));
        driver.Flush();
        Assert.That(driver.PendingCount, Is.Zero);
        using var server = listener.AcceptSocket();
        string expected = Frame("one") + Frame("two") + Frame("three");
        Assert.That(ReadExactly(server, Encoding.UTF8.GetByteCount(expected)), Is.EqualTo(expected));
    }

    [Test]
    public void ServerDownAtStartKeepsTheBatchUntilItListens()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var driver = Driver(("syslog-address", $"tcp://localhost:{port}"));
        Add(driver, "kept");
        var failure = driver.FlushFails();
        Assert.That(failure, Does.Contain($"tcp://localhost:{port}"));
        Assert.That(driver.PendingCount, Is.EqualTo(1));

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        driver.Flush();
        using var server = listener.AcceptSocket();
        Assert.That(ReadExactly(server, Frame("kept").Length), Is.EqualTo(Frame("kept")));
    }

    [Test]
    public void ClosedConnectionIsNoticedBeforeWritingAndReplaced()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var driver = Driver(("syslog-address", $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"));
        Add(driver, "first");
        driver.Flush();
        using (var first = listener.AcceptSocket())
        {
            Assert.That(ReadExactly(first, Frame("first").Length), Is.EqualTo(Frame("first")));
        }
        Thread.Sleep(100); // the FIN reaches the driver's socket
        Add(driver, "second");
        driver.Flush();
        using var second = listener.AcceptSocket();
        Assert.That(ReadExactly(second, Frame("second").Length), Is.EqualTo(Frame("second")));
    }

    [Test]
    public void UnixStreamUsesOctetCountingWhenAsked()
    {
        string path = Path.Combine(_dir, "stream.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        using var driver = Driver(("syslog-address", $"unix://{path}"), ("syslog-tcp-framing", "octet-counted"));
        Add(driver, "a", "bc");
        driver.Flush();
        using var server = listener.Accept();
        string a = Frame("a"), bc = Frame("bc");
        string expected = $"{a.Length} {a}{bc.Length} {bc}";
        Assert.That(ReadExactly(server, expected.Length), Is.EqualTo(expected));
    }

    private (Socket Server, string Path) Gram(string name)
    {
        string path = Path.Combine(_dir, name);
        var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.ReceiveTimeout = 5000;
        return (server, path);
    }

    private static string Datagram(Socket server)
    {
        var buffer = new byte[65536];
        return Encoding.UTF8.GetString(buffer, 0, server.Receive(buffer));
    }

    [Test]
    public void UnixgramSendsOneDatagramPerMessage()
    {
        var (server, path) = Gram("gram.sock");
        using var _ = server;
        using var driver = Driver(("syslog-address", $"unixgram://{path}"), ("syslog-format", "rfc5424"));
        Add(driver, "one", "", "two");
        driver.Flush();
        Assert.That(Datagram(server), Is.EqualTo($"<30>1 2024-01-02T03:04:05Z h t {Environment.ProcessId} t - one\n"));
        Assert.That(Datagram(server), Is.EqualTo($"<30>1 2024-01-02T03:04:05Z h t {Environment.ProcessId} t - two\n"));
    }

    [Test]
    public void OnlyEmptyLinesNeedNoConnection()
    {
        using var driver = Driver(("syslog-address", $"unixgram://{_dir}/absent.sock"));
        Add(driver, "", "");
        driver.Flush();
        Assert.That(driver.PendingCount, Is.Zero);
    }

    [Test]
    public void RefusedDatagramIsCountedAsDroppedAndTheRestWaitForTheServer()
    {
        var (server, path) = Gram("gram.sock");
        using var driver = Driver(("syslog-address", $"unixgram://{path}"));
        Add(driver, "delivered");
        driver.Flush();
        Assert.That(Datagram(server), Is.EqualTo(Frame("delivered")));
        server.Dispose(); // the socket file stays, nobody reads it: ECONNREFUSED

        Add(driver, "lost", "kept");
        driver.FlushFails();
        Assert.That(_counters.DroppedLines(LogStream.Stdout), Is.EqualTo(1));
        Assert.That(driver.PendingCount, Is.EqualTo(1));
        Assert.That(_diagnostics.ToString(), Does.Contain("message was dropped (Connection refused)"));

        File.Delete(path);
        var (again, _) = Gram("gram.sock");
        using var __ = again;
        driver.Flush();
        Assert.That(Datagram(again), Is.EqualTo(Frame("kept")));
    }

    [Test]
    public void LocalSyslogTriesEachPathInTurn()
    {
        var (server, path) = Gram("log");
        using var _ = server;
        using var driver = Driver([Path.Combine(_dir, "dev-log-absent"), path]);
        Add(driver, "local");
        driver.Flush();
        Assert.That(Datagram(server), Is.EqualTo(Frame("local")));
    }

    /// <summary>A socket that is there but refuses says why, rather than the last path's "no such file".</summary>
    [Test]
    public void LocalSyslogThatRefusesIsReportedOverAMissingPath()
    {
        var refusing = Path.Combine(_dir, "dev-log-file");
        File.WriteAllText(refusing, ""); // a plain file where the socket should be: connect(2) is refused
        using var driver = Driver([refusing, Path.Combine(_dir, "absent")]);
        Add(driver, "x");
        var failure = driver.FlushFails();
        Assert.That(failure, Does.Contain("no local syslog socket"));
        Assert.That(failure, Does.Contain("Connection refused").And.Not.Contain("No such file"));
    }

    [Test]
    public void LocalSyslogMissingEverywhereKeepsTheBatch()
    {
        using var driver = Driver([Path.Combine(_dir, "a"), Path.Combine(_dir, "b")]);
        Add(driver, "x");
        Assert.That(driver.FlushFails(), Does.Contain("no local syslog socket"));
        Assert.That(driver.PendingCount, Is.EqualTo(1));
    }

    [TestCase("127.0.0.1", "127.0.0.1")]
    [TestCase("[::1]", "::1")]
    public void UdpDatagramsReachTheServer(string host, string bind)
    {
        using var server = new Socket(IPAddress.Parse(bind).AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            server.Bind(new IPEndPoint(IPAddress.Parse(bind), 0));
        }
        catch (SocketException e) when (bind == "::1")
        {
            Assert.Ignore("no IPv6 loopback here: " + e.Message);
        }
        server.ReceiveTimeout = 5000;
        using var driver = Driver(("syslog-address", $"udp://{host}:{((IPEndPoint)server.LocalEndPoint!).Port}"), ("syslog-format", "rfc3164"));
        Add(driver, "over udp");
        driver.Flush();
        Assert.That(Datagram(server), Is.EqualTo($"<30>Jan  2 03:04:05 h t[{Environment.ProcessId}]: over udp\n"));
    }
}

internal static class SyslogConnectionPaths
{
    /// <summary>Local paths that exist nowhere, so no test writes to the machine's real /dev/log.</summary>
    public static readonly IReadOnlyList<string> Default = ["/nonexistent/containerlogger-test/log"];
}
