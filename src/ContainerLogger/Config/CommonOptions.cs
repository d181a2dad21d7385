using System.Text.RegularExpressions;
using ContainerLogger.Templates;

namespace ContainerLogger.Config;

/// <summary>The options every driver accepts (CONTRACT.md section 4), declared once.</summary>
public static class CommonOptions
{
    public static readonly Option<string[]> Labels = List("labels", "label names to attach as attributes (comma separated)");
    public static readonly Option<Regex?> LabelsRegex = RegexOption("labels-regex", "labels whose names match this regex are attached as attributes");
    public static readonly Option<string[]> Env = List("env", "environment variable names to attach as attributes (comma separated)");
    public static readonly Option<Regex?> EnvRegex = RegexOption("env-regex", "environment variables whose names match this regex are attached as attributes");

    // Docker's ValidateLogOpts accepts an empty mode (LogModeUnset): the default.
    public static readonly Option<string> Mode = new("mode", "enum", "non-blocking", "non-blocking",
        "non-blocking drops the oldest queued lines when the buffer is full; blocking makes the app wait; empty means the default",
        raw => raw switch
        {
            "" or "non-blocking" => "non-blocking",
            "blocking" => "blocking",
            _ => throw new FormatException("allowed: non-blocking, blocking"),
        },
        allowed: ["non-blocking", "blocking"]);
    public static readonly Option<long> MaxBufferSize = Config.Options.Size("max-buffer-size", 1 << 20, "1m",
        "bytes of queued lines (binary units)", min: 64 << 10);
    public static readonly Option<long> MaxLineSize = Config.Options.Size("max-line-size", 16 << 10, "16k",
        "longer lines are cut into partial messages", min: 1 << 10, max: 1 << 20);
    public static readonly Option<bool> DropNotice = Config.Options.Bool("drop-notice", true,
        "after a loss, write one record saying how many lines and bytes were dropped and since when");
    public static readonly Option<TimeSpan> ShutdownTimeout = Config.Options.Duration("shutdown-timeout", TimeSpan.FromSeconds(5), "5s",
        "how long to keep delivering after EOF or SIGTERM");
    public static readonly Option<string?> Cache = Config.Options.Ignored("cache-*",
        "Docker's dual-logging cache keys (cache-disabled, cache-max-size, ...): accepted and ignored");

    private static readonly Dictionary<string, Option<TagTemplate?>> TagByDefault = new();

    /// <summary>The common options as a driver with the given default tag sees them.</summary>
    public static IReadOnlyList<OptionSpec> For(string? defaultTag) =>
        [Tag(defaultTag), Labels, LabelsRegex, Env, EnvRegex, Mode, MaxBufferSize, MaxLineSize, DropNotice, ShutdownTimeout, .. MultilineOptions.All, Cache];

    /// <summary>The `tag` option; its default is the driver's (json-file has none).</summary>
    public static Option<TagTemplate?> Tag(string? defaultTag)
    {
        lock (TagByDefault)
        {
            var key = defaultTag ?? "";
            if (!TagByDefault.TryGetValue(key, out var option))
            {
                option = new Option<TagTemplate?>("tag", "template", defaultTag is null ? null : TagTemplate.Parse(defaultTag), defaultTag,
                    "Docker tag template ({{.ID}}, {{.Name}}, {{.ImageName}}, ... and split join title lower upper pad truncate json), rendered once at start",
                    raw => raw.Length == 0 ? (defaultTag is null ? null : TagTemplate.Parse(defaultTag)) : TagTemplate.Parse(raw),
                    aliases: ["syslog-tag", "fluentd-tag", "gelf-tag"]);
                TagByDefault[key] = option;
            }
            return option;
        }
    }

    private static Option<string[]> List(string name, string description) =>
        new(name, "list", [], null, description, raw => raw.Split(','));

    private static Option<Regex?> RegexOption(string name, string description) =>
        new(name, "regex", null, null, description, raw =>
        {
            try { return new Regex(raw, RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new FormatException("not a valid regular expression: " + RegexErrors.Describe(e)); }
        });
}
