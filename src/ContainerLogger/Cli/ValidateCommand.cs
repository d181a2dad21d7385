using ContainerLogger.Config;
using ContainerLogger.Drivers;

namespace ContainerLogger.Cli;

/// <summary>`--validate &lt;driver&gt;`: the environment parsed exactly as a run would, every problem printed, no input read.</summary>
internal static class ValidateCommand
{
    public static int Execute(string driverName, TextWriter output, Diagnostics diagnostics)
    {
        var descriptor = DriverRegistry.Find(driverName);
        if (descriptor is null)
        {
            diagnostics.Always($"unknown driver \"{driverName}\"; available: {string.Join(", ", DriverRegistry.All.Select(d => d.Name))}");
            return ExitCodes.Configuration;
        }
        var config = RunConfiguration.Load(descriptor, Environment.GetEnvironmentVariables());
        foreach (var error in config.Errors) diagnostics.Always(error);
        if (config.Errors.Count > 0) return ExitCodes.Configuration;
        output.WriteLine($"{descriptor.Name}: configuration is valid");
        return ExitCodes.Ok;
    }
}
