using System.Globalization;
using System.Text.RegularExpressions;
using ContainerLogger.Drivers.JsonFile;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.JsonFile;

/// <summary>
/// Rotation (docker-logdrivers.md 11.4, CONTRACT.md section 8), through the driver. A record for a 39-character line
/// is exactly 100 bytes, so with max-size=1k (1000 bytes) ten records fill a file.
/// </summary>
public class RotationTests
{
    private static string Text100(int i) => $"record {i:D4} " + new string('x', 27); // 39 characters

    [Test]
    public void A_39_character_line_makes_a_100_byte_record() =>
        Assert.That(JsonFileRig.Expected(Text100(1), 1).Length, Is.EqualTo(100));

    [TestCase(true)]
    [TestCase(false)]
    public void Index_naming_keeps_max_file_files_with_dot_1_newest(bool flushEachRecord)
    {
        using var rig = new JsonFileRig("\"max-size\":\"1k\",\"max-file\":\"3\"");
        for (int i = 0; i < 35; i++)
        {
            rig.Add(Text100(i), i);
            if (flushEachRecord) rig.Driver.Flush();
        }
        rig.Driver.Flush();
        Assert.That(rig.Driver.PendingCount, Is.EqualTo(0));
        Assert.That(rig.Files(), Is.EqualTo(new[] { "c-json.log", "c-json.log.1", "c-json.log.2" }));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 30, 35)));
        Assert.That(rig.Read(".1"), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 20, 30)));
        Assert.That(rig.Read(".2"), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 10, 20)));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_file_ends_with_the_record_that_takes_it_to_or_past_max_size(bool flushEachRecord)
    {
        // 150-byte records: the seventh takes the file to 1050 bytes; the eighth goes to a new file.
        static string Text150(int i) => $"r{i:D2}" + new string('y', 86);
        Assert.That(JsonFileRig.Expected(Text150(0), 0).Length, Is.EqualTo(150));
        using var rig = new JsonFileRig("\"max-size\":\"1k\",\"max-file\":\"2\"");
        for (int i = 0; i < 10; i++)
        {
            rig.Add(Text150(i), i);
            if (flushEachRecord) rig.Driver.Flush();
        }
        rig.Driver.Flush();
        Assert.That(rig.Files(), Is.EqualTo(new[] { "c-json.log", "c-json.log.1" }));
        Assert.That(rig.Read(".1"), Is.EqualTo(JsonFileRig.ExpectedRange(Text150, 0, 7)));
        Assert.That(new FileInfo(rig.Path + ".1").Length, Is.EqualTo(1050));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text150, 7, 10)));
    }

    [Test]
    public void Max_size_is_decimal_and_a_file_one_byte_short_takes_one_more_record()
    {
        using var rig = new JsonFileRig("\"max-size\":\"1001\",\"max-file\":\"2\"");
        for (int i = 0; i < 12; i++) rig.Add(Text100(i), i);
        rig.Driver.Flush();
        Assert.That(rig.Read(".1"), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 0, 11)), "1000 bytes < 1001: the 11th record still goes in");
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 11, 12)));
    }

    [Test]
    public void Max_file_1_truncates_and_keeps_no_rotated_file()
    {
        using var rig = new JsonFileRig("\"max-size\":\"1k\"");
        for (int i = 0; i < 25; i++) rig.Add(Text100(i), i);
        rig.Driver.Flush();
        Assert.That(rig.Files(), Is.EqualTo(new[] { "c-json.log" }));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 20, 25)));
    }

    [Test]
    public void Without_max_size_there_is_no_rotation()
    {
        using var rig = new JsonFileRig("\"max-file\":\"3\"");
        for (int i = 0; i < 300; i++) rig.Add(Text100(i), i);
        rig.Driver.Flush();
        Assert.That(rig.Files(), Is.EqualTo(new[] { "c-json.log" }));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 0, 300)));
    }

    [Test]
    public void Existing_file_is_appended_to_and_its_size_counts()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("c-json.log");
        var old = new string('o', 949) + "\n";
        File.WriteAllText(path, old);
        using (var rig = new JsonFileRigAt(path, "\"max-size\":\"1k\",\"max-file\":\"2\""))
        {
            rig.Add(Text100(0), 0);
            rig.Add(Text100(1), 1);
            rig.Driver.Flush();
        }
        Assert.That(File.ReadAllText(path + ".1"), Is.EqualTo(old + JsonFileRig.Expected(Text100(0), 0)));
        Assert.That(File.ReadAllText(path), Is.EqualTo(JsonFileRig.Expected(Text100(1), 1)));
    }

    [Test]
    public void Timestamp_naming_uses_the_UTC_rotation_time_and_prunes_the_oldest()
    {
        using var rig = new JsonFileRig("\"max-size\":\"1k\",\"max-file\":\"3\",\"rotate-naming\":\"timestamp\"");
        var before = DateTime.UtcNow.AddSeconds(-1);
        for (int i = 0; i < 45; i++)
        {
            rig.Add(Text100(i), i);
            rig.Driver.Flush();
        }
        var after = DateTime.UtcNow.AddSeconds(1);
        var files = rig.Files();
        Assert.That(files, Has.Count.EqualTo(3));
        Assert.That(files[0], Is.EqualTo("c-json.log"));
        var rotated = files.Skip(1).ToList();
        foreach (var name in rotated)
        {
            var match = Regex.Match(name, @"^c-json\.log\.(\d{8}T\d{6}Z)(_\d{3})?$");
            Assert.That(match.Success, Is.True, name);
            var stamp = DateTime.ParseExact(match.Groups[1].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            Assert.That(stamp, Is.InRange(before, after));
        }
        // Names sort in rotation order: the older kept file holds records 20-29, the newer 30-39.
        Assert.That(rig.Read(rotated[0][10..]), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 20, 30)));
        Assert.That(rig.Read(rotated[1][10..]), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 30, 40)));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 40, 45)));
    }

    [Test]
    public void Timestamp_names_in_the_same_second_get_numbered_suffixes()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("c-json.log");
        var clock = new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        var rotation = new TimestampRotation(path, 10, () => clock);
        string Rotate(TimestampRotation rotation, string content)
        {
            File.WriteAllText(path, content);
            Assert.That(rotation.MoveAside(out int errno), Is.True);
            Assert.That(errno, Is.Zero);
            return Path.GetFileName(rotation.LastRotated);
        }
        Assert.That(Rotate(rotation, "a"), Is.EqualTo("c-json.log.20240102T030405Z"));
        Assert.That(Rotate(rotation, "b"), Is.EqualTo("c-json.log.20240102T030405Z_001"));
        Assert.That(Rotate(rotation, "c"), Is.EqualTo("c-json.log.20240102T030405Z_002"));
        clock = clock.AddSeconds(1);
        Assert.That(Rotate(rotation, "d"), Is.EqualTo("c-json.log.20240102T030406Z"));
        Assert.That(File.Exists(path), Is.False);
        Assert.That(Directory.EnumerateFiles(dir.Path).Order(StringComparer.Ordinal).Select(File.ReadAllText), Is.EqualTo(new[] { "a", "b", "c", "d" }),
            "names sort in rotation order");

        // Keeping two (a later run lists the directory again): the two oldest go, whatever their suffixes; a
        // compressed one goes with its .gz.
        File.Move(dir.Combine("c-json.log.20240102T030405Z_001"), dir.Combine("c-json.log.20240102T030405Z_001.gz"));
        Assert.That(Rotate(new TimestampRotation(path, 2, () => clock), "e"), Is.EqualTo("c-json.log.20240102T030406Z_001"));
        Assert.That(Directory.EnumerateFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "c-json.log.20240102T030406Z", "c-json.log.20240102T030406Z_001" }));
    }

    [Test]
    public void Timestamp_rotation_ignores_unrelated_files_and_a_missing_live_file()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("c-json.log");
        foreach (var other in new[] { "c-json.log.1", "c-json.log.bak", "c-json.log.20240102T030405", "other.log.20240102T030405Z", "c-json.log.20240102T030405Z_1" })
            File.WriteAllText(dir.Combine(other), "keep");
        var rotation = new TimestampRotation(path, 1, () => new DateTime(2030, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        Assert.That(rotation.MoveAside(out int errno), Is.False, "nothing to rotate");
        Assert.That(errno, Is.Zero);
        File.WriteAllText(path, "live");
        Assert.That(rotation.MoveAside(out errno), Is.True);
        Assert.That(rotation.LastRotated, Is.EqualTo(path + ".20300506T070809Z"));
        Assert.That(Directory.EnumerateFiles(dir.Path).Count(), Is.EqualTo(6), "only files named <file>.YYYYmmddTHHMMSSZ[_NNN] are rotated files");
    }

    /// <summary>Index rotation of <paramref name="path"/>: &lt;file&gt;.1 when the live file moved, null when there was none.</summary>
    private static string? MoveAside(string path, int keep, string extension)
    {
        var rotation = new IndexRotation(path, keep, extension);
        bool moved = rotation.MoveAside(out int errno);
        Assert.That(errno, Is.Zero, "no step failed");
        return moved ? rotation.FirstRotated : null;
    }

    [Test]
    public void Index_rotation_shifts_files_and_deletes_the_oldest()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("f.log");
        File.WriteAllText(path, "live");
        File.WriteAllText(path + ".1", "one");
        File.WriteAllText(path + ".2", "two");
        Assert.That(MoveAside(path, 2, ""), Is.EqualTo(path + ".1"));
        Assert.That(File.ReadAllText(path + ".1"), Is.EqualTo("live"));
        Assert.That(File.ReadAllText(path + ".2"), Is.EqualTo("one"));
        Assert.That(File.Exists(path), Is.False);
        Assert.That(Directory.EnumerateFiles(dir.Path).Count(), Is.EqualTo(2));

        File.WriteAllText(path + ".1.gz", "gz-one");
        File.WriteAllText(path + ".2.gz", "gz-two");
        File.Delete(path + ".1");
        File.WriteAllText(path, "live2");
        Assert.That(MoveAside(path, 2, ".gz"), Is.EqualTo(path + ".1"));
        Assert.That(File.ReadAllText(path + ".2.gz"), Is.EqualTo("gz-one"));
        Assert.That(File.ReadAllText(path + ".1"), Is.EqualTo("live2"), "compressed afterwards by the driver");
        Assert.That(MoveAside(path, 2, ".gz"), Is.Null, "no live file");
    }

    [TestCase(".age")]
    [TestCase(".gz.age")]
    public void Index_rotation_shifts_and_prunes_encrypted_names(string extension)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("f.log");
        File.WriteAllText(path, "live");
        File.WriteAllText(path + ".1" + extension, "one");
        File.WriteAllText(path + ".2" + extension, "two");
        Assert.That(MoveAside(path, 2, extension), Is.EqualTo(path + ".1"));
        Assert.That(Directory.EnumerateFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "f.log.1", "f.log.2" + extension }), "the oldest went, .1 moved up, the live file waits to be encrypted");
        Assert.That(File.ReadAllText(path + ".2" + extension), Is.EqualTo("one"));
    }

    [Test]
    public void Timestamp_rotation_lists_and_prunes_encrypted_names()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("c-json.log");
        foreach (var name in new[] { "c-json.log.20240102T030405Z.age", "c-json.log.20240102T030405Z_001.gz.age", "c-json.log.20240102T030406Z.gz" })
            File.WriteAllText(dir.Combine(name), name);
        File.WriteAllText(path, "live");
        var rotation = new TimestampRotation(path, 2, () => new DateTime(2024, 1, 2, 3, 4, 7, DateTimeKind.Utc));
        Assert.That(rotation.MoveAside(out int errno), Is.True);
        Assert.That(errno, Is.Zero);
        Assert.That(rotation.LastRotated, Is.EqualTo(path + ".20240102T030407Z"));
        Assert.That(Directory.EnumerateFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "c-json.log.20240102T030406Z.gz", "c-json.log.20240102T030407Z" }), "the two oldest went, .age and .gz.age alike");
    }
}

/// <summary>A rig for a file that already exists at <paramref name="path"/>.</summary>
internal sealed class JsonFileRigAt : IDisposable
{
    public JsonFileRigAt(string path, string options)
    {
        var loaded = Env.Load("{\"path\":\"" + System.Text.Json.JsonEncodedText.Encode(path) + "\"," + options + "}");
        Assert.That(loaded.Errors, Is.Empty);
        Driver = JsonFileDriver.Descriptor.Create(loaded.CreateContext(new ContainerLogger.Drivers.Diagnostics(TextWriter.Null)));
    }

    public ContainerLogger.Drivers.LogDriver Driver { get; }

    public void Add(string text, int i) =>
        Assert.That(Driver.TryAdd(new ContainerLogger.Drivers.LogRecord(System.Text.Encoding.UTF8.GetBytes(text), ContainerLogger.Drivers.LogStream.Stdout, JsonFileRig.T0.AddSeconds(i).Ticks)), Is.True);

    public void Dispose() => Driver.Dispose();
}
