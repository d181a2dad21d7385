using ContainerLogger.Config;

namespace ContainerLogger.Drivers;

/// <summary>Everything the host knows about a driver: its name, its own options, and how to build it.</summary>
public sealed class DriverDescriptor
{
    public DriverDescriptor(string name, string description, string? defaultTag, IReadOnlyList<OptionSpec> options,
        Func<DriverContext, LogDriver> create, Action<OptionValues, List<string>>? validate = null, bool ignoresUnknownOptions = false,
        Func<OptionValues, long?>? queueBound = null, bool diskBuffer = false)
    {
        Name = name;
        Description = description;
        DefaultTag = defaultTag;
        DriverOptions = options;
        Create = create;
        Validate = validate;
        IgnoresUnknownOptions = ignoresUnknownOptions;
        QueueBound = queueBound;
        DiskBuffer = diskBuffer;
        Options = [.. CommonOptions.For(defaultTag), .. diskBuffer ? DiskBufferOptions.All : [], .. options];
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary>The tag template used when none is given; null means no tag (json-file).</summary>
    public string? DefaultTag { get; }
    /// <summary>The options only this driver accepts.</summary>
    public IReadOnlyList<OptionSpec> DriverOptions { get; }
    /// <summary>Every option this driver accepts: the common ones, then its own.</summary>
    public IReadOnlyList<OptionSpec> Options { get; }
    public Func<DriverContext, LogDriver> Create { get; }
    /// <summary>Checks between options (say, compress needs max-size); adds one message per problem.</summary>
    public Action<OptionValues, List<string>>? Validate { get; }
    /// <summary>A driver option that replaces max-buffer-size as the queue's bound when set (fluentd-buffer-limit).</summary>
    public Func<OptionValues, long?>? QueueBound { get; }

    /// <summary>Takes buffer=disk (the network drivers); json-file writes a local file already and refuses it.</summary>
    public bool DiskBuffer { get; }

    /// <summary>Docker's `none` accepts any option; so does ours.</summary>
    public bool IgnoresUnknownOptions { get; }
}
