using System.Text.Json;

namespace ContainerLogger.Benchmarks;

internal static class Config
{
    /// <summary>DOCKERLOG_CONFIG: the receiver's options plus the mode.</summary>
    public static string Json(IReadOnlyDictionary<string, string> options, string mode)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, value) in options) json.WriteString(key, value);
            json.WriteString("mode", mode);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
