using System.Diagnostics;
using System.Text;

namespace ContainerLogger.Tests.Support;

/// <summary>
/// The reference implementation, Debian's `age` (and `age-keygen`, OpenSSH's `ssh-keygen` for RSA identities): the
/// tests make identities with them and decrypt what ContainerLogger wrote, so the format is checked by code that
/// is not ours.
/// </summary>
internal static class AgeTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>A new X25519 identity file (age-keygen) and its age1... recipient.</summary>
    public static (string Identity, string Recipient) NewX25519(string directory, string name)
    {
        string identity = Path.Combine(directory, name + ".key");
        Run("age-keygen", ["-o", identity]);
        var (_, recipient, _) = Run("age-keygen", ["-y", identity]);
        return (identity, Encoding.ASCII.GetString(recipient).Trim());
    }

    /// <summary>A new unencrypted OpenSSH identity (ssh-keygen -t TYPE) and its "ssh-rsa AAAA... comment" public key line.</summary>
    public static (string Identity, string Recipient) NewSshKey(string directory, string name, string type = "rsa", int? bits = null)
    {
        string identity = Path.Combine(directory, $"{name}_{type}");
        string[] size = bits is { } b ? ["-b", b.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        Run("ssh-keygen", ["-q", "-t", type, .. size, "-N", "", "-C", name, "-f", identity]);
        return (identity, File.ReadAllText(identity + ".pub").Trim());
    }

    /// <summary>`age -d -i IDENTITY FILE`: exit code, plaintext and messages; a non-zero exit is returned, not thrown.</summary>
    public static (int ExitCode, byte[] Plaintext, string Errors) Decrypt(string file, string identity) =>
        Run("age", ["-d", "-i", identity, file], check: false);

    /// <summary>Decrypts with `age`, asserting that it succeeds.</summary>
    public static byte[] DecryptOrFail(string file, string identity)
    {
        var (exit, plaintext, errors) = Decrypt(file, identity);
        Assert.That(exit, Is.EqualTo(0), $"age -d -i {Path.GetFileName(identity)} {Path.GetFileName(file)} failed: {errors}");
        return plaintext;
    }

    /// <summary>The README's way to read a compressed rotated file back: `age -d -i IDENTITY FILE | gunzip`.</summary>
    public static byte[] DecryptAndGunzip(string file, string identity) =>
        Run("bash", ["-o", "pipefail", "-c", "age -d -i \"$1\" \"$2\" | gunzip", "bash", identity, file]).Stdout;

    private static (int ExitCode, byte[] Stdout, string Stderr) Run(string program, string[] arguments, bool check = true)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        if (!process.WaitForExit(Timeout))
        {
            process.Kill();
            Assert.Fail($"{program} did not finish in {Timeout.TotalSeconds}s");
        }
        copy.Wait(Timeout);
        string errors = stderr.Result;
        if (check) Assert.That(process.ExitCode, Is.EqualTo(0), $"{program} {string.Join(' ', arguments)}: {errors}");
        return (process.ExitCode, stdout.ToArray(), errors);
    }
}
