namespace ContainerLogger.Crypto;

/// <summary>
/// One recipient of an age file (age-encryption.org/v1): it wraps the file key into a header stanza that only the
/// matching identity can open. Holds a public key only.
/// </summary>
public abstract class AgeRecipient
{
    /// <summary>What the key is, for messages that must not show the key itself ("X25519", "ssh-rsa 3072 bits").</summary>
    public abstract string Description { get; }

    /// <summary>The stanza for this recipient: its arguments (after "-> ") and its body, for a fresh file key.</summary>
    internal abstract AgeStanza Wrap(ReadOnlySpan<byte> fileKey);

    /// <summary>
    /// Parses one recipient as `age -r` and `age -R` take them: an age1... X25519 key or an OpenSSH ssh-rsa public key
    /// ("ssh-rsa AAAA... comment"). Throws <see cref="FormatException"/> whose message never repeats the text.
    /// </summary>
    public static AgeRecipient Parse(string text)
    {
        if (text.StartsWith("age1", StringComparison.OrdinalIgnoreCase)) return X25519Recipient.FromBech32(text);
        string kind = KeyType(text);
        if (kind == "ssh-rsa") return SshRsaRecipient.FromAuthorizedKey(text);
        throw new FormatException(Unsupported(text, kind));
    }

    /// <summary>Names what was given by its kind only: a secret key pasted by mistake must not end up in a log.</summary>
    private static string Unsupported(string text, string kind)
    {
        const string Allowed = "expected an age1... X25519 public key or an ssh-rsa public key";
        if (text.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase) || text.Contains("PRIVATE KEY", StringComparison.Ordinal))
            return $"this is a secret key, never give it here; {Allowed}";
        bool isSshType = kind.Length <= 40 && kind.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '@' or '.') &&
            (kind.StartsWith("ssh-", StringComparison.Ordinal) || kind.StartsWith("ecdsa-", StringComparison.Ordinal) || kind.StartsWith("sk-", StringComparison.Ordinal));
        return isSshType ? $"unsupported key type {kind}; {Allowed}" : $"unrecognized recipient; {Allowed}";
    }

    /// <summary>The first word of an authorized_keys line ("ssh-rsa", "ssh-ed25519", ...).</summary>
    private static string KeyType(string text)
    {
        int end = text.IndexOfAny([' ', '\t']);
        return end < 0 ? text : text[..end];
    }
}

/// <summary>A recipient stanza: "-> " + arguments on the first line, then the body in base64.</summary>
internal readonly record struct AgeStanza(string Arguments, byte[] Body);
