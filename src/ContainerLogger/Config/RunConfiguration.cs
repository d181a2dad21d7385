using ContainerLogger.Pipeline;
using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContainerLogger.Crypto;
using ContainerLogger.Drivers;
using ContainerLogger.Templates;

namespace ContainerLogger.Config;

/// <summary>The DOCKERLOG_* environment (CONTRACT.md section 3) parsed for one driver, with every problem found.</summary>
public sealed partial class RunConfiguration
{
    private RunConfiguration(DriverDescriptor driver, ContainerInfo? info, OptionValues options, IReadOnlyList<AgeRecipient>? encryptTo, List<string> errors)
    {
        Driver = driver;
        Info = info;
        Options = options;
        EncryptTo = encryptTo;
        Errors = errors;
    }

    public DriverDescriptor Driver { get; }
    /// <summary>Null only when <see cref="Errors"/> is not empty.</summary>
    public ContainerInfo? Info { get; }
    public OptionValues Options { get; }
    /// <summary>The age recipients of the encryption options (CONTRACT.md section 13), read once at start; null: no encryption.</summary>
    public IReadOnlyList<AgeRecipient>? EncryptTo { get; }
    public IReadOnlyList<string> Errors { get; }

    public static RunConfiguration Load(DriverDescriptor driver, IDictionary environment)
    {
        var errors = new List<string>();
        string? Var(string name) => environment[name] as string;

        var configText = Var("DOCKERLOG_CONFIG");
        var config = configText is null
            ? Missing("DOCKERLOG_CONFIG", "a JSON object of log options, {} when there are none", errors)
            : StringMap("DOCKERLOG_CONFIG", configText, errors);
        var id = Var("DOCKERLOG_CONTAINERID");
        if (string.IsNullOrEmpty(id)) errors.Add("DOCKERLOG_CONTAINERID is required: the container id");

        var options = ParseOptions(driver, config ?? new Dictionary<string, string>(), errors);
        var info = new ContainerInfo
        {
            ContainerId = id ?? "",
            ContainerName = Var("DOCKERLOG_CONTAINERNAME") ?? "",
            ContainerCreated = CreateTime(Var("DOCKERLOG_CREATETIME"), errors),
            ImageId = Var("DOCKERLOG_IMAGEID") ?? "",
            ImageName = Var("DOCKERLOG_IMAGENAME") ?? "",
            Entrypoint = StringArray("DOCKERLOG_ENTRYPOINT", Var("DOCKERLOG_ENTRYPOINT"), errors),
            Cmd = StringArray("DOCKERLOG_CMD", Var("DOCKERLOG_CMD"), errors),
            Labels = Var("DOCKERLOG_LABELS") is { } labels ? StringMap("DOCKERLOG_LABELS", labels, errors) ?? new() : new Dictionary<string, string>(),
            Env = StringArray("DOCKERLOG_ENV", Var("DOCKERLOG_ENV"), errors),
            Config = config ?? new Dictionary<string, string>(),
        };
        if (errors.Count == 0) RenderCheck(driver, info, options, errors);
        var encryptTo = EncryptionOptions.Resolve(options, info, errors);
        return new RunConfiguration(driver, errors.Count == 0 ? info : null, options, encryptTo, errors);
    }

    /// <summary>Builds what the driver needs; only valid when there are no errors.</summary>
    /// <param name="counters">The run's counters, for the lines a driver gives up on; a fresh set when omitted (tests).</param>
    internal DriverContext CreateContext(Diagnostics diagnostics, Counters? counters = null)
    {
        var info = Info ?? throw new InvalidOperationException("configuration has errors");
        return new DriverContext
        {
            Info = info,
            Options = Options,
            Tag = Options.Get(CommonOptions.Tag(Driver.DefaultTag))?.Render(info),
            Attributes = ExtraAttributes.Build(info, Options),
            MaxLineSize = (int)Options.Get(CommonOptions.MaxLineSize),
            Diagnostics = diagnostics,
            Losses = new DriverLosses(counters ?? new Counters()),
            EncryptTo = EncryptTo,
        };
    }

    private static OptionValues ParseOptions(DriverDescriptor driver, IReadOnlyDictionary<string, string> config, List<string> errors)
    {
        var values = new OptionValues();
        foreach (var (key, raw) in config.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var option = Lookup(driver, key);
            if (option is null && key == DiskBufferOptions.Buffer.Name && !driver.DiskBuffer && raw == "disk")
            {
                errors.Add($"DOCKERLOG_CONFIG: option \"{key}\" has a bad value \"{raw}\": the {driver.Name} driver has no disk buffer " +
                           $"(only {string.Join(", ", DriverRegistry.All.Where(d => d.DiskBuffer).Select(d => d.Name))} queue on disk)");
                continue;
            }
            if (option is null)
            {
                if (!driver.IgnoresUnknownOptions)
                    errors.Add($"DOCKERLOG_CONFIG: unknown log option \"{key}\" for the {driver.Name} driver; it accepts: {string.Join(", ", driver.Options.Select(o => o.Name))}");
                continue;
            }
            // The option's own name wins over a legacy alias (say tag over syslog-tag).
            if (key != option.Name && config.ContainsKey(option.Name)) continue;
            var value = option.Parse(raw, out var error);
            if (error is not null)
                errors.Add($"DOCKERLOG_CONFIG: option \"{key}\" has a bad value \"{raw}\": {error}");
            else
                values.Set(option, raw, value);
        }
        if (values.Get(CommonOptions.MaxBufferSize) < 2 * values.Get(CommonOptions.MaxLineSize))
            errors.Add($"DOCKERLOG_CONFIG: option \"max-buffer-size\" ({values.Get(CommonOptions.MaxBufferSize)} bytes) must be at least twice max-line-size ({values.Get(CommonOptions.MaxLineSize)} bytes)");
        driver.Validate?.Invoke(values, errors);
        return values;
    }

    private static OptionSpec? Lookup(DriverDescriptor driver, string key)
    {
        foreach (var option in driver.Options)
        {
            if (option.Name == key || option.Aliases.Contains(key)) return option;
            if (option.Name.EndsWith('*') && key.StartsWith(option.Name[..^1], StringComparison.Ordinal)) return option;
        }
        return null;
    }

    // Templates parse at validation; rendering needs the container, so it is checked here as well.
    private static void RenderCheck(DriverDescriptor driver, ContainerInfo info, OptionValues options, List<string> errors)
    {
        try
        {
            options.Get(CommonOptions.Tag(driver.DefaultTag))?.Render(info);
        }
        catch (FormatException e)
        {
            errors.Add($"DOCKERLOG_CONFIG: option \"tag\" has a bad value \"{options.Raw(CommonOptions.Tag(driver.DefaultTag))}\": {e.Message}");
        }
    }

    private static Dictionary<string, string>? Missing(string variable, string what, List<string> errors)
    {
        errors.Add($"{variable} is required: {what}");
        return null;
    }

    private static string CreateTime(string? raw, List<string> errors)
    {
        if (string.IsNullOrEmpty(raw)) return "";
        // The shape is checked first: DateTimeOffset.TryParse alone takes dates without a time or zone, local formats and RFC 1123.
        if (!Rfc3339Shape().IsMatch(raw) ||
            !DateTimeOffset.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
            errors.Add($"DOCKERLOG_CREATETIME has a bad value \"{raw}\": expected an RFC 3339 time such as 2024-01-02T03:04:05.123Z");
        return raw;
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339Shape();

    private static Dictionary<string, string>? StringMap(string variable, string text, List<string> errors)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{variable} has a bad value {Quote(text)}: expected a JSON object of strings, such as {{\"tag\":\"web\"}}");
                return null;
            }
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String) map[p.Name] = p.Value.GetString()!;
                else errors.Add($"{variable}: key \"{p.Name}\" has a {p.Value.ValueKind.ToString().ToLowerInvariant()} value {p.Value.GetRawText()}: values must be JSON strings");
            }
            return map;
        }
        catch (JsonException e)
        {
            errors.Add($"{variable} is not valid JSON ({e.Message.Split(" Path:")[0]}): {Quote(text)}; expected a JSON object of strings");
            return null;
        }
    }

    private static IReadOnlyList<string> StringArray(string variable, string? text, List<string> errors)
    {
        if (string.IsNullOrEmpty(text)) return [];
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }
        catch (JsonException)
        {
        }
        errors.Add($"{variable} has a bad value {Quote(text)}: expected a JSON array of strings, such as [\"/bin/sh\",\"-c\"]");
        return [];
    }

    private static string Quote(string text) => text.Length > 200 ? JsonSerializerQuote(text[..200]) + "..." : JsonSerializerQuote(text);

    private static string JsonSerializerQuote(string s) => "'" + s.Replace("\n", "\\n") + "'";
}
