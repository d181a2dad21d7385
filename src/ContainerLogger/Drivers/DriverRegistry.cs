namespace ContainerLogger.Drivers;

/// <summary>The drivers compiled into this binary. Adding a driver: one folder under drivers/ and one line here.</summary>
public static class DriverRegistry
{
    public static IReadOnlyList<DriverDescriptor> All { get; } =
    [
        ContainerLogger.Drivers.JsonFile.JsonFileDriver.Descriptor,
        ContainerLogger.Drivers.Syslog.SyslogDriver.Descriptor,
        ContainerLogger.Drivers.Fluentd.FluentdDriver.Descriptor,
        ContainerLogger.Drivers.Gelf.GelfDriver.Descriptor,
        ContainerLogger.Drivers.S3.S3Driver.Descriptor,
        ContainerLogger.Drivers.None.NoneDriver.Descriptor,
    ];

    public static DriverDescriptor? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
