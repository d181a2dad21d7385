using System.IO.Compression;
using ContainerLogger.Crypto;
using ContainerLogger.Files;
using ContainerLogger.Native;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// The one way a staged file becomes an object: staged records → gzip → (age, with encryption recipients) → object
/// file → upload → files removed. The object is written beside the records as .gz.tmp (.gz.age.tmp), synced and
/// renamed into place, so an object found after a crash is complete (it is uploaded as is) and a .tmp is not (it is
/// made again).
/// Before the first object, &lt;prefix&gt;/container.json (encrypted as the objects are) goes up once per container; a
/// file in the staging directory remembers that it did.
/// </summary>
/// <param name="encryptTo">The tenant's age recipients; null: objects are plain gzip.</param>
internal sealed class ArchivePipeline(StagingDirectory staging, S3Transport transport, string keyPrefix, byte[] containerJson,
    IReadOnlyList<AgeRecipient>? encryptTo)
{
    /// <summary>The object files' and keys' suffix.</summary>
    public static string ObjectSuffix(IReadOnlyList<AgeRecipient>? encryptTo) => encryptTo is null ? StagedFile.GzipSuffix : StagedFile.EncryptedSuffix;

    private const string ContainerJsonMarker = "container.json.uploaded";

    private bool _containerJsonUploaded;

    /// <summary>&lt;prefix&gt;/container.json, or container.json.age when encrypting: the labels and command line are the tenant's too.</summary>
    public string ContainerJsonKey => keyPrefix + (encryptTo is null ? "/container.json" : "/container.json.age");

    /// <summary>Uploads <paramref name="file"/> and removes it from the staging directory; throws, keeping it, on failure.</summary>
    public void Ship(StagedFile file)
    {
        EnsureContainerJson();
        if (!file.HasObject) WriteObject(file);
        transport.PutFile(StagedFile.ObjectKey(file.Stamp, keyPrefix, file.ObjectSuffix), file.ObjectPath, encryptTo is null ? "application/gzip" : "application/octet-stream");
        staging.Uploaded(file);
    }

    private void WriteObject(StagedFile file)
    {
        using (var records = new FileStream(file.PlainPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
        {
            // The rotation was a rename of a file written with write(2): on disk before anything relies on it.
            Sync(records);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 64 * 1024 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var output = new FileStream(file.PartialObjectPath, options);
            if (encryptTo is null) GzipWithExtra.Compress(records, output, extra: default, CompressionLevel.Fastest);
            else
            {
                using var encrypted = new AgeWriter(output, encryptTo, leaveOpen: true);
                GzipWithExtra.Compress(records, encrypted, extra: default, CompressionLevel.Fastest);
                encrypted.Finish();
            }
            output.Flush(flushToDisk: true);
        }
        File.Move(file.PartialObjectPath, file.ObjectPath, overwrite: true);
        staging.SyncDirectory();
        staging.ObjectWritten(file, new FileInfo(file.ObjectPath).Length);
    }

    private void EnsureContainerJson()
    {
        if (_containerJsonUploaded) return;
        string marker = Path.Combine(staging.DirectoryPath, ContainerJsonMarker);
        // The marker names the key, so a staging directory reused for another container uploads that one's.
        if (!File.Exists(marker) || File.ReadAllText(marker) != ContainerJsonKey)
        {
            if (encryptTo is null) transport.Put(ContainerJsonKey, containerJson, "application/json");
            else transport.Put(ContainerJsonKey, Encrypted(containerJson, encryptTo), "application/octet-stream");
            File.WriteAllText(marker, ContainerJsonKey);
        }
        _containerJsonUploaded = true;
    }

    private static byte[] Encrypted(byte[] plain, IReadOnlyList<AgeRecipient> recipients)
    {
        using var buffer = new MemoryStream();
        using (var age = new AgeWriter(buffer, recipients, leaveOpen: true))
        {
            age.Write(plain);
            age.Finish();
        }
        return buffer.ToArray();
    }

    private static void Sync(FileStream stream)
    {
        if (Libc.fsync((int)stream.SafeFileHandle.DangerousGetHandle()) != 0)
            throw new IOException($"syncing {stream.Name}: {Libc.ErrorText(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
    }
}
