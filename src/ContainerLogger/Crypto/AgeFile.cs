namespace ContainerLogger.Crypto;

/// <summary>Encrypts a whole file into a new age file, streaming (memory stays at one chunk).</summary>
public static class AgeFile
{
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>
    /// Writes <paramref name="source"/> encrypted to <paramref name="recipients"/> into <paramref name="target"/>
    /// (created with mode 0640, replaced if present). A failure leaves a target without its final chunk, which
    /// every age reader rejects; the caller deletes it.
    /// </summary>
    public static void Encrypt(string source, string target, IReadOnlyList<AgeRecipient> recipients)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        var outputOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) outputOptions.UnixCreateMode = Mode0640; // a guard the platform analyzer understands
        using var file = new FileStream(target, outputOptions);
        using var output = new AgeWriter(file, recipients, leaveOpen: true);
        var buffer = new byte[AgePayload.ChunkSize];
        int read;
        while ((read = input.Read(buffer)) > 0) output.Write(buffer.AsSpan(0, read));
        output.Finish();
    }
}
