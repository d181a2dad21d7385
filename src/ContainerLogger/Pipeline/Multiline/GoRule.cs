using System.Text.RegularExpressions;

namespace ContainerLogger.Pipeline.Multiline;

/// <summary>
/// Go runtime failures: "panic: ", "fatal error: ", "runtime: " and signal lines, then every goroutine block
/// ("goroutine N [state]:", function lines each followed by a tab-indented file line, "created by") and the blank
/// lines between blocks; "runtime stack:" blocks; the register dump after a SIGQUIT. A blank line is kept only if
/// a goroutine block (or the register dump) follows it, and a function line only if its file line follows.
/// </summary>
internal sealed partial class GoRule : MultilineRule
{
    private const int Header = 1, AfterBlank = 2, Block = 3, AfterFunction = 4, Registers = 5;

    public override int Begin(ReadOnlySpan<byte> line, LineText text)
    {
        // Byte prefixes first: an ordinary line ("failed to …", "request …") is neither decoded nor matched.
        if (line.IsEmpty) return 0;
        return line[0] switch
        {
            (byte)'p' => line.StartsWith("panic: "u8) ? Header : 0,
            (byte)'f' => line.StartsWith("fatal error: "u8) ? Header : 0,
            (byte)'r' => line.StartsWith("runtime: "u8) ? Header : 0,
            (byte)'S' => line.StartsWith("SIG"u8) && FailureLine().IsMatch(text.Of(line)) ? Header : 0,
            (byte)'g' => line.StartsWith("goroutine "u8) && GoroutineHeader().IsMatch(text.Of(line)) ? Block : 0,
            _ => 0,
        };
    }

    public override LineVerdict Next(ReadOnlySpan<byte> line, ref int state, int tentative, LineText text)
    {
        if (line.IsEmpty)
        {
            if (state == AfterBlank) return LineVerdict.End;
            state = AfterBlank;
            return LineVerdict.Tentative;
        }
        switch (state)
        {
            case Header when FailureLine().IsMatch(text.Of(line)):
                return LineVerdict.Continue;
            case Header or AfterBlank when IsBlockHeader(line, text):
                state = Block;
                return LineVerdict.Continue;
            case AfterBlank or Registers when RegisterLine().IsMatch(text.Of(line)):
                state = Registers;
                return LineVerdict.Continue;
            case Block or AfterFunction when line[0] == (byte)'\t':
                state = Block;
                return LineVerdict.Continue;
            case Block when line.SequenceEqual("...additional frames elided..."u8):
                return LineVerdict.Continue;
            case Block when FunctionLine().IsMatch(text.Of(line)):
                state = AfterFunction;
                return LineVerdict.Tentative;
            default:
                return LineVerdict.End;
        }
    }

    private static bool IsBlockHeader(ReadOnlySpan<byte> line, LineText text) =>
        line.SequenceEqual("runtime stack:"u8) || (line.StartsWith("goroutine "u8) && GoroutineHeader().IsMatch(text.Of(line)));

    /// <summary>The lines a failure starts with: the panic (and "\tpanic:" of a panic while panicking), the signal, runtime messages.</summary>
    [GeneratedRegex(@"^(?:\t?panic: .*|fatal error: .*|runtime: .*|\[signal .*\]|SIG[A-Z0-9]+: .*|PC=0x[0-9a-f]+ .*)$", RegexOptions.CultureInvariant)]
    private static partial Regex FailureLine();

    /// <summary>"goroutine 1 [running]:", also with the wait time or the gp=/m= fields newer runtimes add.</summary>
    [GeneratedRegex(@"^goroutine \d+ (?:.* )?\[.*\]:$", RegexOptions.CultureInvariant)]
    private static partial Regex GoroutineHeader();

    /// <summary>"main.main()", "sync.(*Mutex).Lock(...)", "panic({0x4987a0, 0x4c9ce0})", "created by main.main in goroutine 1".</summary>
    [GeneratedRegex(@"^(?:created by \S.*|[^\s(]\S*\(.*\))$", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionLine();

    [GeneratedRegex(@"^[a-z0-9]{1,6} +0x[0-9a-f]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegisterLine();
}
