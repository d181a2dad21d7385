using ContainerLogger.Cli;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.None;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Config;

/// <summary>
/// Every configuration problem (CONTRACT.md sections 3, 4 and 8): each message names the variable or option, the
/// value and what is allowed, and all problems are reported at once.
/// </summary>
public class ValidationTests
{
    private const string JsonFileOptionList =
        "tag, labels, labels-regex, env, env-regex, mode, max-buffer-size, max-line-size, drop-notice, shutdown-timeout, multiline, multiline-start-regex, multiline-flush-timeout, multiline-max-lines, multiline-max-bytes, cache-*, path, max-size, max-file, compress, rotate-naming, encryption-recipients, encryption-recipients-file";

    [Test]
    public void Missing_DOCKERLOG_CONFIG_is_an_error() =>
        Assert.That(Env.SingleError("{}", ("DOCKERLOG_CONFIG", null)),
            Is.EqualTo("DOCKERLOG_CONFIG is required: a JSON object of log options, {} when there are none"));

    [TestCase("""{"tag":""")]
    [TestCase("""{"tag":"x",}""")]
    [TestCase("""{tag:"x"}""")]
    [TestCase("not json")]
    [TestCase("")]
    [TestCase("""{"a":"b"} {}""")]
    public void Malformed_DOCKERLOG_CONFIG_names_the_variable_and_quotes_the_text(string text)
    {
        var error = Env.SingleError(text);
        Assert.That(error, Does.StartWith("DOCKERLOG_CONFIG is not valid JSON ("));
        Assert.That(error, Does.EndWith($": '{text}'; expected a JSON object of strings"));
    }

    [Test]
    public void Long_malformed_DOCKERLOG_CONFIG_is_quoted_cut_to_200_characters()
    {
        var text = "{\"tag\":\"" + new string('x', 300);
        var error = Env.SingleError(text);
        Assert.That(error, Does.EndWith($": '{text[..200]}'...; expected a JSON object of strings"));
    }

    [TestCase("""["tag","x"]""")]
    [TestCase("null")]
    [TestCase("\"tag\"")]
    [TestCase("42")]
    public void DOCKERLOG_CONFIG_that_is_not_an_object_is_an_error(string text) =>
        Assert.That(Env.SingleError(text),
            Is.EqualTo($"DOCKERLOG_CONFIG has a bad value '{text}': expected a JSON object of strings, such as {{\"tag\":\"web\"}}"));

    [TestCase("""{"max-file":3}""", "max-file", "number", "3")]
    [TestCase("""{"compress":true}""", "compress", "true", "true")]
    [TestCase("""{"tag":null}""", "tag", "null", "null")]
    [TestCase("""{"labels":["a","b"]}""", "labels", "array", """["a","b"]""")]
    [TestCase("""{"env":{"A":"1"}}""", "env", "object", """{"A":"1"}""")]
    public void Non_string_option_values_are_errors(string text, string key, string kind, string raw) =>
        Assert.That(Env.SingleError(text),
            Is.EqualTo($"DOCKERLOG_CONFIG: key \"{key}\" has a {kind} value {raw}: values must be JSON strings"));

    [Test]
    public void Every_non_string_value_is_reported()
    {
        var errors = Env.Load("""{"max-file":3,"tag":"ok","compress":false}""").Errors;
        Assert.That(errors, Is.EqualTo(new[]
        {
            "DOCKERLOG_CONFIG: key \"max-file\" has a number value 3: values must be JSON strings",
            "DOCKERLOG_CONFIG: key \"compress\" has a false value false: values must be JSON strings",
        }));
    }

    [TestCase(null)]
    [TestCase("")]
    public void Missing_or_empty_DOCKERLOG_CONTAINERID_is_an_error(string? id) =>
        Assert.That(Env.SingleError("{}", ("DOCKERLOG_CONTAINERID", id)), Is.EqualTo("DOCKERLOG_CONTAINERID is required: the container id"));

    [TestCase("max-sise")]
    [TestCase("syslog-address")]
    [TestCase("Tag")]
    [TestCase("cache")]
    public void Unknown_option_is_an_error_listing_what_the_driver_accepts(string key) =>
        Assert.That(Env.SingleError(Env.Option(key, "1")),
            Is.EqualTo($"DOCKERLOG_CONFIG: unknown log option \"{key}\" for the json-file driver; it accepts: {JsonFileOptionList}"));

    [Test]
    public void Every_unknown_option_is_reported_in_key_order()
    {
        var errors = Env.Load("""{"zeta":"1","alpha":"2","max-size":"1m"}""").Errors;
        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[0], Does.StartWith("DOCKERLOG_CONFIG: unknown log option \"alpha\" for the json-file driver"));
        Assert.That(errors[1], Does.StartWith("DOCKERLOG_CONFIG: unknown log option \"zeta\" for the json-file driver"));
    }

    private const string BoolAllowed = "expected a bool (true, false, 1, 0, t, f)";
    private const string DurationAllowed = "expected a duration such as 500ms, 5s, 1m30s (units ns, us, ms, s, m, h)";
    private const string SizeAllowed = "(expected a number with an optional unit b, k, m, g, t, p)";
    private const string SuffixAllowed = "(expected b, k, m, g, t or p, optionally followed by b or ib)";

    [TestCase("mode", "fast", "allowed: non-blocking, blocking")]
    [TestCase("mode", "Blocking", "allowed: non-blocking, blocking")]
    [TestCase("mode", "non_blocking", "allowed: non-blocking, blocking")]
    [TestCase("max-buffer-size", "abc", "invalid size: 'abc' " + SizeAllowed)]
    [TestCase("max-buffer-size", "", "invalid size: '' " + SizeAllowed)]
    [TestCase("max-buffer-size", "-1", "invalid size: '-1' " + SizeAllowed)]
    [TestCase("max-buffer-size", "4xb", "invalid suffix: 'xb' " + SuffixAllowed)]
    [TestCase("max-buffer-size", "65535", "'65535' is out of range: must be at least 65536 bytes")]
    [TestCase("max-buffer-size", "63k", "'63k' is out of range: must be at least 65536 bytes")]
    [TestCase("max-buffer-size", "0", "'0' is out of range: must be at least 65536 bytes")]
    [TestCase("max-line-size", "1023", "'1023' is out of range: must be between 1024 and 1048576 bytes")]
    [TestCase("max-line-size", "0.5k", "'0.5k' is out of range: must be between 1024 and 1048576 bytes")]
    [TestCase("max-line-size", "1025k", "'1025k' is out of range: must be between 1024 and 1048576 bytes")]
    [TestCase("max-line-size", "1048577", "'1048577' is out of range: must be between 1024 and 1048576 bytes")]
    [TestCase("max-line-size", "2m", "'2m' is out of range: must be between 1024 and 1048576 bytes")]
    [TestCase("max-line-size", "16kilo", "invalid suffix: 'kilo' " + SuffixAllowed)]
    [TestCase("drop-notice", "yes", BoolAllowed)]
    [TestCase("drop-notice", "", BoolAllowed)]
    [TestCase("shutdown-timeout", "5", DurationAllowed)]
    [TestCase("shutdown-timeout", "5 s", DurationAllowed)]
    [TestCase("shutdown-timeout", "", DurationAllowed)]
    [TestCase("shutdown-timeout", "-1s", "'-1s' is out of range: must be at least 0s")]
    [TestCase("path", "", "a path is required")]
    [TestCase("max-size", "0", "'0' is out of range: must be at least 1 bytes")]
    [TestCase("max-size", "0.5", "'0.5' is out of range: must be at least 1 bytes")]
    [TestCase("max-size", "-1", "invalid size: '-1' " + SizeAllowed)]
    [TestCase("max-size", "10x", "invalid suffix: 'x' " + SuffixAllowed)]
    [TestCase("max-size", "", "invalid size: '' " + SizeAllowed)]
    [TestCase("max-file", "0", "must be at least 1")]
    [TestCase("max-file", "-3", "must be at least 1")]
    [TestCase("compress", "yes", BoolAllowed)]
    [TestCase("rotate-naming", "date", "allowed: index, timestamp")]
    [TestCase("rotate-naming", "", "allowed: index, timestamp")]
    public void Bad_option_value_names_option_value_and_what_is_allowed(string key, string value, string allowed) =>
        Assert.That(Env.SingleError(Env.Option(key, value)),
            Is.EqualTo($"DOCKERLOG_CONFIG: option \"{key}\" has a bad value \"{value}\": {allowed}"));

    [TestCase("x")]
    [TestCase("1.5")]
    [TestCase("")]
    [TestCase("2 ")]
    public void Max_file_that_is_not_an_integer_says_an_integer_of_at_least_1_is_allowed(string value) =>
        Assert.That(Env.SingleError(Env.Option("max-file", value)),
            Is.EqualTo($"DOCKERLOG_CONFIG: option \"max-file\" has a bad value \"{value}\": expected an integer (must be at least 1)"));

    [TestCase("labels-regex", "(")]
    [TestCase("labels-regex", "a[")]
    [TestCase("env-regex", "*x")]
    [TestCase("env-regex", "(?<")]
    public void Bad_regex_is_an_error(string key, string value)
    {
        var error = Env.SingleError(Env.Option(key, value));
        Assert.That(error, Does.StartWith($"DOCKERLOG_CONFIG: option \"{key}\" has a bad value \"{value}\": not a valid regular expression: "));
    }

    [Test]
    public void None_driver_still_checks_common_option_values()
    {
        var errors = Env.LoadFor(NoneDriver.Descriptor, """{"mode":"sometimes"}""").Errors;
        Assert.That(errors, Is.EqualTo(new[] { "DOCKERLOG_CONFIG: option \"mode\" has a bad value \"sometimes\": allowed: non-blocking, blocking" }),
            "the none driver ignores unknown keys but still checks the common ones");
    }

    [Test]
    public void Empty_mode_means_the_default_as_in_Docker()
    {
        var config = Env.Valid(Env.Option("mode", ""));
        Assert.That(config.Options.Get(ContainerLogger.Config.CommonOptions.Mode), Is.EqualTo("non-blocking"));
    }

    [TestCase("""{"max-buffer-size":"64k","max-line-size":"64k"}""", 65536, 65536)]
    [TestCase("""{"max-buffer-size":"127k","max-line-size":"64k"}""", 130048, 65536)]
    [TestCase("""{"max-line-size":"1m"}""", 1048576, 1048576)]
    [TestCase("""{"max-line-size":"600k"}""", 1048576, 614400)]
    public void Max_buffer_size_below_twice_max_line_size_is_an_error(string config, long buffer, long line) =>
        Assert.That(Env.SingleError(config),
            Is.EqualTo($"DOCKERLOG_CONFIG: option \"max-buffer-size\" ({buffer} bytes) must be at least twice max-line-size ({line} bytes)"));

    [TestCase("""{"compress":"true"}""", "1", "unset")]
    [TestCase("""{"compress":"true","max-file":"3"}""", "3", "unset")]
    [TestCase("""{"compress":"true","max-size":"10m"}""", "1", "10m")]
    [TestCase("""{"compress":"1","max-size":"10m","max-file":"1"}""", "1", "10m")]
    public void Compress_needs_max_size_and_at_least_two_files_as_in_Docker(string config, string maxFile, string maxSize) =>
        Assert.That(Env.SingleError(config),
            Is.EqualTo($"DOCKERLOG_CONFIG: option \"compress\" is true but needs max-size set and max-file of at least 2 (max-file is {maxFile}, max-size is {maxSize})"));

    [TestCase("""{"compress":"false"}""")]
    [TestCase("""{"compress":"false","max-file":"1"}""")]
    [TestCase("""{"compress":"true","max-size":"1k","max-file":"2"}""")]
    [TestCase("""{"max-file":"5"}""")]
    public void Compress_combinations_Docker_accepts(string config) =>
        Assert.That(Env.Load(config).Errors, Is.Empty);

    [TestCase("yesterday")]
    [TestCase("2024-01-02")]
    [TestCase("01/02/2024 03:04:05")]
    [TestCase("2024-01-02T03:04:05")]
    [TestCase("2024-01-02 03:04:05Z")]
    [TestCase("2024-13-02T03:04:05Z")]
    [TestCase("Tue, 02 Jan 2024 03:04:05 GMT")]
    public void Bad_DOCKERLOG_CREATETIME_is_an_error(string raw) =>
        Assert.That(Env.SingleError("{}", ("DOCKERLOG_CREATETIME", raw)),
            Is.EqualTo($"DOCKERLOG_CREATETIME has a bad value \"{raw}\": expected an RFC 3339 time such as 2024-01-02T03:04:05.123Z"));

    [TestCase("DOCKERLOG_LABELS", "not json")]
    [TestCase("DOCKERLOG_LABELS", """{"a":""")]
    public void Malformed_DOCKERLOG_LABELS_is_an_error(string variable, string text)
    {
        var error = Env.SingleError("{}", (variable, text));
        Assert.That(error, Does.StartWith($"{variable} is not valid JSON ("));
        Assert.That(error, Does.EndWith($": '{text}'; expected a JSON object of strings"));
    }

    [Test]
    public void DOCKERLOG_LABELS_must_be_an_object_of_strings()
    {
        Assert.That(Env.SingleError("{}", ("DOCKERLOG_LABELS", """["a"]""")),
            Is.EqualTo("""DOCKERLOG_LABELS has a bad value '["a"]': expected a JSON object of strings, such as {"tag":"web"}"""));
        Assert.That(Env.SingleError("{}", ("DOCKERLOG_LABELS", """{"a":1}""")),
            Is.EqualTo("""DOCKERLOG_LABELS: key "a" has a number value 1: values must be JSON strings"""));
    }

    [TestCase("DOCKERLOG_ENTRYPOINT", "/bin/sh")]
    [TestCase("DOCKERLOG_ENTRYPOINT", """{"a":"b"}""")]
    [TestCase("DOCKERLOG_CMD", """["-c",1]""")]
    [TestCase("DOCKERLOG_CMD", """["-c" """)]
    [TestCase("DOCKERLOG_ENV", """["A=1",null]""")]
    [TestCase("DOCKERLOG_ENV", "A=1")]
    [TestCase("DOCKERLOG_ENV", "\"A=1\"")]
    public void Bad_string_array_variables_are_errors(string variable, string text) =>
        Assert.That(Env.SingleError("{}", (variable, text)),
            Is.EqualTo($"{variable} has a bad value '{text}': expected a JSON array of strings, such as [\"/bin/sh\",\"-c\"]"));

    [Test]
    public void Newlines_in_a_quoted_value_are_shown_escaped() =>
        Assert.That(Env.SingleError("{}", ("DOCKERLOG_CMD", "[\n1]")),
            Is.EqualTo("DOCKERLOG_CMD has a bad value '[\\n1]': expected a JSON array of strings, such as [\"/bin/sh\",\"-c\"]"));

    [Test]
    public void All_problems_are_reported_at_once()
    {
        var config = Env.Load("""
            {"mode":"fast","max-file":"0","bogus":"1","labels-regex":"(","compress":"yes","max-line-size":"2k","max-buffer-size":"1"}
            """,
            ("DOCKERLOG_CONTAINERID", null),
            ("DOCKERLOG_CREATETIME", "yesterday"),
            ("DOCKERLOG_LABELS", "{"),
            ("DOCKERLOG_ENV", "[1]"),
            ("DOCKERLOG_CMD", "x"));
        Assert.That(config.Info, Is.Null);
        var errors = config.Errors;
        string[] expectedStarts =
        [
            "DOCKERLOG_CONTAINERID is required: the container id",
            "DOCKERLOG_CONFIG: unknown log option \"bogus\" for the json-file driver; it accepts: ",
            "DOCKERLOG_CONFIG: option \"compress\" has a bad value \"yes\": " + BoolAllowed,
            "DOCKERLOG_CONFIG: option \"labels-regex\" has a bad value \"(\": not a valid regular expression: ",
            "DOCKERLOG_CONFIG: option \"max-buffer-size\" has a bad value \"1\": '1' is out of range: must be at least 65536 bytes",
            "DOCKERLOG_CONFIG: option \"max-file\" has a bad value \"0\": must be at least 1",
            "DOCKERLOG_CONFIG: option \"mode\" has a bad value \"fast\": allowed: non-blocking, blocking",
            "DOCKERLOG_CREATETIME has a bad value \"yesterday\": ",
            "DOCKERLOG_CMD has a bad value 'x': ",
            "DOCKERLOG_LABELS is not valid JSON (",
            "DOCKERLOG_ENV has a bad value '[1]': ",
        ];
        Assert.That(errors, Has.Count.EqualTo(expectedStarts.Length), string.Join("\n", errors));
        foreach (var start in expectedStarts)
            Assert.That(errors.Count(e => e.StartsWith(start, StringComparison.Ordinal)), Is.EqualTo(1), $"one error starting with: {start}\n" + string.Join("\n", errors));
    }

    [Test]
    public void Options_are_still_checked_when_another_variable_is_bad()
    {
        var errors = Env.Load(Env.Option("max-file", "0"), ("DOCKERLOG_CONTAINERID", "")).Errors;
        Assert.That(errors, Is.EqualTo(new[]
        {
            "DOCKERLOG_CONTAINERID is required: the container id",
            "DOCKERLOG_CONFIG: option \"max-file\" has a bad value \"0\": must be at least 1",
        }));
    }

    [Test]
    public void CreateContext_refuses_a_configuration_with_errors() =>
        Assert.Throws<InvalidOperationException>(() => Env.Load(Env.Option("mode", "x")).CreateContext(new Diagnostics(TextWriter.Null)));

    [Test, NonParallelizable]
    public void Validate_command_prints_every_problem_and_exits_2()
    {
        var saved = new Dictionary<string, string?>();
        var variables = new Dictionary<string, string?>
        {
            ["DOCKERLOG_CONFIG"] = """{"mode":"fast","max-size":"0"}""",
            ["DOCKERLOG_CONTAINERID"] = null,
            ["DOCKERLOG_CREATETIME"] = null,
            ["DOCKERLOG_LABELS"] = null,
            ["DOCKERLOG_ENV"] = null,
            ["DOCKERLOG_CMD"] = null,
            ["DOCKERLOG_ENTRYPOINT"] = null,
        };
        foreach (var (name, value) in variables)
        {
            saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
        try
        {
            var output = new StringWriter();
            var stderr = new StringWriter();
            int exit = ValidateCommand.Execute("json-file", output, new Diagnostics(stderr));
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(output.ToString(), Is.Empty);
            Assert.That(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
            {
                "containerlogger: DOCKERLOG_CONTAINERID is required: the container id",
                "containerlogger: DOCKERLOG_CONFIG: option \"max-size\" has a bad value \"0\": '0' is out of range: must be at least 1 bytes",
                "containerlogger: DOCKERLOG_CONFIG: option \"mode\" has a bad value \"fast\": allowed: non-blocking, blocking",
            }));

            Environment.SetEnvironmentVariable("DOCKERLOG_CONFIG", """{"max-size":"10m"}""");
            Environment.SetEnvironmentVariable("DOCKERLOG_CONTAINERID", Env.ContainerId);
            output = new StringWriter();
            stderr = new StringWriter();
            Assert.That(ValidateCommand.Execute("json-file", output, new Diagnostics(stderr)), Is.EqualTo(0));
            Assert.That(output.ToString(), Is.EqualTo("json-file: configuration is valid" + Environment.NewLine));
            Assert.That(stderr.ToString(), Is.Empty);

            Assert.That(ValidateCommand.Execute("journald", output, new Diagnostics(stderr)), Is.EqualTo(2));
            Assert.That(stderr.ToString(), Is.EqualTo("containerlogger: unknown driver \"journald\"; available: " + string.Join(", ", DriverRegistry.All.Select(d => d.Name)) + Environment.NewLine));
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}
