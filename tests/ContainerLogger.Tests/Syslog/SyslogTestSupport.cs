using System.Collections;
using System.Text;
using System.Text.Json;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.Syslog;
using ContainerLogger.Pipeline;

namespace ContainerLogger.Tests.Syslog;

/// <summary>Configurations and contexts for the syslog driver, built from a log-options map as DOCKERLOG_CONFIG gives it.</summary>
internal static class SyslogConfig
{
    public const string ContainerId = "a7317399f3f8b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7";

    public static RunConfiguration Load(params (string Key, string Value)[] options)
    {
        var env = new Hashtable
        {
            ["DOCKERLOG_CONFIG"] = JsonSerializer.Serialize(options.ToDictionary(o => o.Key, o => o.Value), SyslogJson.Default.DictionaryStringString),
            ["DOCKERLOG_CONTAINERID"] = ContainerId,
            ["DOCKERLOG_CONTAINERNAME"] = "/web",
        };
        return RunConfiguration.Load(SyslogDriver.Descriptor, env);
    }

    public static IReadOnlyList<string> Errors(params (string Key, string Value)[] options) => Load(options).Errors;

    public static DriverContext Context(Counters counters, StringWriter diagnostics, params (string Key, string Value)[] options)
    {
        var config = Load(options);
        Assert.That(config.Errors, Is.Empty);
        return config.CreateContext(new Diagnostics(diagnostics), counters);
    }

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal partial class SyslogJson : System.Text.Json.Serialization.JsonSerializerContext;
