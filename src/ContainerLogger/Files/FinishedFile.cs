using System.IO.Compression;
using ContainerLogger.Crypto;

namespace ContainerLogger.Files;

/// <summary>
/// A rotated file made final in one pass: gzip (with Docker's FEXTRA metadata) and/or age encryption, streamed from
/// the plain file into the target, so that no plain intermediate (a .gz waiting for its .age) reaches the disk.
/// </summary>
internal static class FinishedFile
{
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>
    /// Writes <paramref name="target"/> (created with mode 0640, replaced if present) from <paramref name="source"/>:
    /// gzipped when <paramref name="compress"/> (its header carrying <paramref name="extra"/>), then encrypted to
    /// <paramref name="recipients"/> when given. A failure leaves an incomplete target (an age file without its final
    /// chunk, a gzip without its trailer, which readers reject): the caller deletes it.
    /// </summary>
    public static void Write(string source, string target, bool compress, ReadOnlySpan<byte> extra, IReadOnlyList<AgeRecipient>? recipients)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        var outputOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) outputOptions.UnixCreateMode = Mode0640; // a guard the platform analyzer understands
        using var file = new FileStream(target, outputOptions);
        using var encrypted = recipients is null ? null : new AgeWriter(file, recipients, leaveOpen: true);
        Stream output = (Stream?)encrypted ?? file;
        if (compress) GzipWithExtra.Compress(input, output, extra, CompressionLevel.Optimal);
        else input.CopyTo(output, AgePayload.ChunkSize);
        encrypted?.Finish();
    }
}
