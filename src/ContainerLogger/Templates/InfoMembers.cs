using ContainerLogger.Config;

namespace ContainerLogger.Templates;

/// <summary>A field or method of Docker's <c>*logger.Info</c>, reachable as <c>{{.Name}}</c>.</summary>
internal sealed record InfoMember(string Name, bool IsMethod, Func<ContainerInfo, TemplateValue> Get);

/// <summary>What the template's dot offers, mapped from <see cref="ContainerInfo"/>.</summary>
internal static class InfoMembers
{
    /// <summary>The fields of logger.Info in declaration order, the order fmt and encoding/json print them in.</summary>
    public static readonly IReadOnlyList<InfoMember> Fields =
    [
        Field("Config", i => new MapValue(i.Config)),
        Field("ContainerID", i => new StringValue(i.ContainerId)),
        Field("ContainerName", i => new StringValue(i.ContainerName)),
        // Docker's container.Path and container.Args: the first word of entrypoint + cmd, then the rest.
        Field("ContainerEntrypoint", i => new StringValue(i.Entrypoint.Concat(i.Cmd).FirstOrDefault() ?? "")),
        Field("ContainerArgs", i => new ListValue(i.Entrypoint.Concat(i.Cmd).Skip(1).ToArray())),
        Field("ContainerImageID", i => new StringValue(i.ImageId)),
        Field("ContainerImageName", i => new StringValue(i.ImageName)),
        Field("ContainerCreated", i => new TimeValue(GoTime.Parse(i.ContainerCreated))),
        Field("ContainerEnv", i => new ListValue(i.Env)),
        Field("ContainerLabels", i => new MapValue(i.Labels)),
        // Docker fills this for its own json-file driver only; the sidecar has no such file to name.
        Field("LogPath", _ => StringValue.Empty),
        Field("DaemonName", i => new StringValue(i.DaemonName)),
    ];

    private static readonly IReadOnlyList<InfoMember> Methods =
    [
        Method("ID", i => i.Id),
        Method("FullID", i => i.FullId),
        Method("Name", i => i.Name),
        Method("ImageID", i => i.ImageShortId),
        Method("ImageFullID", i => i.ImageFullId),
        Method("ImageName", i => i.ImageName),
        Method("Command", i => i.Command),
        Method("Hostname", i => i.Hostname),
    ];

    private static readonly Dictionary<string, InfoMember> ByName = Fields.Concat(Methods).ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Every name, methods first, for "unknown field" messages.</summary>
    public static string Names => string.Join(", ", Methods.Concat(Fields).Select(m => "." + m.Name));

    public static InfoMember? Find(string name) => ByName.GetValueOrDefault(name);

    private static InfoMember Field(string name, Func<ContainerInfo, TemplateValue> get) => new(name, IsMethod: false, get);

    private static InfoMember Method(string name, Func<ContainerInfo, string> get) => new(name, IsMethod: true, i => new StringValue(get(i)));
}
