namespace ContainerLogger.Config;

/// <summary>What the DOCKERLOG_* environment says about the container (Docker's logger.Info).</summary>
public sealed class ContainerInfo
{
    public required string ContainerId { get; init; }
    /// <summary>As given, with Docker's leading '/' if present (fluentd keeps it).</summary>
    public string ContainerName { get; init; } = "";
    /// <summary>DOCKERLOG_CREATETIME as given (RFC 3339), empty when unset.</summary>
    public string ContainerCreated { get; init; } = "";
    public string ImageId { get; init; } = "";
    public string ImageName { get; init; } = "";
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>The container's environment as K=V entries.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    /// <summary>The log options (DOCKERLOG_CONFIG).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();
    public string Hostname { get; init; } = System.Environment.MachineName;
    public string DaemonName => "docker";

    public string FullId => ContainerId;
    /// <summary>{{.ID}}: the first 12 characters, after any "algo:" prefix.</summary>
    public string Id => Short(StripAlgorithm(ContainerId));
    /// <summary>{{.Name}}: the name without its leading '/'.</summary>
    public string Name => ContainerName.StartsWith('/') ? ContainerName[1..] : ContainerName;
    public string ImageFullId => ImageId;
    public string ImageShortId => Short(StripAlgorithm(ImageId));
    /// <summary>{{.Command}}: entrypoint and arguments joined by single spaces.</summary>
    public string Command => string.Join(' ', Entrypoint.Concat(Cmd));

    private static string StripAlgorithm(string id)
    {
        int colon = id.IndexOf(':');
        return colon >= 0 ? id[(colon + 1)..] : id;
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
