using System.Text.Json;
using ContainerLogger.Config;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// &lt;prefix&gt;/container.json, RFD 10's "inspect output" beside the logs: what the DOCKERLOG_* environment says
/// about the container (id, name, image, created, labels, entrypoint, cmd). Never the environment or the log
/// options: they may hold secrets.
/// </summary>
internal static class ContainerMetadata
{
    public static byte[] Encode(ContainerInfo info)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("id", info.FullId);
            json.WriteString("name", info.ContainerName);
            json.WriteString("image", info.ImageName);
            json.WriteString("image_id", info.ImageId);
            json.WriteString("created", info.ContainerCreated);
            json.WriteStartObject("labels");
            foreach (var (key, value) in info.Labels.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
            json.WriteEndObject();
            WriteArray(json, "entrypoint", info.Entrypoint);
            WriteArray(json, "cmd", info.Cmd);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }
}
