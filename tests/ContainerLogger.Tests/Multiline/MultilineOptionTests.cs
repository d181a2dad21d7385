using System.Text.RegularExpressions;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Multiline;

/// <summary>The multiline options (CONTRACT.md section 11): one declaration each, accepted by every driver, validated with clear messages.</summary>
public class MultilineOptionTests
{
    private const string RulesAllowed = "allowed: none, or a comma-separated list of python, java, go, node, ruby";

    [Test]
    public void Defaults_are_the_contracts()
    {
        var options = Env.Valid().Options;
        Assert.Multiple(() =>
        {
            Assert.That(options.Get(MultilineOptions.Rules), Is.Empty);
            Assert.That(options.Get(MultilineOptions.StartRegex), Is.Null);
            Assert.That(options.Get(MultilineOptions.FlushTimeout), Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(options.Get(MultilineOptions.MaxLines), Is.EqualTo(1000));
            Assert.That(options.Get(MultilineOptions.MaxBytes), Is.EqualTo(256 << 10));
            Assert.That(MultilineOptions.Enabled(options), Is.False);
        });
    }

    [Test]
    public void Every_driver_accepts_them()
    {
        foreach (var driver in DriverRegistry.All)
            Assert.That(driver.Options.Select(o => o.Name),
                Is.SupersetOf(new[] { "multiline", "multiline-start-regex", "multiline-flush-timeout", "multiline-max-lines", "multiline-max-bytes" }), driver.Name);
    }

    [TestCase("none", new string[0])]
    [TestCase("", new string[0])]
    [TestCase("python", new[] { "python" })]
    [TestCase("python,java,go,node,ruby", new[] { "python", "java", "go", "node", "ruby" })]
    [TestCase(" go , node ", new[] { "go", "node" })]
    [TestCase("ruby,python,ruby", new[] { "python", "ruby" })]
    public void Rules_are_none_or_a_list_of_built_in_names(string raw, string[] expected)
    {
        var options = Env.Valid(Env.Option("multiline", raw)).Options;
        Assert.That(options.Get(MultilineOptions.Rules), Is.EqualTo(expected));
        Assert.That(MultilineOptions.Enabled(options), Is.EqualTo(expected.Length > 0));
    }

    [TestCase("perl", "unknown rule \"perl\"; " + RulesAllowed)]
    [TestCase("python,Java,c#", "unknown rule \"Java\", \"c#\"; " + RulesAllowed)]
    [TestCase("python,", "unknown rule \"\"; " + RulesAllowed)]
    [TestCase("none,go", "none cannot be combined with rules; " + RulesAllowed)]
    public void Unknown_rules_are_errors_naming_what_is_allowed(string raw, string message) =>
        Assert.That(Env.SingleError(Env.Option("multiline", raw)), Is.EqualTo($"DOCKERLOG_CONFIG: option \"multiline\" has a bad value \"{raw}\": {message}"));

    [Test]
    public void The_start_regex_runs_on_the_non_backtracking_engine()
    {
        var options = Env.Valid(Env.Option("multiline-start-regex", @"^\d{4}-\d\d-\d\d")).Options;
        var regex = options.Get(MultilineOptions.StartRegex)!;
        Assert.That(regex.Options & RegexOptions.NonBacktracking, Is.EqualTo(RegexOptions.NonBacktracking));
        Assert.That(MultilineOptions.Enabled(options), Is.True);
    }

    [TestCase("([a-z]+", "insufficient closing parentheses at offset 7")]
    [TestCase("[z-a]", "reversed character range at offset 4")]
    [TestCase(@"x{2,1}", "reversed quantifier range at offset 6")]
    public void A_start_regex_that_does_not_parse_is_an_error_saying_what_the_parser_found_where(string raw, string parser) =>
        Assert.That(Env.SingleError(Env.Option("multiline-start-regex", raw)),
            Is.EqualTo($"DOCKERLOG_CONFIG: option \"multiline-start-regex\" has a bad value \"{raw}\": not a valid regular expression: {parser}"));

    [TestCase(@"(a)\1", "backreference")]
    [TestCase(@"foo(?=bar)", "positive look")]
    [TestCase(@"(?>atomic)", "atomic")]
    public void A_start_regex_that_needs_backtracking_is_an_error_naming_the_construct(string raw, string construct)
    {
        var error = Env.SingleError(Env.Option("multiline-start-regex", raw));
        Assert.That(error, Does.StartWith($"DOCKERLOG_CONFIG: option \"multiline-start-regex\" has a bad value \"{raw}\": not supported by the linear-time (non-backtracking) regex engine: "));
        Assert.That(error, Does.Contain(construct));
    }

    [TestCase("multiline-flush-timeout", "0", "'0' is out of range: must be between 1ms and 3600s")]
    [TestCase("multiline-flush-timeout", "2h", "'2h' is out of range: must be between 1ms and 3600s")]
    [TestCase("multiline-flush-timeout", "soon", "expected a duration such as 500ms, 5s, 1m30s (units ns, us, ms, s, m, h)")]
    [TestCase("multiline-max-lines", "1", "must be between 2 and 100000")]
    [TestCase("multiline-max-lines", "many", "expected an integer (must be between 2 and 100000)")]
    [TestCase("multiline-max-bytes", "512", "'512' is out of range: must be between 1024 and 4194304 bytes")]
    [TestCase("multiline-max-bytes", "5m", "'5m' is out of range: must be between 1024 and 4194304 bytes")]
    public void Bad_values_name_the_option_the_value_and_what_is_allowed(string key, string value, string allowed) =>
        Assert.That(Env.SingleError(Env.Option(key, value)), Is.EqualTo($"DOCKERLOG_CONFIG: option \"{key}\" has a bad value \"{value}\": {allowed}"));

    [Test]
    public void Every_problem_is_reported()
    {
        var errors = Env.Load("""{"multiline":"cobol","multiline-start-regex":"[","multiline-max-lines":"0","multiline-flush-timeout":"x"}""").Errors;
        Assert.That(errors.Select(e => e.Split(" has a bad value")[0]), Is.EquivalentTo(new[]
        {
            "DOCKERLOG_CONFIG: option \"multiline\"",
            "DOCKERLOG_CONFIG: option \"multiline-start-regex\"",
            "DOCKERLOG_CONFIG: option \"multiline-max-lines\"",
            "DOCKERLOG_CONFIG: option \"multiline-flush-timeout\"",
        }));
    }
}
