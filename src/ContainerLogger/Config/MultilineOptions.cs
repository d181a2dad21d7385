using System.Text.RegularExpressions;

namespace ContainerLogger.Config;

/// <summary>
/// The multiline options every driver accepts (CONTRACT.md section 11), declared once. With `multiline=none` and no
/// start regex the pipeline has no multiline stage at all.
/// </summary>
public static class MultilineOptions
{
    /// <summary>The built-in rules, in the order they are tried on a line that may begin a record.</summary>
    public static readonly IReadOnlyList<string> RuleNames = ["python", "java", "go", "node", "ruby"];

    public static readonly Option<string[]> Rules = new("multiline", "list", [], "none",
        "built-in rules that join a stack trace into one record, comma separated: python, java (also Kotlin and Scala), go, node, ruby; none turns them off",
        ParseRules, allowed: ["none", .. RuleNames]);

    public static readonly Option<Regex?> StartRegex = new("multiline-start-regex", "regex", null, null,
        "a line matching it starts a new record and any other line continues the current one (linear-time matching; combinable with multiline)",
        ParseStartRegex);

    public static readonly Option<TimeSpan> FlushTimeout = Options.Duration("multiline-flush-timeout", TimeSpan.FromSeconds(1), "1s",
        "a pending record is emitted after this long without a continuation", min: TimeSpan.FromMilliseconds(1), max: TimeSpan.FromHours(1));

    public static readonly Option<int> MaxLines = Options.Int("multiline-max-lines", 1000,
        "lines in one record at most; the rest starts a new record", min: 2, max: 100_000);

    public static readonly Option<long> MaxBytes = Options.Size("multiline-max-bytes", 256 << 10, "256k",
        "bytes in one record at most (lines and the newlines joining them); the rest starts a new record", min: 1 << 10, max: 4 << 20);

    public static IReadOnlyList<OptionSpec> All { get; } = [Rules, StartRegex, FlushTimeout, MaxLines, MaxBytes];

    /// <summary>Whether a run with these options needs the multiline stage.</summary>
    public static bool Enabled(OptionValues values) => values.Get(Rules).Length > 0 || values.Get(StartRegex) is not null;

    /// <summary>"none", or built-in rule names separated by commas (spaces around them allowed, repeats ignored).</summary>
    private static string[] ParseRules(string raw)
    {
        var names = raw.Split(',', StringSplitOptions.TrimEntries);
        if (names is [""] or ["none"]) return [];
        if (names.Contains("none")) throw new FormatException("none cannot be combined with rules; allowed: none, or a comma-separated list of " + string.Join(", ", RuleNames));
        var unknown = names.Where(n => !RuleNames.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new FormatException($"unknown rule {string.Join(", ", unknown.Select(n => $"\"{n}\""))}; allowed: none, or a comma-separated list of {string.Join(", ", RuleNames)}");
        // Kept in RuleNames' order: the order rules are tried in does not depend on how the user listed them.
        return RuleNames.Where(names.Contains).ToArray();
    }

    /// <summary>A .NET regex run by the non-backtracking engine: linear in the line's length whatever the pattern.</summary>
    private static Regex? ParseStartRegex(string raw)
    {
        if (raw.Length == 0) return null;
        try
        {
            return new Regex(raw, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new FormatException("not a valid regular expression: " + RegexErrors.Describe(e));
        }
        catch (NotSupportedException e)
        {
            // Backreferences, lookarounds and atomic groups need backtracking.
            throw new FormatException("not supported by the linear-time (non-backtracking) regex engine: " + RegexErrors.Describe(e));
        }
    }
}
