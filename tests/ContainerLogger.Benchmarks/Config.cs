using System.Text.Json;

namespace ContainerLogger.Benchmarks;

internal static class Config
{
    /// <summary>DOCKERLOG_CONFIG: the receiver's options, then the extra ones (--log-opt, the workload's; later wins), plus the mode.</summary>
    public static string Json(IReadOnlyDictionary<string, string> options, string mode, params IReadOnlyDictionary<string, string>[] extra)
    {
        var merged = new Dictionary<string, string>(options);
        foreach (var more in extra)
        foreach (var (key, value) in more) merged[key] = value;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, value) in merged) json.WriteString(key, value);
            json.WriteString("mode", mode);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
