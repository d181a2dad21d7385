namespace ContainerLogger.Drivers.JsonFile;

/// <summary>rotate-naming=index, Docker's scheme: &lt;file&gt;.1 is the newest rotated file, &lt;file&gt;.N-1 the oldest.</summary>
internal static class IndexRotation
{
    /// <summary>
    /// Deletes &lt;file&gt;.keep, shifts .i-1 to .i, then renames the live file to &lt;file&gt;.1. The rotated files
    /// carry <paramref name="extension"/> (.gz, .age, .gz.age) once compressed or encrypted; the live file is
    /// renamed without it. Returns &lt;file&gt;.1, or null when there was no live file to move.
    /// </summary>
    public static string? MoveAside(string path, int keep, string extension)
    {
        File.Delete($"{path}.{keep}{extension}");
        for (int i = keep; i > 1; i--)
            FileRename.IfExists($"{path}.{i - 1}{extension}", $"{path}.{i}{extension}");
        return FileRename.IfExists(path, path + ".1") ? path + ".1" : null;
    }
}
