namespace ContainerLogger.Drivers.JsonFile;

internal static class FileRename
{
    /// <summary>rename(2), replacing the target; false when the source does not exist (Docker ignores that case).</summary>
    public static bool IfExists(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: true);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }
}
