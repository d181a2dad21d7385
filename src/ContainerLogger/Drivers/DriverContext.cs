using ContainerLogger.Config;
using ContainerLogger.Crypto;

namespace ContainerLogger.Drivers;

/// <summary>What a driver is built from: the container, its options, and values rendered once at start.</summary>
public sealed class DriverContext
{
    public required ContainerInfo Info { get; init; }
    public required OptionValues Options { get; init; }
    /// <summary>The rendered tag; null when the driver has no default tag and none was given.</summary>
    public string? Tag { get; init; }
    /// <summary>labels / labels-regex / env / env-regex attributes, Docker's ExtraAttributes.</summary>
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
    /// <summary>Largest line (piece) the host hands over, in bytes.</summary>
    public required int MaxLineSize { get; init; }
    public required Diagnostics Diagnostics { get; init; }
    /// <summary>Where a driver counts the lines it gave up on.</summary>
    public required DriverLosses Losses { get; init; }
    /// <summary>
    /// The age recipients a driver that offers <see cref="EncryptionOptions"/> encrypts its output to; null when
    /// encryption was not asked for. Never write that output unencrypted when this is set.
    /// </summary>
    public IReadOnlyList<AgeRecipient>? EncryptTo { get; init; }
}
