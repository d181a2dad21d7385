using System.IO.Pipes;
using ContainerLogger.Drivers;
using ContainerLogger.Native;
using ContainerLogger.Pipeline;

namespace ContainerLogger.Tests.Pipeline;

public class PipePeekTests
{
    private const int F_SETPIPE_SZ = 1031;

    /// <summary>
    /// A runtime may enlarge the pipe (F_SETPIPE_SZ): a peek still sees all it holds, so a writer that hung up is not
    /// taken for the end while lines wait beyond the default 64 KiB.
    /// </summary>
    [Test]
    public void A_pipe_larger_than_the_default_is_peeked_to_its_end_and_left_whole()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        int pipe = (int)writer.ClientSafePipeHandle.DangerousGetHandle();
        Assert.That(Libc.fcntl(pipe, F_SETPIPE_SZ, 1 << 20), Is.GreaterThanOrEqualTo(1 << 20));
        var line = "a line of the program's output, forty-six bytes\n"u8.ToArray();
        for (int i = 0; i < 5000; i++) writer.Write(line); // 240 KB in small writes
        writer.Flush();

        using var peek = PipePeek.TryCreate(new Diagnostics(TextWriter.Null))!;
        peek.FitTo(pipe);
        var seen = new byte[1 << 20];
        Assert.That(peek.Peek(pipe, held: 0, seen, out int errno), Is.EqualTo(5000 * line.Length), $"errno {errno}");
        Assert.That(peek.Peek(pipe, held: 5000 * line.Length, seen, out _), Is.Zero, "nothing beyond");
        peek.Discard(pipe, line.Length);
        Assert.That(peek.Peek(pipe, held: 0, seen, out _), Is.EqualTo(4999 * line.Length), "a peek takes nothing out; a discard does");
    }
}
