using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.JsonFile;
using ContainerLogger.Drivers.None;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Config;

/// <summary>DOCKERLOG_* parsed into option values and container info: defaults, units, aliases, ignored keys.</summary>
public class OptionParsingTests
{
    [Test]
    public void Empty_config_gives_every_default()
    {
        var config = Env.Valid();
        var o = config.Options;
        Assert.Multiple(() =>
        {
            Assert.That(o.Get(CommonOptions.Mode), Is.EqualTo("non-blocking"));
            Assert.That(o.Get(CommonOptions.MaxBufferSize), Is.EqualTo(1024 * 1024));
            Assert.That(o.Get(CommonOptions.MaxLineSize), Is.EqualTo(16 * 1024));
            Assert.That(o.Get(CommonOptions.DropNotice), Is.True);
            Assert.That(o.Get(CommonOptions.ShutdownTimeout), Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(o.Get(CommonOptions.Labels), Is.Empty);
            Assert.That(o.Get(CommonOptions.LabelsRegex), Is.Null);
            Assert.That(o.Get(CommonOptions.Env), Is.Empty);
            Assert.That(o.Get(CommonOptions.EnvRegex), Is.Null);
            Assert.That(o.Get(CommonOptions.Tag(null)), Is.Null, "json-file has no tag unless one is given");
            Assert.That(o.Get(JsonFileOptions.Path), Is.Null);
            Assert.That(o.Get(JsonFileOptions.MaxSize), Is.EqualTo(-1));
            Assert.That(o.Get(JsonFileOptions.MaxFile), Is.EqualTo(1));
            Assert.That(o.Get(JsonFileOptions.Compress), Is.False);
            Assert.That(o.Get(JsonFileOptions.RotateNaming), Is.EqualTo("index"));
            Assert.That(o.IsSet(JsonFileOptions.MaxSize), Is.False);
            Assert.That(JsonFileOptions.ResolvePath(o, config.Info!), Is.EqualTo($"/var/log/containerlogger/{Env.ContainerId}-json.log"));
        });
    }

    [Test]
    public void Context_of_an_empty_config_has_no_tag_no_attributes_and_the_default_line_size()
    {
        var context = Env.Valid().CreateContext(new Diagnostics(TextWriter.Null));
        Assert.Multiple(() =>
        {
            Assert.That(context.Tag, Is.Null);
            Assert.That(context.Attributes, Is.Empty);
            Assert.That(context.MaxLineSize, Is.EqualTo(16384));
            Assert.That(context.Info.ContainerId, Is.EqualTo(Env.ContainerId));
        });
    }

    [Test]
    public void Every_option_is_parsed_with_its_type()
    {
        var config = Env.Valid("""
            {"mode":"blocking","max-buffer-size":"4m","max-line-size":"1m","drop-notice":"f","shutdown-timeout":"1m30s",
             "path":"/tmp/x/y.log","max-size":"10m","max-file":"3","compress":"1","rotate-naming":"timestamp",
             "labels":"a,b","labels-regex":"^com\\.example\\.","env":"A,B","env-regex":"^X_"}
            """);
        var o = config.Options;
        Assert.Multiple(() =>
        {
            Assert.That(o.Get(CommonOptions.Mode), Is.EqualTo("blocking"));
            Assert.That(o.Get(CommonOptions.MaxBufferSize), Is.EqualTo(4L << 20));
            Assert.That(o.Get(CommonOptions.MaxLineSize), Is.EqualTo(1L << 20));
            Assert.That(o.Get(CommonOptions.DropNotice), Is.False);
            Assert.That(o.Get(CommonOptions.ShutdownTimeout), Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(o.Get(JsonFileOptions.Path), Is.EqualTo("/tmp/x/y.log"));
            Assert.That(o.Get(JsonFileOptions.MaxSize), Is.EqualTo(10_000_000), "max-size uses decimal units as Docker's FromHumanSize");
            Assert.That(o.Get(JsonFileOptions.MaxFile), Is.EqualTo(3));
            Assert.That(o.Get(JsonFileOptions.Compress), Is.True);
            Assert.That(o.Get(JsonFileOptions.RotateNaming), Is.EqualTo("timestamp"));
            Assert.That(o.Get(CommonOptions.Labels), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(o.Get(CommonOptions.LabelsRegex)!.IsMatch("com.example.team"), Is.True);
            Assert.That(o.Get(CommonOptions.Env), Is.EqualTo(new[] { "A", "B" }));
            Assert.That(o.Get(CommonOptions.EnvRegex)!.IsMatch("X_1"), Is.True);
            Assert.That(o.Raw(JsonFileOptions.MaxSize), Is.EqualTo("10m"));
            Assert.That(JsonFileOptions.ResolvePath(o, config.Info!), Is.EqualTo("/tmp/x/y.log"));
        });
    }

    [Test]
    public void Max_buffer_size_uses_binary_units()
    {
        Assert.That(Env.Valid(Env.Option("max-buffer-size", "512k")).Options.Get(CommonOptions.MaxBufferSize), Is.EqualTo(512 * 1024));
        Assert.That(Env.Valid(Env.Option("max-buffer-size", "1.5MiB")).Options.Get(CommonOptions.MaxBufferSize), Is.EqualTo(1536 * 1024));
    }

    [Test]
    public void Max_buffer_size_is_accepted_with_mode_blocking() =>
        Assert.That(Env.Valid("""{"mode":"blocking","max-buffer-size":"256k"}""").Options.Get(CommonOptions.MaxBufferSize), Is.EqualTo(256 * 1024));

    [TestCase("1k", 1024), TestCase("1024", 1024), TestCase("16k", 16384), TestCase("512KiB", 524288), TestCase("1m", 1048576)]
    public void Max_line_size_bounds_are_inclusive(string raw, int expected)
    {
        // max-buffer-size must hold two maximal lines; 2m covers the largest.
        var config = Env.Valid($$"""{"max-line-size":"{{raw}}","max-buffer-size":"2m"}""");
        Assert.That(config.CreateContext(new Diagnostics(TextWriter.Null)).MaxLineSize, Is.EqualTo(expected));
    }

    [TestCase("64k", 65536L), TestCase("65536", 65536L)]
    public void Max_buffer_size_of_64k_is_the_minimum(string raw, long expected) =>
        Assert.That(Env.Valid(Env.Option("max-buffer-size", raw)).Options.Get(CommonOptions.MaxBufferSize), Is.EqualTo(expected));

    [Test]
    public void Max_buffer_size_of_exactly_twice_max_line_size_is_accepted() =>
        Assert.That(Env.Load("""{"max-buffer-size":"128k","max-line-size":"64k"}""").Errors, Is.Empty);

    [TestCase("0"), TestCase("f"), TestCase("F"), TestCase("FALSE")]
    public void Drop_notice_accepts_Go_false_spellings(string raw) =>
        Assert.That(Env.Valid(Env.Option("drop-notice", raw)).Options.Get(CommonOptions.DropNotice), Is.False);

    [TestCase("syslog-tag")]
    [TestCase("fluentd-tag")]
    [TestCase("gelf-tag")]
    public void Legacy_tag_names_are_aliases_of_tag(string alias)
    {
        var config = Env.Valid(Env.Option(alias, "web-{{.ID}}"));
        var context = config.CreateContext(new Diagnostics(TextWriter.Null));
        Assert.That(context.Tag, Is.EqualTo("web-a7317399f3f8"));
        Assert.That(config.Options.Raw(CommonOptions.Tag(null)), Is.EqualTo("web-{{.ID}}"));
    }

    [Test]
    public void Tag_wins_over_its_legacy_alias()
    {
        var config = Env.Valid("""{"syslog-tag":"old","tag":"new","gelf-tag":"older"}""");
        Assert.That(config.CreateContext(new Diagnostics(TextWriter.Null)).Tag, Is.EqualTo("new"));
    }

    [Test]
    public void Empty_tag_means_the_driver_default()
    {
        Assert.That(Env.Valid(Env.Option("tag", "")).CreateContext(new Diagnostics(TextWriter.Null)).Tag, Is.Null, "json-file: no tag");
        var withDefault = new DriverDescriptor("test-driver", "a driver with a default tag", "{{.ID}}", [], _ => new NoneDriver());
        var config = Env.LoadFor(withDefault, Env.Option("tag", ""));
        Assert.That(config.Errors, Is.Empty);
        Assert.That(config.CreateContext(new Diagnostics(TextWriter.Null)).Tag, Is.EqualTo("a7317399f3f8"));
        Assert.That(Env.LoadFor(withDefault).CreateContext(new Diagnostics(TextWriter.Null)).Tag, Is.EqualTo("a7317399f3f8"));
    }

    [TestCase("cache-disabled", "true")]
    [TestCase("cache-disabled", "maybe")]
    [TestCase("cache-max-size", "20m")]
    [TestCase("cache-max-file", "5")]
    [TestCase("cache-compress", "true")]
    [TestCase("cache-labels", "a")]
    [TestCase("cache-labels-regex", "(")]
    [TestCase("cache-env", "A")]
    [TestCase("cache-env-regex", "(")]
    [TestCase("cache-tag", "{{.ID}}")]
    public void Cache_keys_are_accepted_with_any_value_and_ignored(string key, string value)
    {
        var config = Env.Valid(Env.Option(key, value));
        var context = config.CreateContext(new Diagnostics(TextWriter.Null));
        Assert.That(context.Tag, Is.Null);
        Assert.That(context.Attributes, Is.Empty);
    }

    [Test]
    public void None_driver_accepts_unknown_options()
    {
        var config = Env.LoadFor(NoneDriver.Descriptor, """{"max-size":"10m","syslog-address":"udp://x:514","whatever":"1"}""");
        Assert.That(config.Errors, Is.Empty);
    }

    [Test]
    public void Container_info_comes_from_the_environment()
    {
        var config = Env.Valid("{}",
            ("DOCKERLOG_CONTAINERNAME", "/web-1"),
            ("DOCKERLOG_CREATETIME", "2024-01-02T03:04:05.123456789Z"),
            ("DOCKERLOG_IMAGEID", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
            ("DOCKERLOG_IMAGENAME", "nginx:1.25"),
            ("DOCKERLOG_ENTRYPOINT", """["/docker-entrypoint.sh"]"""),
            ("DOCKERLOG_CMD", """["nginx","-g","daemon off;"]"""),
            ("DOCKERLOG_LABELS", """{"com.example.team":"web","tier":"front"}"""),
            ("DOCKERLOG_ENV", """["PATH=/bin","A=1=2","NOEQUALS"]"""));
        var info = config.Info!;
        Assert.Multiple(() =>
        {
            Assert.That(info.ContainerId, Is.EqualTo(Env.ContainerId));
            Assert.That(info.Id, Is.EqualTo("a7317399f3f8"));
            Assert.That(info.ContainerName, Is.EqualTo("/web-1"));
            Assert.That(info.Name, Is.EqualTo("web-1"));
            Assert.That(info.ContainerCreated, Is.EqualTo("2024-01-02T03:04:05.123456789Z"));
            Assert.That(info.ImageShortId, Is.EqualTo("0123456789ab"));
            Assert.That(info.ImageName, Is.EqualTo("nginx:1.25"));
            Assert.That(info.Command, Is.EqualTo("/docker-entrypoint.sh nginx -g daemon off;"));
            Assert.That(info.Labels, Is.EqualTo(new Dictionary<string, string> { ["com.example.team"] = "web", ["tier"] = "front" }));
            Assert.That(info.Env, Is.EqualTo(new[] { "PATH=/bin", "A=1=2", "NOEQUALS" }));
        });
    }

    [Test]
    public void Optional_variables_may_be_empty()
    {
        var config = Env.Valid("{}", ("DOCKERLOG_CREATETIME", ""), ("DOCKERLOG_ENTRYPOINT", ""), ("DOCKERLOG_CMD", ""), ("DOCKERLOG_ENV", ""));
        Assert.That(config.Info!.Command, Is.EqualTo(""));
        Assert.That(config.Info.ContainerCreated, Is.EqualTo(""));
    }

    [TestCase("2024-01-02T03:04:05Z")]
    [TestCase("2024-01-02T03:04:05.123456789Z")]
    [TestCase("2024-01-02T03:04:05+02:00")]
    [TestCase("2024-01-02T03:04:05.5-07:30")]
    public void Create_time_accepts_RFC3339(string raw) =>
        Assert.That(Env.Load("{}", ("DOCKERLOG_CREATETIME", raw)).Errors, Is.Empty);

    [Test]
    public void Extra_attributes_follow_Docker_order_labels_then_regex_then_env_then_env_regex()
    {
        var config = Env.Valid("""{"labels":"a,missing, b","labels-regex":"^r","env":"a,E","env-regex":"^X"}""",
            ("DOCKERLOG_LABELS", """{"a":"label-a","b":"label-b"," b":"spaced","r1":"label-r1","zr":"unanchored"}"""),
            ("DOCKERLOG_ENV", """["a=env-a","E=env-e","X1=env-x1","r1=env-r1","NOEQ"]"""));
        var attributes = config.CreateContext(new Diagnostics(TextWriter.Null)).Attributes;
        Assert.That(attributes, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["a"] = "env-a",          // env overwrites the label of the same name
            [" b"] = "spaced",        // names are split on ',' without trimming
            ["r1"] = "label-r1",      // labels-regex; env-regex ^X does not match r1 so the label stays
            ["E"] = "env-e",
            ["X1"] = "env-x1",
        }));
    }

    [Test]
    public void Labels_regex_is_unanchored()
    {
        var config = Env.Valid("""{"labels-regex":"team"}""", ("DOCKERLOG_LABELS", """{"com.example.team":"web","tier":"front"}"""));
        Assert.That(config.CreateContext(new Diagnostics(TextWriter.Null)).Attributes,
            Is.EquivalentTo(new Dictionary<string, string> { ["com.example.team"] = "web" }));
    }

    [Test]
    public void Env_steps_are_skipped_when_the_container_has_no_environment()
    {
        var config = Env.Valid("""{"env":"A","env-regex":"."}""", ("DOCKERLOG_LABELS", """{"A":"label"}"""));
        Assert.That(config.CreateContext(new Diagnostics(TextWriter.Null)).Attributes, Is.Empty);
    }

    [Test]
    public void Duplicate_keys_keep_the_last_value_as_Go_does() =>
        Assert.That(Env.Valid("""{"max-file":"x","max-file":"4"}""").Options.Get(JsonFileOptions.MaxFile), Is.EqualTo(4));
}
