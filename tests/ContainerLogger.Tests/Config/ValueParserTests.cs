using ContainerLogger.Config;

namespace ContainerLogger.Tests.Config;

/// <summary>The value syntaxes of Docker's options: Go's strconv.ParseBool, docker/go-units sizes, Go's time.ParseDuration.</summary>
public class ValueParserTests
{
    [TestCase("1", true), TestCase("t", true), TestCase("T", true), TestCase("TRUE", true), TestCase("true", true), TestCase("True", true)]
    [TestCase("0", false), TestCase("f", false), TestCase("F", false), TestCase("FALSE", false), TestCase("false", false), TestCase("False", false)]
    public void Bool_accepts_exactly_what_Go_ParseBool_accepts(string raw, bool expected) =>
        Assert.That(ValueParsers.Bool(raw), Is.EqualTo(expected));

    [TestCase(""), TestCase("yes"), TestCase("no"), TestCase("on"), TestCase("tRUE"), TestCase("fAlse"), TestCase(" true"), TestCase("true "), TestCase("2"), TestCase("-1")]
    public void Bool_rejects_what_Go_ParseBool_rejects(string raw)
    {
        var e = Assert.Throws<FormatException>(() => ValueParsers.Bool(raw));
        Assert.That(e!.Message, Is.EqualTo("expected a bool (true, false, 1, 0, t, f)"));
    }

    // docker/go-units RAMInBytes: binary multipliers, k/kb/kib the same, case-insensitive, one optional space, fractions truncated.
    [TestCase("0", 0L)]
    [TestCase("1", 1L)]
    [TestCase("1b", 1L)]
    [TestCase("1B", 1L)]
    [TestCase("32", 32L)]
    [TestCase("32b", 32L)]
    [TestCase("32k", 32L * 1024)]
    [TestCase("32K", 32L * 1024)]
    [TestCase("32kb", 32L * 1024)]
    [TestCase("32Kb", 32L * 1024)]
    [TestCase("32KiB", 32L * 1024)]
    [TestCase("32kib", 32L * 1024)]
    [TestCase("32 k", 32L * 1024)]
    [TestCase("32 kib", 32L * 1024)]
    [TestCase("32mb", 32L * 1024 * 1024)]
    [TestCase("32Mb", 32L * 1024 * 1024)]
    [TestCase("32MiB", 32L * 1024 * 1024)]
    [TestCase("32Gb", 32L * 1024 * 1024 * 1024)]
    [TestCase("32GB", 32L * 1024 * 1024 * 1024)]
    [TestCase("32Tb", 32L * 1024 * 1024 * 1024 * 1024)]
    [TestCase("32Pb", 32L * 1024 * 1024 * 1024 * 1024 * 1024)]
    [TestCase("32PB", 32L * 1024 * 1024 * 1024 * 1024 * 1024)]
    [TestCase("32P", 32L * 1024 * 1024 * 1024 * 1024 * 1024)]
    [TestCase("1.5k", 1536L)]
    [TestCase("0.5m", 512L * 1024)]
    [TestCase(".5k", 512L)]
    [TestCase("1.", 1L)]
    [TestCase("1.9", 1L)]
    [TestCase("12.3456b", 12L)]
    [TestCase("1 ", 1L)]
    public void RamSize_matches_RAMInBytes(string raw, long expected) =>
        Assert.That(ValueParsers.RamSize(raw), Is.EqualTo(expected));

    // FromHumanSize: the same syntax with decimal multipliers, k = 1000 (so 1KiB is 1000 too).
    [TestCase("1", 1L)]
    [TestCase("1k", 1000L)]
    [TestCase("1KB", 1000L)]
    [TestCase("1KiB", 1000L)]
    [TestCase("10m", 10_000_000L)]
    [TestCase("1.5g", 1_500_000_000L)]
    [TestCase("2t", 2_000_000_000_000L)]
    [TestCase("1 p", 1_000_000_000_000_000L)]
    public void HumanSize_uses_decimal_units(string raw, long expected) =>
        Assert.That(ValueParsers.HumanSize(raw), Is.EqualTo(expected));

    [TestCase("")]
    [TestCase("k")]
    [TestCase("kb")]
    [TestCase("-1")]
    [TestCase("-1k")]
    [TestCase(" 1k")]
    [TestCase("abc")]
    public void Size_without_a_leading_number_is_an_invalid_size(string raw)
    {
        var e = Assert.Throws<FormatException>(() => ValueParsers.RamSize(raw));
        Assert.That(e!.Message, Is.EqualTo($"invalid size: '{raw}' (expected a number with an optional unit b, k, m, g, t, p)"));
    }

    [TestCase("1x", "x")]
    [TestCase("1XB", "xb")]
    [TestCase("1bb", "bb")]
    [TestCase("1bib", "bib")]
    [TestCase("1ki", "ki")]
    [TestCase("1kbb", "kbb")]
    [TestCase("1kibb", "kibb")]
    [TestCase("1mm", "mm")]
    [TestCase("1  k", " k")]
    [TestCase("1 k b", "k b")]
    public void Size_with_a_bad_unit_is_an_invalid_suffix(string raw, string suffix)
    {
        var e = Assert.Throws<FormatException>(() => ValueParsers.RamSize(raw));
        Assert.That(e!.Message, Is.EqualTo($"invalid suffix: '{suffix}' (expected b, k, m, g, t or p, optionally followed by b or ib)"));
    }

    [TestCase("1.2.3k")]
    [TestCase("..k")]
    public void Size_with_a_malformed_number_is_rejected(string raw) =>
        Assert.Throws<FormatException>(() => ValueParsers.RamSize(raw));

    [Test]
    public void Size_too_large_for_64_bits_is_rejected()
    {
        var e = Assert.Throws<FormatException>(() => ValueParsers.RamSize("9000000p"));
        Assert.That(e!.Message, Is.EqualTo("invalid size: '9000000p' (too large)"));
    }

    // Go's time.ParseDuration.
    [TestCase("0", 0L)]
    [TestCase("+0", 0L)]
    [TestCase("-0", 0L)]
    [TestCase("5s", 5_000_0000L)]
    [TestCase("+5s", 5_000_0000L)]
    [TestCase("-5s", -5_000_0000L)]
    [TestCase("300ms", 3_000_000L)]
    [TestCase("1.5h", 54_000_000_000L)]
    [TestCase("2h45m", 99_000_000_000L)]
    [TestCase("1m30s", 900_000_000L)]
    [TestCase("1h1m1s1ms1us100ns", 36_610_010_011L)]
    [TestCase(".5s", 5_000_000L)]
    [TestCase("1.s", 10_000_000L)]
    [TestCase("10us", 100L)]
    [TestCase("10µs", 100L)]
    [TestCase("10μs", 100L)]
    [TestCase("1000ns", 10L)]
    [TestCase("0s", 0L)]
    [TestCase("0.000000001s", 0L)]
    public void Duration_matches_Go_ParseDuration(string raw, long expectedTicks) =>
        Assert.That(ValueParsers.Duration(raw).Ticks, Is.EqualTo(expectedTicks));

    [TestCase("")]
    [TestCase("+")]
    [TestCase("-")]
    [TestCase("5")]
    [TestCase("1s5")]
    [TestCase("s")]
    [TestCase(".s")]
    [TestCase("5S")]
    [TestCase("5 s")]
    [TestCase(" 5s")]
    [TestCase("5s ")]
    [TestCase("1d")]
    [TestCase("1h-5m")]
    [TestCase("5sec")]
    [TestCase("1..5s")]
    [TestCase("2562048h")] // past Go's 2^63-1 nanoseconds: "invalid duration"
    [TestCase("9223372036854775808ns")]
    public void Duration_rejects_what_Go_ParseDuration_rejects(string raw)
    {
        var e = Assert.Throws<FormatException>(() => ValueParsers.Duration(raw));
        Assert.That(e!.Message, Is.EqualTo("expected a duration such as 500ms, 5s, 1m30s (units ns, us, ms, s, m, h)"));
    }

    [Test]
    public void Duration_at_Go_limit_is_accepted() =>
        Assert.That(ValueParsers.Duration("2562047h").Ticks, Is.EqualTo(2562047L * 3600 * TimeSpan.TicksPerSecond));

    [TestCase("3", 1, 10, 3)]
    [TestCase("+3", 1, 10, 3)]
    [TestCase("-3", -5, 10, -3)]
    [TestCase("1", 1, 10, 1)]
    [TestCase("10", 1, 10, 10)]
    public void Int_parses_like_Atoi_within_range(string raw, int min, int max, int expected) =>
        Assert.That(ValueParsers.Int(raw, min, max), Is.EqualTo(expected));

    [TestCase("", "expected an integer")]
    [TestCase("1.0", "expected an integer")]
    [TestCase(" 1", "expected an integer")]
    [TestCase("0x10", "expected an integer")]
    [TestCase("99999999999", "expected an integer")]
    [TestCase("0", "must be between 1 and 10")]
    [TestCase("11", "must be between 1 and 10")]
    public void Int_rejects_non_integers_and_values_out_of_range(string raw, string message)
    {
        var e = Assert.Throws<FormatException>(() => ValueParsers.Int(raw, 1, 10));
        Assert.That(e!.Message, Does.StartWith(message));
    }
}
