using System.Collections;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.JsonFile;

namespace ContainerLogger.Tests.Support;

/// <summary>A DOCKERLOG_* environment for <see cref="RunConfiguration.Load"/>, as a dictionary rather than the process's.</summary>
internal static class Env
{
    public const string ContainerId = "a7317399f3f857173c6179d44823594f8294678dea9999662e5c625b5a1c7657";

    /// <summary>A valid environment with the given DOCKERLOG_CONFIG text; <paramref name="extra"/> adds or overrides variables (null removes).</summary>
    public static Hashtable With(string config = "{}", params (string Name, string? Value)[] extra)
    {
        var env = new Hashtable
        {
            ["DOCKERLOG_CONFIG"] = config,
            ["DOCKERLOG_CONTAINERID"] = ContainerId,
        };
        foreach (var (name, value) in extra)
        {
            if (value is null) env.Remove(name);
            else env[name] = value;
        }
        return env;
    }

    public static RunConfiguration Load(string config = "{}", params (string Name, string? Value)[] extra) =>
        RunConfiguration.Load(JsonFileDriver.Descriptor, With(config, extra));

    public static RunConfiguration LoadFor(DriverDescriptor driver, string config = "{}", params (string Name, string? Value)[] extra) =>
        RunConfiguration.Load(driver, With(config, extra));

    /// <summary>Loads a configuration that must be valid.</summary>
    public static RunConfiguration Valid(string config = "{}", params (string Name, string? Value)[] extra)
    {
        var loaded = Load(config, extra);
        Assert.That(loaded.Errors, Is.Empty, "the configuration should be valid");
        return loaded;
    }

    /// <summary>The single error of a configuration that must have exactly one.</summary>
    public static string SingleError(string config = "{}", params (string Name, string? Value)[] extra)
    {
        var loaded = Load(config, extra);
        Assert.That(loaded.Errors, Has.Count.EqualTo(1), "expected exactly one error, got: " + string.Join(" | ", loaded.Errors));
        Assert.That(loaded.Info, Is.Null, "a configuration with errors has no container info");
        return loaded.Errors[0];
    }

    /// <summary>DOCKERLOG_CONFIG text for one option (a JSON object of one string).</summary>
    public static string Option(string key, string value) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [key] = value }, TestJson.Default.DictionaryStringString);
}
