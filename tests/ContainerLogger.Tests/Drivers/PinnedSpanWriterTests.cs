using ContainerLogger.Drivers;
using MessagePack;

namespace ContainerLogger.Tests.Drivers;

public class PinnedSpanWriterTests
{
    private static void WriteString(PinnedSpanWriter output, byte[] value)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteString(value);
        writer.Flush();
    }

    [Test]
    public unsafe void MessagePackWriterWritesIntoThePinnedSpanAndNoFurther()
    {
        var output = new PinnedSpanWriter();
        var buffer = new byte[8];
        buffer.AsSpan().Fill(0xee);
        fixed (byte* start = buffer)
        {
            output.Start(start + 1, 6);
            WriteString(output, "abc"u8.ToArray());
            Assert.That(output.Written, Is.EqualTo(4));
            Assert.That(buffer, Is.EqualTo(new byte[] { 0xee, 0xa3, (byte)'a', (byte)'b', (byte)'c', 0xee, 0xee, 0xee }));

            output.Start(start + 1, 6);
            var overflow = Assert.Throws<InvalidOperationException>(() => WriteString(output, "abcdefg"u8.ToArray()));
            Assert.That(overflow!.Message, Does.Contain("asked for 8 bytes with 6 left: its MaxEncodedLength is too small"));
        }
        Assert.That(buffer[0] == 0xee && buffer[7] == 0xee, Is.True, "nothing outside the span");
    }
}
