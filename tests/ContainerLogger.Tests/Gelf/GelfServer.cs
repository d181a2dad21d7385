using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Gelf;

/// <summary>
/// An independent GELF server for the end-to-end tests: receiver/gelf-receiver.js, which decodes UDP with the npm
/// package graygelf and reads NUL-delimited TCP, printing each message as a JSON line. Listens on 127.0.0.1.
/// </summary>
internal sealed class GelfServer : IDisposable
{
    private static readonly string ReceiverDirectory = FindReceiverDirectory();

    private readonly string _transport;
    private readonly List<JsonElement> _messages = [];
    private Process? _node;

    private GelfServer(string transport, int port)
    {
        _transport = transport;
        Port = port;
    }

    public int Port { get; }

    public IReadOnlyList<JsonElement> Messages
    {
        get { lock (_messages) return [.. _messages]; }
    }

    public static GelfServer Start(string transport)
    {
        var server = new GelfServer(transport, FreePort(transport));
        server.Listen();
        return server;
    }

    /// <summary>Starts node on the same port again (after <see cref="Stop"/>).</summary>
    public void Listen()
    {
        if (!File.Exists(Path.Combine(ReceiverDirectory, "node_modules", "graygelf", "server.js")))
            Assert.Fail($"graygelf is not installed in {ReceiverDirectory}: run ./build.sh test (it runs npm ci there)");
        var start = new ProcessStartInfo("node") { WorkingDirectory = ReceiverDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "gelf-receiver.js", _transport, Port.ToString() }) start.ArgumentList.Add(arg);
        var node = Process.Start(start)!;
        var listening = new TaskCompletionSource();
        node.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            using var doc = JsonDocument.Parse(e.Data);
            lock (_messages) _messages.Add(doc.RootElement.Clone());
        };
        node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == "listening") listening.TrySetResult();
            else if (e.Data is not null) TestContext.Progress.WriteLine("gelf-receiver: " + e.Data);
        };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        _node = node;
        if (!listening.Task.Wait(TimeSpan.FromSeconds(15))) Assert.Fail("the GELF receiver did not start listening within 15 s");
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived; returns them.</summary>
    public IReadOnlyList<JsonElement> WaitFor(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Messages.Count < count && clock.Elapsed < timeout) Thread.Sleep(20);
        var messages = Messages;
        Assert.That(messages, Has.Count.GreaterThanOrEqualTo(count), $"GELF messages received within {timeout.TotalSeconds:0} s");
        return messages;
    }

    public void Stop() => ChildProcess.Stop(ref _node);

    public void Dispose() => Stop();

    private static int FreePort(string transport)
    {
        using var socket = transport == "udp"
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string FindReceiverDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContainerLogger.sln")))
                return Path.Combine(dir.FullName, "tests", "ContainerLogger.Tests", "Gelf", "receiver");
        throw new DirectoryNotFoundException("ContainerLogger.sln not found above " + AppContext.BaseDirectory);
    }
}
