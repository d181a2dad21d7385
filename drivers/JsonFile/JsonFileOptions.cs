using ContainerLogger.Config;
using ContainerLogger.Crypto;

namespace ContainerLogger.Drivers.JsonFile;

/// <summary>json-file's own options (docker-logdrivers.md 11.1 and CONTRACT.md section 8).</summary>
public static class JsonFileOptions
{
    public static readonly Option<string?> Path = Options.Path("path", "/var/log/containerlogger/<full id>-json.log",
        "the log file; parent directories are created");
    public static readonly Option<long> MaxSize = Options.DecimalSize("max-size", -1, null,
        "rotate before a write once the file has reached this size (decimal units: k = 1000); unset means never");
    public static readonly Option<int> MaxFile = Options.Int("max-file", 1,
        "files kept, the live one included; 1 truncates at rotation", min: 1);
    public static readonly Option<bool> Compress = Options.Bool("compress", false,
        "gzip rotated files in the background (needs max-size and max-file of at least 2)");
    public static readonly Option<string> RotateNaming = Options.Enum("rotate-naming", "index",
        "index: <file>.1 is the newest; timestamp: <file>.YYYYmmddTHHMMSSZ, the UTC time of rotation", "index", "timestamp");

    public static readonly IReadOnlyList<OptionSpec> All = [Path, MaxSize, MaxFile, Compress, RotateNaming, .. EncryptionOptions.All];

    public static void Validate(OptionValues values, List<string> errors)
    {
        if (values.Get(Compress) && (values.Get(MaxFile) < 2 || !values.IsSet(MaxSize)))
            errors.Add($"DOCKERLOG_CONFIG: option \"compress\" is true but needs {RotationText(values)}");
        // Only rotated files are encrypted: without any, the request would silently protect nothing.
        if (EncryptionOptions.IsRequested(values) && (values.Get(MaxFile) < 2 || !values.IsSet(MaxSize)))
            errors.Add($"DOCKERLOG_CONFIG: option \"{(values.IsSet(EncryptionOptions.Recipients) ? EncryptionOptions.Recipients.Name : EncryptionOptions.RecipientsFile.Name)}\" encrypts rotated files (the live file stays plain) and needs {RotationText(values)}");
    }

    private static string RotationText(OptionValues values) =>
        $"max-size set and max-file of at least 2 (max-file is {values.Get(MaxFile)}, max-size is {(values.IsSet(MaxSize) ? values.Raw(MaxSize) : "unset")})";

    /// <summary>The file path: the option, or Docker's name under /var/log/containerlogger.</summary>
    public static string ResolvePath(OptionValues values, ContainerInfo info) =>
        values.Get(Path) ?? $"/var/log/containerlogger/{info.FullId}-json.log";
}
