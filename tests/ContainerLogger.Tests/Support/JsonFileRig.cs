using System.Text;
using ContainerLogger.Drivers;
using ContainerLogger.Drivers.JsonFile;

namespace ContainerLogger.Tests.Support;

/// <summary>A json-file driver built the way a run builds it (RunConfiguration.Load, CreateContext, Create), writing under a temp directory.</summary>
internal sealed class JsonFileRig : IDisposable
{
    public static readonly DateTime T0 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public JsonFileRig(string options = "", string fileName = "c-json.log")
    {
        Directory = new TempDirectory();
        Path = Directory.Combine(fileName);
        string pathJson = System.Text.Json.JsonEncodedText.Encode(Path).ToString();
        string config = "{\"path\":\"" + pathJson + "\"" + (options.Length > 0 ? "," + options : "") + "}";
        var loaded = Env.Load(config);
        Assert.That(loaded.Errors, Is.Empty);
        DiagnosticsText = new StringWriter();
        Driver = JsonFileDriver.Descriptor.Create(loaded.CreateContext(new Diagnostics(DiagnosticsText)));
    }

    public TempDirectory Directory { get; }
    public string Path { get; }
    public LogDriver Driver { get; }
    public StringWriter DiagnosticsText { get; }

    /// <summary>Adds record <paramref name="i"/> (time T0 + i seconds).</summary>
    public void Add(string text, int i, LogStream stream = LogStream.Stdout) =>
        Assert.That(Driver.TryAdd(new LogRecord(Encoding.UTF8.GetBytes(text), stream, T0.AddSeconds(i).Ticks)), Is.True);

    /// <summary>The json-file line Docker writes for record <paramref name="i"/>, written out by hand.</summary>
    public static string Expected(string text, int i, string stream = "stdout") =>
        $"{{\"log\":\"{text}\\n\",\"stream\":\"{stream}\",\"time\":\"{T0.AddSeconds(i):yyyy-MM-dd'T'HH:mm:ss}Z\"}}\n";

    public static string ExpectedRange(Func<int, string> text, int from, int toExclusive) =>
        string.Concat(Enumerable.Range(from, toExclusive - from).Select(i => Expected(text(i), i)));

    public string Read(string suffix = "") => File.ReadAllText(Path + suffix);

    /// <summary>File names in the directory, relative to it, sorted.</summary>
    public List<string> Files() =>
        System.IO.Directory.EnumerateFiles(Directory.Path, "*", SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(Directory.Path, f)).Order(StringComparer.Ordinal).ToList();

    public void Dispose()
    {
        Driver.Dispose();
        Directory.Dispose();
    }
}
