using System.CommandLine;
using ContainerLogger.Cli;
using ContainerLogger.Drivers;

var driver = new Argument<string?>("driver") { Arity = ArgumentArity.ZeroOrOne, Description = "the driver: " + string.Join(", ", DriverRegistry.All.Select(d => d.Name)) };
var stdout = new Option<string>("--stdout") { Description = "stdout source: fd:N, a path, or none", DefaultValueFactory = _ => "fd:3" };
var stderr = new Option<string>("--stderr") { Description = "stderr source: fd:N, a path, or none", DefaultValueFactory = _ => "fd:4" };
var tty = new Option<bool>("--tty") { Description = "one merged stream, read from --stdout and reported as stdout" };
var listDrivers = new Option<bool>("--list-drivers") { Description = "print the drivers this binary supports, one per line" };
var json = new Option<bool>("--json") { Description = "with --list-drivers: every driver with every option, and the version, as JSON" };
var validate = new Option<string?>("--validate") { Description = "parse the DOCKERLOG_* environment for this driver, print every problem, read nothing" };

var root = new RootCommand("containerlogger: ships a container's stdout and stderr, line by line, through one log driver. " +
    "Options come from DOCKERLOG_CONFIG and the other DOCKERLOG_* variables.")
{
    driver, stdout, stderr, tty, listDrivers, json, validate,
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine("containerlogger: " + error.Message);
    Console.Error.WriteLine("containerlogger: see containerlogger --help");
    return ExitCodes.Configuration;
}
// Only --help and --version carry an action; everything else is dispatched below.
if (parsed.Action is not null)
    return parsed.Invoke();

if (parsed.GetValue(listDrivers))
{
    if (parsed.GetValue(json))
    {
        using var output = Console.OpenStandardOutput();
        DriverListing.WriteJson(output);
    }
    else DriverListing.WriteNames(Console.Out);
    return ExitCodes.Ok;
}
if (parsed.GetValue(validate) is { } validateDriver)
    return ValidateCommand.Execute(validateDriver, Console.Out, new Diagnostics());
if (parsed.GetValue(driver) is not { } driverName)
{
    Console.Error.WriteLine("containerlogger: a driver name is required (see containerlogger --help or --list-drivers)");
    return ExitCodes.Configuration;
}
return RunCommand.Execute(driverName, parsed.GetValue(stdout)!, parsed.GetValue(stderr)!, parsed.GetValue(tty));
