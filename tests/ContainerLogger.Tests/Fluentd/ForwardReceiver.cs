using System.Diagnostics;
using System.Text.Json;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Fluentd;

/// <summary>
/// forward_receiver.py under Debian's python3 with python3-msgpack (a decoder that is not ours), on 127.0.0.1 or a
/// unix socket. Each event arrives as a JSON line: tag, time [seconds, nanoseconds], record.
/// </summary>
internal sealed class ForwardReceiver : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Fluentd", "forward_receiver.py");

    private readonly string _transport;
    private readonly string _behaviour;
    private readonly List<JsonElement> _events = [];
    private Process? _python;

    private ForwardReceiver(string transport, string address, string behaviour)
    {
        _transport = transport;
        Address = address;
        _behaviour = behaviour;
    }

    /// <summary>The port (tcp) or socket path (unix) it listens on.</summary>
    public string Address { get; private set; }

    public IReadOnlyList<JsonElement> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    public static ForwardReceiver Start(string transport, string address = "0", string behaviour = "ack")
    {
        var receiver = new ForwardReceiver(transport, address, behaviour);
        receiver.Listen();
        return receiver;
    }

    /// <summary>Starts python on the same address again (after <see cref="Stop"/>).</summary>
    public void Listen()
    {
        if (_transport == "unix") File.Delete(Address);
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Script, _transport, Address, _behaviour }) start.ArgumentList.Add(arg);
        var python = Process.Start(start)!;
        var listening = new TaskCompletionSource<string>();
        python.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            using var doc = JsonDocument.Parse(e.Data);
            lock (_events) _events.Add(doc.RootElement.Clone());
        };
        python.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening ", StringComparison.Ordinal) == true) listening.TrySetResult(e.Data["listening ".Length..]);
            else if (e.Data is not null) TestContext.Progress.WriteLine("forward_receiver: " + e.Data);
        };
        python.BeginOutputReadLine();
        python.BeginErrorReadLine();
        _python = python;
        if (!listening.Task.Wait(TimeSpan.FromSeconds(15)))
            Assert.Fail($"the forward receiver did not start within 15 s (is python3-msgpack installed for {Python}?)");
        Address = listening.Task.Result;
    }

    public IReadOnlyList<JsonElement> WaitFor(int count, TimeSpan timeout, Func<IReadOnlyList<JsonElement>, int>? counter = null)
    {
        var clock = Stopwatch.StartNew();
        counter ??= events => events.Count;
        while (counter(Events) < count && clock.Elapsed < timeout) Thread.Sleep(20);
        var events = Events;
        Assert.That(counter(events), Is.GreaterThanOrEqualTo(count), $"events received within {timeout.TotalSeconds:0} s");
        return events;
    }

    public void Stop() => ChildProcess.Stop(ref _python);

    public void Dispose()
    {
        Stop();
        if (_transport == "unix") File.Delete(Address);
    }
}
