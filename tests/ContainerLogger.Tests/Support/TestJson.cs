using System.Text.Json.Serialization;

namespace ContainerLogger.Tests.Support;

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TestJson : JsonSerializerContext;
