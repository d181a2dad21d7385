using System.Diagnostics;

namespace ContainerLogger.Tests.Support;

/// <summary>
/// A CA, a second unrelated CA and a server certificate for localhost / 127.0.0.1 signed by the first, made with
/// openssl in <paramref name="directory"/>: ca.pem, wrong-ca.pem, server.pem, server.key.
/// </summary>
internal static class TestCertificates
{
    public static void Make(string directory)
    {
        string D(string name) => Path.Combine(directory, name);
        File.WriteAllText(D("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        foreach (var ca in new[] { "ca", "wrong-ca" })
            Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", D(ca + ".key"), "-out", D(ca + ".pem"),
                "-days", "2", "-subj", $"/CN=containerlogger test {ca}");
        Run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", D("server.key"), "-out", D("server.csr"), "-subj", "/CN=localhost");
        Run("openssl", "x509", "-req", "-in", D("server.csr"), "-CA", D("ca.pem"), "-CAkey", D("ca.key"), "-CAcreateserial",
            "-out", D("server.pem"), "-days", "2", "-extfile", D("server.ext"));
    }

    /// <summary>Runs a program to completion within 30 s, failing the test if it fails.</summary>
    public static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            Assert.Fail($"{program} {string.Join(" ", args)} did not finish within 30s");
        }
        if (process.ExitCode != 0)
            Assert.Fail($"{program} {string.Join(" ", args)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
    }
}
