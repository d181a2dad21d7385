namespace ContainerLogger.Tests.EndToEnd;

/// <summary>CONTRACT.md sections 2 and 7: --stdout/--stderr sources, --tty, SIGUSR1 counters, SIGHUP reopen.</summary>
[TestFixture]
[Category("EndToEnd")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InputsAndSignalsTests
{
    [TestCase("stdout")]
    [TestCase("stderr")]
    public async Task APathSourceIsReadAndNoneDisablesTheOtherStream(string stream)
    {
        using var dir = new TempDir();
        string fifo = Fifo.Create(dir["app.fifo"]);
        var start = new LoggerStart();
        start.Config["path"] = dir["container-json.log"];
        string other = stream == "stdout" ? "stderr" : "stdout";
        start.Arguments.AddRange([$"--{stream}", fifo, $"--{other}", "none"]);
        await using var logger = LoggerProcess.Start(start);

        var writer = await logger.OpenWriterAsync(fifo);
        var lines = BufferTests.Lines(stream == "stdout" ? "out" : "err", 1_000, new Random(1));
        await BufferTests.WaitOrFail(Task.Run(() =>
        {
            foreach (var line in lines) writer.Write(line + "\n");
            writer.Dispose();
        }), logger, "writing");
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exits at EOF of its only input{logger.Describe()}");

        var records = JsonFileOutput.Read(start.Config["path"]);
        Assert.That(records.Select(r => r.Stream).Distinct(), Is.EqualTo(new[] { stream }), "every record from the one stream");
        JsonFileOutput.AssertSameLines(lines, records.Select(r => r.Log!.TrimEnd('\n')).ToList(), stream);
        var summary = logger.Summary();
        Assert.That(summary.ReadLines(stream), Is.EqualTo(1_000));
        Assert.That(summary.ReadLines(other), Is.Zero);
    }

    [Test]
    public async Task TtyReadsOneMergedStreamReportedAsStdout()
    {
        using var dir = new TempDir();
        var start = new LoggerStart();
        start.Config["path"] = dir["container-json.log"];
        start.Arguments.Add("--tty");
        start.InputFifos[3] = Fifo.Create(dir["tty.fifo"]); // no descriptor 4: a TTY has one stream
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();

        var lines = new List<string>();
        for (int i = 0; i < 500; i++) lines.Add(i % 2 == 0 ? $"out-{i:D6} to stdout\r" : $"err-{i:D6} to stderr\r");
        await BufferTests.WaitOrFail(Task.Run(() =>
        {
            foreach (var line in lines) logger.Input(3).Write(line + "\n");
            logger.CloseInputs();
        }), logger, "writing");
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");

        var records = JsonFileOutput.Read(start.Config["path"]);
        Assert.That(records.Select(r => r.Stream).Distinct(), Is.EqualTo(new[] { "stdout" }), "the merged stream is reported as stdout");
        JsonFileOutput.AssertSameLines(lines, records.Select(r => r.Log!.TrimEnd('\n')).ToList(), "tty");
        var summary = logger.Summary();
        Assert.That(summary.ReadLines("stdout"), Is.EqualTo(500));
        Assert.That(summary.ReadLines("stderr"), Is.Zero);
    }

    [Test]
    public async Task Sigusr1PrintsCountersWhileRunning()
    {
        using var dir = new TempDir();
        var start = new LoggerStart();
        start.Config["path"] = dir["container-json.log"];
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync();

        var stdout = BufferTests.Lines("out", 300, new Random(2));
        var stderr = BufferTests.Lines("err", 120, new Random(3));
        await BufferTests.WriteConcurrently(logger, (3, stdout), (4, stderr));
        var counters = await logger.WaitForCountersAsync(c => c.Delivered == 420, "420 lines delivered");
        Assert.That(counters.Text, Does.StartWith("containerlogger: counters "), "prefixed, labelled line");
        Assert.That(counters.ReadLines("stdout"), Is.EqualTo(300));
        Assert.That(counters.ReadBytes("stdout"), Is.EqualTo(stdout.Sum(l => l.Length + 1)));
        Assert.That(counters.ReadLines("stderr"), Is.EqualTo(120));
        Assert.That(counters.ReadBytes("stderr"), Is.EqualTo(stderr.Sum(l => l.Length + 1)));
        Assert.That(counters.Undelivered, Is.Zero);
        Assert.That(logger.HasExited, Is.False, "SIGUSR1 does not stop the logger");
        Assert.That(logger.StderrLines.Where(l => l.Contains("summary")), Is.Empty, "no summary before the end");

        // It keeps working after the signal.
        await BufferTests.WriteConcurrently(logger, (3, ["one more"]), (4, ["and another"]));
        await logger.WaitForCountersAsync(c => c.Delivered == 422, "422 lines delivered");
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");
        Assert.That(logger.Summary().Delivered, Is.EqualTo(422));
        Assert.That(JsonFileOutput.Read(start.Config["path"]), Has.Count.EqualTo(422));
    }

    [Test]
    public async Task SighupReopensTheFileAtThePath()
    {
        using var dir = new TempDir();
        var start = new LoggerStart();
        string path = dir["container-json.log"];
        start.Config["path"] = path;
        start.InputFifos[3] = Fifo.Create(dir["stdout.fifo"]);
        start.InputFifos[4] = Fifo.Create(dir["stderr.fifo"]);
        await using var logger = LoggerProcess.Start(start);
        await logger.OpenInputsAsync();
        await logger.WaitForSignalHandlersAsync();

        var before = BufferTests.Lines("out", 200, new Random(4));
        var beforeErr = BufferTests.Lines("err", 50, new Random(5));
        await BufferTests.WriteConcurrently(logger, (3, before), (4, beforeErr));
        await logger.WaitForCountersAsync(c => c.Delivered == 250, "the first lines delivered");

        // What logrotate does: move the file away, then HUP.
        string moved = path + ".moved";
        File.Move(path, moved);
        logger.Signal(Posix.SIGHUP);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail($"no new file at {path} after SIGHUP{logger.Describe()}");
            await Task.Delay(10);
        }

        var after = BufferTests.Lines("out", 300, new Random(6)).Select(l => "after " + l).ToList();
        var afterErr = BufferTests.Lines("err", 70, new Random(7)).Select(l => "after " + l).ToList();
        await BufferTests.WriteConcurrently(logger, (3, after), (4, afterErr));
        await logger.WaitForCountersAsync(c => c.Delivered == 620, "the later lines delivered");
        Assert.That(logger.HasExited, Is.False, "SIGHUP does not stop the logger");
        logger.CloseInputs();
        Assert.That(await logger.WaitForExitAsync(), Is.EqualTo(0), $"exit code{logger.Describe()}");

        var old = JsonFileOutput.Read(moved);
        var current = JsonFileOutput.Read(path);
        JsonFileOutput.AssertSameLines(before, old.Where(r => r.Stream == "stdout").Select(r => r.Log!.TrimEnd('\n')).ToList(), "moved file, stdout");
        JsonFileOutput.AssertSameLines(beforeErr, old.Where(r => r.Stream == "stderr").Select(r => r.Log!.TrimEnd('\n')).ToList(), "moved file, stderr");
        JsonFileOutput.AssertSameLines(after, current.Where(r => r.Stream == "stdout").Select(r => r.Log!.TrimEnd('\n')).ToList(), "new file, stdout");
        JsonFileOutput.AssertSameLines(afterErr, current.Where(r => r.Stream == "stderr").Select(r => r.Log!.TrimEnd('\n')).ToList(), "new file, stderr");
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead), "the new file is 0640");
    }
}
