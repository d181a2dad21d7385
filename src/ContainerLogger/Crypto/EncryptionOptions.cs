using System.Text;
using ContainerLogger.Config;
using ContainerLogger.Templates;

namespace ContainerLogger.Crypto;

/// <summary>
/// CONTRACT.md section 13, declared once for every driver that encrypts (json-file's rotated files, s3's objects):
/// the age recipients that can read the output. Either option set means the output is encrypted (both: their
/// union). Recipients are checked at start, and no message ever shows a key: a secret key pasted by mistake must
/// not end up in a log.
/// </summary>
public static class EncryptionOptions
{
    private const int MaxFileBytes = 1 << 20;
    private const int MaxReportedLines = 10;

    // The list never fails to parse: it is checked in Resolve, whose messages do not repeat the value.
    public static readonly Option<string[]> Recipients = new("encryption-recipients", "list", [], null,
        "encrypt to these age recipients (comma separated): age1... X25519 public keys and ssh-rsa public keys",
        raw => raw.Split(',', StringSplitOptions.TrimEntries));
    public static readonly Option<TagTemplate?> RecipientsFile = new("encryption-recipients-file", "template", null, null,
        "encrypt to the age recipients in this file, one per line, # comments (as age -R reads); a tag template, e.g. /etc/containerlogger/tenants/{{index .ContainerLabels \"tenant\"}}.txt",
        raw => raw.Length == 0 ? throw new FormatException("a path is required") : TagTemplate.Parse(raw));

    public static readonly IReadOnlyList<OptionSpec> All = [Recipients, RecipientsFile];

    /// <summary>Encryption was asked for (whether or not the recipients turn out to be usable).</summary>
    public static bool IsRequested(OptionValues values) => values.IsSet(Recipients) || values.IsSet(RecipientsFile);

    /// <summary>
    /// The recipients to encrypt to, or null when encryption was not asked for or a problem was found; each problem
    /// adds one message naming the option.
    /// </summary>
    public static IReadOnlyList<AgeRecipient>? Resolve(OptionValues values, ContainerInfo info, List<string> errors)
    {
        if (!IsRequested(values)) return null;
        int errorsBefore = errors.Count;
        var recipients = new List<AgeRecipient>();
        if (values.IsSet(Recipients)) AddListed(values.Get(Recipients), recipients, errors);
        if (values.Get(RecipientsFile) is { } template) AddFromFile(template, values.Raw(RecipientsFile)!, info, recipients, errors);
        return errors.Count == errorsBefore ? recipients : null;
    }

    private static void AddListed(string[] items, List<AgeRecipient> recipients, List<string> errors)
    {
        const string Prefix = "DOCKERLOG_CONFIG: option \"encryption-recipients\"";
        if (items is [""])
        {
            errors.Add($"{Prefix} is empty: give age1... X25519 or ssh-rsa public keys, comma separated");
            return;
        }
        for (int i = 0; i < items.Length; i++)
        {
            if (TryParse(items[i], out var recipient, out var error)) recipients.Add(recipient!);
            else errors.Add($"{Prefix}: recipient {i + 1} of {items.Length}: {error}");
        }
    }

    private static void AddFromFile(TagTemplate template, string raw, ContainerInfo info, List<AgeRecipient> recipients, List<string> errors)
    {
        const string Prefix = "DOCKERLOG_CONFIG: option \"encryption-recipients-file\"";
        string path;
        try
        {
            path = template.Render(info).Trim();
        }
        catch (FormatException e)
        {
            errors.Add($"{Prefix} has a bad value \"{raw}\": {e.Message}");
            return;
        }
        if (path.Length == 0)
        {
            errors.Add($"{Prefix} has a bad value \"{raw}\": it renders to an empty path for this container");
            return;
        }
        string where = path == raw ? $"\"{path}\"" : $"\"{path}\" (rendered from \"{raw}\")";
        if (!TryRead(path, out var text, out var problem))
        {
            errors.Add($"{Prefix}: cannot read {where}: {problem}");
            return;
        }
        int found = 0, bad = 0;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (TryParse(line, out var recipient, out var error))
            {
                recipients.Add(recipient!);
                found++;
            }
            else if (++bad <= MaxReportedLines)
            {
                errors.Add($"{Prefix}: {where} line {i + 1}: {error}");
            }
        }
        if (bad > MaxReportedLines) errors.Add($"{Prefix}: {where}: {bad - MaxReportedLines} more bad lines");
        if (found == 0 && bad == 0) errors.Add($"{Prefix}: {where} has no recipients (only blank lines and # comments); expected one age1... or ssh-rsa public key per line");
    }

    private static bool TryParse(string text, out AgeRecipient? recipient, out string? error)
    {
        recipient = null;
        error = null;
        if (text.Length == 0)
        {
            error = "empty; expected an age1... X25519 public key or an ssh-rsa public key";
            return false;
        }
        try
        {
            recipient = AgeRecipient.Parse(text);
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>The file as UTF-8 text; false with what is wrong when it cannot be read or is too large to be a recipients file.</summary>
    private static bool TryRead(string path, out string text, out string problem)
    {
        text = problem = "";
        try
        {
            if (Directory.Exists(path))
            {
                problem = "it is a directory";
                return false;
            }
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            if (file.Length > MaxFileBytes)
            {
                problem = $"larger than {MaxFileBytes} bytes, not a recipients file";
                return false;
            }
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            text = Encoding.UTF8.GetString(bytes);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "no such file";
        }
        catch (UnauthorizedAccessException)
        {
            problem = "permission denied";
        }
        catch (IOException e)
        {
            problem = e.Message;
        }
        return false;
    }
}
