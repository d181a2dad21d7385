using System.Reflection;
using System.Text.Json;
using ContainerLogger.Config;
using ContainerLogger.Drivers;

namespace ContainerLogger.Cli;

/// <summary>`--list-drivers [--json]`: what this binary supports, from the same declarations that validate options.</summary>
internal static class DriverListing
{
    public static string Version { get; } =
        typeof(DriverListing).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void WriteNames(TextWriter output)
    {
        foreach (var driver in DriverRegistry.All) output.WriteLine(driver.Name);
    }

    public static void WriteJson(Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("version", Version);
        json.WriteStartArray("drivers");
        foreach (var driver in DriverRegistry.All)
        {
            json.WriteStartObject();
            json.WriteString("name", driver.Name);
            json.WriteString("description", driver.Description);
            json.WriteBoolean("acceptsUnknownOptions", driver.IgnoresUnknownOptions);
            json.WriteStartArray("options");
            foreach (var option in driver.Options) WriteOption(json, option);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteOption(Utf8JsonWriter json, OptionSpec option)
    {
        json.WriteStartObject();
        json.WriteString("name", option.Name);
        json.WriteString("type", option.Type);
        if (option.DefaultText is null) json.WriteNull("default");
        else json.WriteString("default", option.DefaultText);
        json.WriteStartArray("allowed");
        foreach (var value in option.Allowed) json.WriteStringValue(value);
        json.WriteEndArray();
        if (option.Aliases.Count > 0)
        {
            json.WriteStartArray("aliases");
            foreach (var alias in option.Aliases) json.WriteStringValue(alias);
            json.WriteEndArray();
        }
        json.WriteString("description", option.Description);
        json.WriteEndObject();
    }
}
