using System.Diagnostics;

namespace ContainerLogger.Tests.Support;

/// <summary>The receivers' child processes (node, python3) that the tests start and stop again.</summary>
internal static class ChildProcess
{
    /// <summary>Kills <paramref name="process"/> if it still runs, waits for it, and forgets it; nothing when null.</summary>
    public static void Stop(ref Process? process)
    {
        if (process is null) return;
        if (!process.HasExited) process.Kill();
        process.WaitForExit();
        process.Dispose();
        process = null;
    }
}
