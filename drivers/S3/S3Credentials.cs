namespace ContainerLogger.Drivers.S3;

/// <summary>
/// The access key the requests are signed with: from s3-credentials-file (AWS's shared credentials format) when
/// given, else from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. No message built here, and
/// nothing <see cref="ToString"/> returns, contains a key or a token; problems name the file, profile and line.
/// </summary>
internal sealed class S3Credentials
{
    private S3Credentials(string accessKeyId, string secretAccessKey, string? sessionToken, string source)
    {
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = sessionToken;
        Source = source;
    }

    public string AccessKeyId { get; }
    public string SecretAccessKey { get; }
    public string? SessionToken { get; }
    /// <summary>Where they came from, for diagnostics: "AWS_ACCESS_KEY_ID", or the file and profile.</summary>
    public string Source { get; }

    /// <summary>Every value a diagnostic must not show.</summary>
    public IEnumerable<string> Secrets => SessionToken is null ? [AccessKeyId, SecretAccessKey] : [AccessKeyId, SecretAccessKey, SessionToken];

    public override string ToString() => "credentials from " + Source;

    /// <summary>Throws <see cref="FormatException"/> (a configuration error) when there are none or the file is unusable.</summary>
    public static S3Credentials Resolve(string? file, string profile, Func<string, string?> environment)
    {
        if (file is not null) return FromFile(file, profile);
        string? id = NonEmpty(environment("AWS_ACCESS_KEY_ID")), secret = NonEmpty(environment("AWS_SECRET_ACCESS_KEY"));
        if (id is null || secret is null)
            throw new FormatException("s3: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the logger's environment " +
                                      $"({(id is null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")} is not set), or the log option s3-credentials-file");
        return new S3Credentials(id, secret, NonEmpty(environment("AWS_SESSION_TOKEN")), "AWS_ACCESS_KEY_ID");
    }

    /// <summary>The file read again (credentials are rotated); the same errors as at start.</summary>
    public static S3Credentials FromFile(string file, string profile)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"DOCKERLOG_CONFIG: option \"s3-credentials-file\": cannot read \"{file}\": {(e is UnauthorizedAccessException ? "permission denied" : e is FileNotFoundException or DirectoryNotFoundException ? "no such file or directory" : e.GetType().Name)}");
        }
        var values = ParseProfile(text, profile, out var error);
        string where = $"\"{file}\", profile [{profile}]";
        if (error is not null) throw new FormatException($"DOCKERLOG_CONFIG: option \"s3-credentials-file\": {where}: {error}");
        if (values is null) throw new FormatException($"DOCKERLOG_CONFIG: option \"s3-profile\": \"{file}\" has no profile [{profile}]");
        string? id = NonEmpty(values.GetValueOrDefault("aws_access_key_id")), secret = NonEmpty(values.GetValueOrDefault("aws_secret_access_key"));
        if (id is null || secret is null)
            throw new FormatException($"DOCKERLOG_CONFIG: option \"s3-credentials-file\": {where} has no {(id is null ? "aws_access_key_id" : "aws_secret_access_key")}");
        return new S3Credentials(id, secret, NonEmpty(values.GetValueOrDefault("aws_session_token")), $"{file} [{profile}]");
    }

    /// <summary>
    /// The keys of one [section] of an INI file as the AWS CLI reads it: '#' and ';' start comment lines, names and
    /// values are trimmed, later keys win, names are case-insensitive. Null when the section is missing. A line
    /// that is neither is reported by number only: it may hold a secret.
    /// </summary>
    internal static Dictionary<string, string>? ParseProfile(string text, string profile, out string? error)
    {
        error = null;
        Dictionary<string, string>? found = null;
        bool inProfile = false;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (!line.EndsWith(']'))
                {
                    error = $"line {i + 1} is not a valid [section] header";
                    return null;
                }
                inProfile = line[1..^1].Trim() == profile;
                if (inProfile) found ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                continue;
            }
            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                error = $"line {i + 1} is neither a [section] nor a name = value pair";
                return null;
            }
            if (inProfile) found![line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }
        return found;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>
/// The credentials of the run: the environment's, fixed for its life; or the file's, read again before a request
/// when the file changed (keys are rotated). A file that became unusable is reported and the last keys are kept.
/// </summary>
internal sealed class CurrentCredentials
{
    private readonly object _gate = new();
    private readonly string? _file;
    private readonly string _profile;
    private readonly Diagnostics _diagnostics;
    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);
    private S3Credentials _current;
    private DateTime _fileTime;

    public CurrentCredentials(string? file, string profile, Func<string, string?> environment, Diagnostics diagnostics)
    {
        _file = file;
        _profile = profile;
        _diagnostics = diagnostics;
        if (file is not null) _fileTime = File.GetLastWriteTimeUtc(file);
        _current = Remember(S3Credentials.Resolve(file, profile, environment));
    }

    public string Source
    {
        get { lock (_gate) return _current.Source; }
    }

    public S3Credentials Get()
    {
        lock (_gate)
        {
            if (_file is null) return _current;
            var time = File.GetLastWriteTimeUtc(_file);
            if (time == _fileTime) return _current;
            _fileTime = time;
            try
            {
                _current = Remember(S3Credentials.FromFile(_file, _profile));
            }
            catch (FormatException e)
            {
                _diagnostics.Report($"s3: {e.Message.Replace("DOCKERLOG_CONFIG: ", "")}; the keys read before are used");
            }
            return _current;
        }
    }

    /// <summary><paramref name="text"/> with every key or token ever read replaced: for anything shown on stderr.</summary>
    public string Redact(string text)
    {
        lock (_gate)
            foreach (var secret in _secrets)
                text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        return text;
    }

    private S3Credentials Remember(S3Credentials credentials)
    {
        foreach (var secret in credentials.Secrets) _secrets.Add(secret);
        return credentials;
    }
}
