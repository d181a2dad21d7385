using ContainerLogger.Config;
using ContainerLogger.Crypto;
using ContainerLogger.Net;
using ContainerLogger.Templates;

namespace ContainerLogger.Drivers.S3;

/// <summary>The s3 driver's options (CONTRACT.md section 12), each declared once.</summary>
public static class S3Options
{
    public static readonly Option<string?> Bucket = new("s3-bucket", "string", null, null,
        "required: the bucket the objects go to", ParseBucket);

    public static readonly Option<string> Region = new("s3-region", "string", "us-east-1", "us-east-1",
        "the bucket's region, used to sign requests and, without s3-endpoint, to pick AWS's endpoint", ParseRegion);

    public static readonly Option<Uri?> Endpoint = new("s3-endpoint", "address", null, null,
        "http(s)://host[:port] of an S3-compatible service (MinIO, Ceph, R2, ...); unset: AWS's regional endpoint (https)",
        ParseEndpoint);

    public static readonly Option<bool> ForcePathStyle = Options.Bool("s3-force-path-style", false,
        "address the bucket in the path (http://host/bucket/key) rather than in the host name (http://bucket.host/key)");

    public static readonly Option<string?> TlsCaCert = Options.Path("s3-tls-ca-cert", null,
        "PEM file of CAs trusted besides the system's (https endpoints)");

    public static readonly Option<string?> CredentialsFile = Options.Path("s3-credentials-file", null,
        "AWS shared credentials file (INI: aws_access_key_id, aws_secret_access_key, aws_session_token); unset: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the logger's environment");

    public static readonly Option<string> Profile = new("s3-profile", "string", "default", "default",
        "the profile (section) of s3-credentials-file to use", raw => raw.Length == 0 ? throw new FormatException("a profile name is required") : raw);

    public static readonly Option<TagTemplate> KeyPrefix = new("s3-key-prefix", "template", TagTemplate.Parse("{{.FullID}}"), "{{.FullID}}",
        "tag template rendered once at start: objects are <prefix>/YYYY/mm/dd/HH/stdio.log.YYYYmmddTHHMMSSZ.gz and <prefix>/container.json",
        TagTemplate.Parse);

    public static readonly Option<string?> StagingPath = Options.Path("s3-staging-path", "/var/lib/containerlogger/<full id>/s3",
        "directory of the files waiting for upload (0700, parents created, locked by one sidecar)");

    public static readonly Option<long> UploadSize = Options.Size("s3-upload-size", 16 << 20, "16m",
        "rotate the staged file before a record once it holds this many bytes (uncompressed), then upload it", min: 1 << 10, max: 5L << 30);

    public static readonly Option<TimeSpan> UploadInterval = Options.Duration("s3-upload-interval", TimeSpan.FromMinutes(5), "5m",
        "rotate and upload the staged file once this long has passed since its first record", min: TimeSpan.FromSeconds(1));

    public static readonly Option<long> StagingMaxSize = Options.Size("s3-staging-max-size", 1L << 30, "1g",
        "bytes of staged files at most (the live one included); past it the oldest are dropped, counted; at least twice s3-upload-size");

    public static IReadOnlyList<OptionSpec> All { get; } =
    [
        Bucket, Region, Endpoint, ForcePathStyle, TlsCaCert, CredentialsFile, Profile, KeyPrefix, StagingPath,
        UploadSize, UploadInterval, StagingMaxSize, .. EncryptionOptions.All,
    ];

    /// <summary>Checks between options, the credentials and the CA file: every problem is a configuration error.</summary>
    public static void Validate(OptionValues values, List<string> errors) =>
        Validate(values, errors, name => System.Environment.GetEnvironmentVariable(name));

    internal static void Validate(OptionValues values, List<string> errors, Func<string, string?> environment)
    {
        if (!values.IsSet(Bucket))
            errors.Add("DOCKERLOG_CONFIG: option \"s3-bucket\" is required: the name of the bucket the logs go to");
        if (values.Get(StagingMaxSize) < 2 * values.Get(UploadSize))
            errors.Add($"DOCKERLOG_CONFIG: option \"s3-staging-max-size\" ({values.Get(StagingMaxSize)} bytes) must be at least twice s3-upload-size ({values.Get(UploadSize)} bytes)");
        if (values.IsSet(Profile) && !values.IsSet(CredentialsFile))
            errors.Add($"DOCKERLOG_CONFIG: option \"s3-profile\" (\"{values.Raw(Profile)}\") needs s3-credentials-file: the profile is a section of that file");
        if (values.IsSet(TlsCaCert) && values.Get(Endpoint) is { Scheme: "http" })
            errors.Add($"DOCKERLOG_CONFIG: option \"s3-tls-ca-cert\" is only used with an https endpoint (s3-endpoint is \"{values.Raw(Endpoint)}\")");
        try
        {
            LoadTls(values);
        }
        catch (FormatException e)
        {
            errors.Add("DOCKERLOG_CONFIG: " + e.Message);
        }
        try
        {
            S3Credentials.Resolve(values.Get(CredentialsFile), values.Get(Profile), environment);
        }
        catch (FormatException e)
        {
            errors.Add(e.Message);
        }
    }

    internal static TlsClient LoadTls(OptionValues values) => TlsClient.Load("s3", values.Get(TlsCaCert), null, null, skipVerify: false);

    /// <summary>The staging directory: the option, or one per container under /var/lib/containerlogger.</summary>
    internal static string ResolveStagingPath(OptionValues values, ContainerInfo info) =>
        values.Get(StagingPath) ?? $"/var/lib/containerlogger/{info.FullId}/s3";

    /// <summary>
    /// S3's bucket names are 3 to 63 lowercase letters, digits, '.' and '-'; older buckets and other services
    /// allow uppercase letters and '_' up to 255, so those are accepted too. Nothing that would change the URL.
    /// </summary>
    private static string ParseBucket(string raw)
    {
        if (raw.Length is < 3 or > 255 || !raw.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new FormatException("a bucket name is 3 to 255 letters, digits, '.', '-' or '_' (S3's rules: 3 to 63 lowercase letters, digits, '.' and '-')");
        return raw;
    }

    private static string ParseRegion(string raw) =>
        raw.Length > 0 && raw.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? raw
            : throw new FormatException("a region is lowercase letters, digits and '-', such as us-east-1");

    private static Uri ParseEndpoint(string raw)
    {
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw new FormatException("expected http://host[:port] or https://host[:port]");
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            throw new FormatException("expected http://host[:port] or https://host[:port], without a path, query or user");
        return uri;
    }
}
