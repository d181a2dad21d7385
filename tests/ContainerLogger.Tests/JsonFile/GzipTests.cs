using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ContainerLogger.Drivers.JsonFile;
using ContainerLogger.Files;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.JsonFile;

/// <summary>compress=true: rotated files become .gz with Docker's {"lastTime":…} in the gzip header's FEXTRA.</summary>
public class GzipTests
{
    private static string Text100(int i) => $"record {i:D4} " + new string('x', 27);

    private static byte[] Gunzip(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The FEXTRA bytes of a gzip file's header.</summary>
    private static string Extra(byte[] gzip)
    {
        Assert.That(gzip[0..3], Is.EqualTo(new byte[] { 0x1F, 0x8B, 8 }));
        Assert.That(gzip[3] & 0x04, Is.EqualTo(0x04), "FEXTRA flag");
        int length = BinaryPrimitives.ReadUInt16LittleEndian(gzip.AsSpan(10));
        return Encoding.ASCII.GetString(gzip, 12, length);
    }

    [TestCase("index")]
    [TestCase("timestamp")]
    public void Rotated_files_are_gzipped_with_lastTime_of_their_last_record(string naming)
    {
        using var rig = new JsonFileRig($"\"max-size\":\"1k\",\"max-file\":\"3\",\"compress\":\"true\",\"rotate-naming\":\"{naming}\"");
        for (int i = 0; i < 35; i++)
        {
            rig.Add(Text100(i), i);
            rig.Driver.Flush();
        }
        rig.Driver.Dispose(); // waits for the compression in progress
        var files = rig.Files();
        Assert.That(files, Has.Count.EqualTo(3));
        Assert.That(files[0], Is.EqualTo("c-json.log"));
        Assert.That(files.Skip(1), Has.All.EndsWith(".gz"), "no uncompressed rotated file is left");
        // Index: .1.gz newest; timestamp: names sort oldest first.
        var older = naming == "index" ? files[2] : files[1];
        var newer = naming == "index" ? files[1] : files[2];
        if (naming == "index") Assert.That(files.Skip(1), Is.EqualTo(new[] { "c-json.log.1.gz", "c-json.log.2.gz" }));

        Assert.That(Encoding.UTF8.GetString(Gunzip(rig.Directory.Combine(older))), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 10, 20)));
        Assert.That(Encoding.UTF8.GetString(Gunzip(rig.Directory.Combine(newer))), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 20, 30)));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.ExpectedRange(Text100, 30, 35)));

        Assert.That(Extra(File.ReadAllBytes(rig.Directory.Combine(older))), Is.EqualTo("{\"lastTime\":\"2024-01-02T03:04:24Z\"}"));
        Assert.That(Extra(File.ReadAllBytes(rig.Directory.Combine(newer))), Is.EqualTo("{\"lastTime\":\"2024-01-02T03:04:34Z\"}"));
        Assert.That(File.GetUnixFileMode(rig.Directory.Combine(newer)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
    }

    [Test]
    public void lastTime_is_the_last_record_s_time_in_RFC3339Nano_even_when_records_share_a_batch()
    {
        using var rig = new JsonFileRig("\"max-size\":\"1k\",\"max-file\":\"2\",\"compress\":\"true\"");
        var t = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        for (int i = 0; i < 11; i++)
        {
            var text = Text100(i);
            Assert.That(rig.Driver.TryAdd(new ContainerLogger.Drivers.LogRecord(Encoding.UTF8.GetBytes(text), ContainerLogger.Drivers.LogStream.Stdout,
                t.AddTicks(i * 1_200_000).Ticks)), Is.True);
        }
        rig.Driver.Flush();
        rig.Driver.Dispose();
        // Record 9 (the tenth, the last in the rotated file) is at 09 + 1.08s.
        Assert.That(Extra(File.ReadAllBytes(rig.Path + ".1.gz")), Is.EqualTo("{\"lastTime\":\"2024-05-06T07:08:10.08Z\"}"));
        Assert.That(Gunzip(rig.Path + ".1.gz").Length, Is.EqualTo(1026), "fractions lengthen the times: ten records make 1026 bytes");
    }

    [Test]
    public void A_rotated_file_emptied_by_copytruncate_still_gzips_to_a_valid_empty_file()
    {
        using var rig = new JsonFileRig("\"max-size\":\"1k\",\"max-file\":\"2\",\"compress\":\"true\"");
        for (int i = 0; i < 10; i++) rig.Add(Text100(i), i);
        rig.Driver.Flush();
        File.WriteAllText(rig.Path, ""); // an external copytruncate; the driver still counts the 1000 bytes it wrote, as Docker does
        rig.Add(Text100(10), 10);
        rig.Driver.Flush();
        rig.Driver.Dispose();
        Assert.That(rig.Files(), Is.EqualTo(new[] { "c-json.log", "c-json.log.1.gz" }));
        Assert.That(Gunzip(rig.Path + ".1.gz"), Is.Empty);
        Assert.That(Extra(File.ReadAllBytes(rig.Path + ".1.gz")), Is.EqualTo("{\"lastTime\":\"2024-01-02T03:04:14Z\"}"));
        Assert.That(rig.Read(), Is.EqualTo(JsonFileRig.Expected(Text100(10), 10)));
    }

    [Test]
    public void Gzip_with_extra_has_Go_header_fields_and_a_correct_trailer()
    {
        using var dir = new TempDirectory();
        var source = dir.Combine("in");
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n")));
        File.WriteAllBytes(source, content);
        FinishedFile.Write(source, dir.Combine("out.gz"), compress: true, "{\"lastTime\":\"x\"}"u8, recipients: null);
        var gzip = File.ReadAllBytes(dir.Combine("out.gz"));
        Assert.That(gzip[..12], Is.EqualTo(new byte[] { 0x1F, 0x8B, 8, 4, 0, 0, 0, 0, 0, 0xFF, 16, 0 }), "magic, deflate, FEXTRA, MTIME 0, XFL 0, OS unknown, XLEN");
        Assert.That(Extra(gzip), Is.EqualTo("{\"lastTime\":\"x\"}"));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 8)), Is.EqualTo(Crc32.Append(0, content)));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4)), Is.EqualTo((uint)content.Length));
        Assert.That(Gunzip(dir.Combine("out.gz")), Is.EqualTo(content));
        Assert.That(File.Exists(source), Is.True, "the caller removes the source");
    }

    [Test]
    public void Gzip_of_an_empty_file_is_valid()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("in"), []);
        FinishedFile.Write(dir.Combine("in"), dir.Combine("out.gz"), compress: true, "{}"u8, recipients: null);
        Assert.That(Gunzip(dir.Combine("out.gz")), Is.Empty);
    }

    [Test]
    public void Crc32_matches_the_IEEE_check_values()
    {
        Assert.That(Crc32.Append(0, "123456789"u8), Is.EqualTo(0xCBF43926u));
        Assert.That(Crc32.Append(0, ""u8), Is.EqualTo(0u));
        Assert.That(Crc32.Append(0, "The quick brown fox jumps over the lazy dog"u8), Is.EqualTo(0x414FA339u));
        Assert.That(Crc32.Append(Crc32.Append(0, "12345"u8), "6789"u8), Is.EqualTo(0xCBF43926u), "continues across calls");
    }

    [Test]
    public void LastTime_extra_is_Docker_s_rotateFileMetadata() =>
        Assert.That(Encoding.ASCII.GetString(RotatingLogFile.LastTimeExtra(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234500).Ticks)),
            Is.EqualTo("{\"lastTime\":\"2024-01-02T03:04:05.12345Z\"}"));
}
