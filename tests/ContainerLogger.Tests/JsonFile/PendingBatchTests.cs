using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.JsonFile;
using ContainerLogger.Files;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.JsonFile;

/// <summary>The encoded batch and how a write cut short resumes: no record lost or written twice.</summary>
public class PendingBatchTests
{
    private static readonly JsonFileEncoder Encoder = new(new Dictionary<string, string>(), null);

    private static PendingBatch Batch(int count, out string[] records)
    {
        var batch = new PendingBatch();
        records = new string[count];
        for (int i = 0; i < count; i++)
        {
            var text = "record " + i;
            Assert.That(batch.TryAdd(new LogRecord(Encoding.ASCII.GetBytes(text), LogStream.Stdout, JsonFileRig.T0.AddSeconds(i).Ticks), Encoder), Is.True);
            records[i] = JsonFileRig.Expected(text, i);
        }
        return batch;
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    [Test]
    public void Next_run_with_room_takes_everything()
    {
        var batch = Batch(3, out var records);
        Assert.That(batch.UnwrittenRecords, Is.EqualTo(3));
        Assert.That(batch.AtRecordBoundary, Is.True);
        Assert.That(Text(batch.NextRun(long.MaxValue)), Is.EqualTo(string.Concat(records)));
    }

    [Test]
    public void Next_run_stops_after_the_record_that_fills_the_room()
    {
        var batch = Batch(4, out var records);
        int first = records[0].Length;
        Assert.That(Text(batch.NextRun(1)), Is.EqualTo(records[0]), "the next record always goes");
        Assert.That(Text(batch.NextRun(first)), Is.EqualTo(records[0]), "the file is full after it");
        Assert.That(Text(batch.NextRun(first + 1)), Is.EqualTo(records[0] + records[1]), "one byte short of full: one more record");
        Assert.That(Text(batch.NextRun(-5)), Is.EqualTo(records[0]));
    }

    [Test]
    public void Write_cut_inside_a_record_resumes_with_the_rest_of_it()
    {
        var batch = Batch(3, out var records);
        var all = string.Concat(records);
        var written = new StringBuilder();

        var run = batch.NextRun(long.MaxValue);
        int cut = records[0].Length + 5;
        written.Append(Text(run[..cut]));
        Assert.That(batch.MarkWritten(cut), Is.True, "the first record is complete");
        Assert.That(batch.LastWrittenTicks, Is.EqualTo(JsonFileRig.T0.Ticks));
        Assert.That(batch.UnwrittenRecords, Is.EqualTo(2));
        Assert.That(batch.AtRecordBoundary, Is.False);
        Assert.That(Text(batch.RestOfRecord), Is.EqualTo(records[1][5..]));

        written.Append(Text(batch.RestOfRecord[..3]));
        Assert.That(batch.MarkWritten(3), Is.False, "still inside record 1");
        written.Append(Text(batch.RestOfRecord));
        Assert.That(batch.MarkWritten(batch.RestOfRecord.Length), Is.True);
        Assert.That(batch.AtRecordBoundary, Is.True);
        Assert.That(batch.LastWrittenTicks, Is.EqualTo(JsonFileRig.T0.AddSeconds(1).Ticks));

        var rest = batch.NextRun(long.MaxValue);
        written.Append(Text(rest));
        Assert.That(batch.MarkWritten(rest.Length), Is.True);
        Assert.That(batch.UnwrittenRecords, Is.EqualTo(0));
        Assert.That(written.ToString(), Is.EqualTo(all));
    }

    [Test]
    public void Write_ending_exactly_on_a_boundary_completes_the_records_before_it()
    {
        var batch = Batch(3, out var records);
        Assert.That(batch.MarkWritten(records[0].Length + records[1].Length), Is.True);
        Assert.That(batch.UnwrittenRecords, Is.EqualTo(1));
        Assert.That(batch.AtRecordBoundary, Is.True);
        Assert.That(Text(batch.NextRun(long.MaxValue)), Is.EqualTo(records[2]));
    }

    [Test]
    public void Clear_empties_the_batch_for_reuse()
    {
        var batch = Batch(2, out var records);
        batch.MarkWritten(records[0].Length + records[1].Length);
        batch.Clear();
        Assert.That(batch.UnwrittenRecords, Is.EqualTo(0));
        Assert.That(batch.AtRecordBoundary, Is.True);
        Assert.That(batch.TryAdd(new LogRecord("again"u8, LogStream.Stderr, JsonFileRig.T0.Ticks), Encoder), Is.True);
        Assert.That(Text(batch.NextRun(long.MaxValue)), Is.EqualTo(JsonFileRig.Expected("again", 0, "stderr")));
    }

    [Test]
    public void Many_records_grow_the_batch_without_losing_any()
    {
        var batch = Batch(500, out var records);
        Assert.That(Text(batch.NextRun(long.MaxValue)), Is.EqualTo(string.Concat(records)));
    }
}
