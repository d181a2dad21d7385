using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.JsonFile;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.JsonFile;

/// <summary>The json-file driver's file handling and records, through its public surface.</summary>
public class JsonFileDriverTests
{
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    [Test]
    public void File_is_created_at_start_with_mode_0640_and_parent_directories()
    {
        using var rig = new JsonFileRig(fileName: Path.Combine("a", "b", "c", "c-json.log"));
        Assert.That(File.Exists(rig.Path), Is.True, "created at start, as Docker does");
        Assert.That(File.GetUnixFileMode(rig.Path), Is.EqualTo(Mode0640));
        Assert.That(rig.Read(), Is.Empty);
    }

    [Test]
    public void Rotated_live_file_is_recreated_with_mode_0640()
    {
        using var rig = new JsonFileRig("\"max-size\":\"1k\",\"max-file\":\"2\"");
        for (int i = 0; i < 11; i++) rig.Add("line " + i, i);
        rig.Driver.Flush();
        Assert.That(File.GetUnixFileMode(rig.Path), Is.EqualTo(Mode0640));
    }

    [Test]
    public void Records_of_every_kind_are_written_as_Docker_does()
    {
        using var rig = new JsonFileRig("\"tag\":\"web\"");
        var id = Encoding.ASCII.GetBytes(new string('c', 64));
        long t = JsonFileRig.T0.Ticks;
        rig.Driver.TryAdd(new LogRecord("plain"u8, LogStream.Stdout, t));
        rig.Driver.TryAdd(new LogRecord("oops\r"u8, LogStream.Stderr, t + 1));
        rig.Driver.TryAdd(new LogRecord(""u8, LogStream.Stdout, t + 2));
        rig.Driver.TryAdd(new LogRecord("par"u8, LogStream.Stdout, t + 30, RecordFlags.Partial, 1, id));
        rig.Driver.TryAdd(new LogRecord("tial"u8, LogStream.Stdout, t + 30, RecordFlags.Partial | RecordFlags.Last, 2, id));
        rig.Driver.TryAdd(new LogRecord("eof"u8, LogStream.Stdout, t + 4_000_000, RecordFlags.Partial | RecordFlags.Last | RecordFlags.Unterminated, 1, id));
        Assert.That(rig.Driver.PendingCount, Is.EqualTo(6));
        rig.Driver.Flush();
        Assert.That(rig.Driver.PendingCount, Is.EqualTo(0));
        Assert.That(rig.Read(), Is.EqualTo(
            "{\"log\":\"plain\\n\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"web\"},\"time\":\"2024-01-02T03:04:05Z\"}\n" +
            "{\"log\":\"oops\\r\\n\",\"stream\":\"stderr\",\"attrs\":{\"tag\":\"web\"},\"time\":\"2024-01-02T03:04:05.0000001Z\"}\n" +
            "{\"log\":\"\\n\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"web\"},\"time\":\"2024-01-02T03:04:05.0000002Z\"}\n" +
            "{\"log\":\"par\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"web\"},\"time\":\"2024-01-02T03:04:05.000003Z\"}\n" +
            "{\"log\":\"tial\\n\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"web\"},\"time\":\"2024-01-02T03:04:05.000003Z\"}\n" +
            "{\"log\":\"eof\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"web\"},\"time\":\"2024-01-02T03:04:05.4Z\"}\n"));
    }

    [Test]
    public void Labels_and_env_become_sorted_attrs()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("x.log");
        var config = Env.Load("{\"path\":\"" + System.Text.Json.JsonEncodedText.Encode(path) + "\",\"labels\":\"team,tag\",\"env\":\"LANG\",\"tag\":\"{{.ID}}\"}",
            ("DOCKERLOG_LABELS", """{"team":"a<b","tag":"label-tag","other":"no"}"""),
            ("DOCKERLOG_ENV", """["LANG=C.UTF-8","HOME=/root"]"""));
        Assert.That(config.Errors, Is.Empty);
        using (var driver = JsonFileDriver.Descriptor.Create(config.CreateContext(new Diagnostics(TextWriter.Null))))
        {
            driver.TryAdd(new LogRecord("x"u8, LogStream.Stdout, JsonFileRig.T0.Ticks));
            driver.Flush();
        }
        Assert.That(File.ReadAllText(path), Is.EqualTo(
            "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"attrs\":{\"LANG\":\"C.UTF-8\",\"tag\":\"a7317399f3f8\",\"team\":\"a\\u003cb\"},\"time\":\"2024-01-02T03:04:05Z\"}\n"));
    }

    [Test]
    public void Default_path_is_under_var_log_containerlogger()
    {
        var config = Env.Valid();
        Assert.That(JsonFileOptions.ResolvePath(config.Options, config.Info!), Is.EqualTo("/var/log/containerlogger/" + Env.ContainerId + "-json.log"));
    }

    [Test]
    public void A_flush_that_fails_keeps_every_record_and_a_later_flush_writes_each_once()
    {
        using var dir = new TempDirectory();
        var blocker = dir.Combine("logs");
        File.WriteAllText(blocker, "a file where the directory should be");
        var path = Path.Combine(blocker, "c-json.log");
        var diagnostics = new StringWriter();
        var config = Env.Valid("{\"path\":\"" + System.Text.Json.JsonEncodedText.Encode(path) + "\"}");
        using var driver = JsonFileDriver.Descriptor.Create(config.CreateContext(new Diagnostics(diagnostics)));
        Assert.That(diagnostics.ToString(), Does.StartWith("containerlogger: json-file: "), "the failure at start is reported, not fatal");

        for (int i = 0; i < 3; i++) driver.TryAdd(new LogRecord(Encoding.ASCII.GetBytes("line " + i), LogStream.Stdout, JsonFileRig.T0.AddSeconds(i).Ticks));
        Assert.That(driver.FlushFails(), Does.Contain(path).And.Contain("opening: Not a directory"));
        Assert.That(driver.PendingCount, Is.EqualTo(3));
        driver.FlushFails();
        Assert.That(driver.PendingCount, Is.EqualTo(3));

        File.Delete(blocker);
        driver.Flush();
        Assert.That(driver.PendingCount, Is.EqualTo(0));
        Assert.That(File.ReadAllText(path), Is.EqualTo(JsonFileRig.ExpectedRange(i => "line " + i, 0, 3)));
        driver.Flush();
        Assert.That(File.ReadAllText(path), Is.EqualTo(JsonFileRig.ExpectedRange(i => "line " + i, 0, 3)), "an empty flush writes nothing");
    }

    [Test]
    public void Reopen_writes_to_whatever_is_at_the_path_now()
    {
        using var rig = new JsonFileRig();
        rig.Add("before", 0);
        rig.Driver.Flush();
        File.Move(rig.Path, rig.Path + ".moved");
        rig.Driver.Reopen();
        rig.Add("after", 1);
        rig.Driver.Flush();
        Assert.That(rig.Read(".moved"), Is.EqualTo(JsonFileRig.Expected("before", 0)));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.Expected("after", 1)));
        Assert.That(File.GetUnixFileMode(rig.Path), Is.EqualTo(Mode0640));
    }

    [Test]
    public void Writes_append_after_an_external_truncation()
    {
        using var rig = new JsonFileRig();
        rig.Add("one", 0);
        rig.Driver.Flush();
        File.WriteAllText(rig.Path, ""); // copytruncate
        rig.Add("two", 1);
        rig.Driver.Flush();
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.Expected("two", 1)), "O_APPEND: no hole of zeros before the new record");
    }

    [Test]
    public void Batch_takes_records_until_about_256k_then_refuses_and_an_empty_batch_takes_any_size()
    {
        using var rig = new JsonFileRig();
        var line = Encoding.ASCII.GetBytes(new string('z', 16384));
        int taken = 0;
        while (rig.Driver.TryAdd(new LogRecord(line, LogStream.Stdout, JsonFileRig.T0.Ticks))) taken++;
        Assert.That(taken, Is.InRange(2, 16), "a batch stops near 256 KiB, counting the worst-case escaped size");
        Assert.That(rig.Driver.PendingCount, Is.EqualTo(taken));
        rig.Driver.Flush();
        var huge = Encoding.ASCII.GetBytes(new string('h', 1 << 20));
        Assert.That(rig.Driver.TryAdd(new LogRecord(huge, LogStream.Stdout, JsonFileRig.T0.Ticks)), Is.True);
        rig.Driver.Flush();
        var lines = rig.Read().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(taken + 1));
        Assert.That(lines[^1], Has.Length.EqualTo((1 << 20) + "{\"log\":\"\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}".Length));
    }
}
