using System.Text;
using System.Text.Json;
using ContainerLogger.Cli;

namespace ContainerLogger.Tests.Docs;

/// <summary>
/// The README's options tables are `--list-drivers --json` rendered as markdown: this test renders them again and
/// requires the README to hold exactly that, so the documentation cannot drift from the declarations.
/// </summary>
public class ReadmeOptionsTableTests
{
    private const string Begin = "<!-- options:begin (generated from --list-drivers --json; checked by ReadmeOptionsTableTests) -->";
    private const string End = "<!-- options:end -->";

    [Test]
    public void ReadmeTablesMatchTheDriverListing()
    {
        string expected = RenderTables(ListingJson());
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        int end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.That(begin, Is.GreaterThanOrEqualTo(0), "README.md lacks the options begin marker");
        Assert.That(end, Is.GreaterThan(begin), "README.md lacks the options end marker");
        string actual = readme[(begin + Begin.Length)..end].Trim();
        Assert.That(actual, Is.EqualTo(expected), "README options tables differ from --list-drivers --json; expected:\n" + expected);
    }

    [Test]
    public void RendererListsEveryOptionOfEveryDriverOnce()
    {
        using var listing = ListingJson();
        string tables = RenderTables(listing);
        foreach (var driver in listing.RootElement.GetProperty("drivers").EnumerateArray())
        foreach (var option in driver.GetProperty("options").EnumerateArray())
            Assert.That(tables, Does.Contain($"| `{option.GetProperty("name").GetString()}`"));
    }

    private static JsonDocument ListingJson()
    {
        using var output = new MemoryStream();
        DriverListing.WriteJson(output);
        return JsonDocument.Parse(output.ToArray());
    }

    /// <summary>One table of the options every driver shares, one per group of drivers sharing more, then one per driver of its own options.</summary>
    private static string RenderTables(JsonDocument listing)
    {
        var drivers = listing.RootElement.GetProperty("drivers").EnumerateArray()
            .Select(d => (Name: d.GetProperty("name").GetString()!, Options: d.GetProperty("options").EnumerateArray().ToList()))
            .ToList();
        var common = drivers[0].Options.Select(Name)
            .Where(name => drivers.All(d => d.Options.Any(o => Name(o) == name)))
            .ToHashSet();

        var text = new StringBuilder();
        text.Append("#### Every driver\n\n");
        AppendHeader(text);
        foreach (var option in drivers[0].Options.Where(o => common.Contains(Name(o))))
        {
            // A default that differs by driver (tag) is shown as the usual one plus the exceptions.
            var defaults = drivers.Select(d => (d.Name, Default: DefaultOf(d.Options.First(o => Name(o) == Name(option))))).ToList();
            string usual = defaults.GroupBy(d => d.Default).OrderByDescending(g => g.Count()).First().Key;
            var exceptions = defaults.Where(d => d.Default != usual).Select(d => $"{d.Name}: {d.Default}");
            AppendRow(text, option, string.Join("; ", exceptions.Prepend(usual)));
        }
        // Options several drivers (but not all) share, such as the disk buffer's, get one table under those drivers' names.
        var holders = drivers.SelectMany(d => d.Options.Where(o => !common.Contains(Name(o))).Select(o => (Option: Name(o), Driver: d.Name)))
            .GroupBy(p => p.Option).ToDictionary(g => g.Key, g => string.Join(", ", g.Select(p => p.Driver)));
        var shared = new HashSet<string>(holders.Where(h => h.Value.Contains(',')).Select(h => h.Key));
        foreach (var group in shared.GroupBy(option => holders[option]))
        {
            text.Append($"\n#### {group.Key}\n\n");
            AppendHeader(text);
            var first = drivers.First(d => d.Options.Any(o => Name(o) == group.First()));
            foreach (var option in first.Options.Where(o => group.Contains(Name(o)))) AppendRow(text, option, DefaultOf(option));
        }
        foreach (var (name, options) in drivers)
        {
            var own = options.Where(o => !common.Contains(Name(o)) && !shared.Contains(Name(o))).ToList();
            if (own.Count == 0) continue;
            text.Append($"\n#### {name}\n\n");
            AppendHeader(text);
            foreach (var option in own) AppendRow(text, option, DefaultOf(option));
        }
        return text.ToString().Trim();
    }

    private static string Name(JsonElement option) => option.GetProperty("name").GetString()!;

    private static string DefaultOf(JsonElement option) => option.GetProperty("default").GetString() switch
    {
        null => "none",
        var value => Code(value),
    };

    /// <summary>A value as inline code; the empty string as `""`, since empty backticks do not render.</summary>
    private static string Code(string value) => value.Length == 0 ? "`\"\"`" : $"`{Cell(value)}`";

    private static void AppendHeader(StringBuilder text) =>
        text.Append("| option | type | default | allowed | description |\n|---|---|---|---|---|\n");

    private static void AppendRow(StringBuilder text, JsonElement option, string defaultCell)
    {
        var names = new List<string> { $"`{Name(option)}`" };
        if (option.TryGetProperty("aliases", out var aliases))
            names.AddRange(aliases.EnumerateArray().Select(a => $"`{a.GetString()}`"));
        string allowed = string.Join(", ", option.GetProperty("allowed").EnumerateArray().Select(a => Code(a.GetString()!)));
        text.Append($"| {string.Join(" ", names.Take(1))}{(names.Count > 1 ? " (alias " + string.Join(", ", names.Skip(1)) + ")" : "")} | ")
            .Append($"{option.GetProperty("type").GetString()} | {defaultCell} | {allowed} | {Text(option.GetProperty("description").GetString()!)} |\n");
    }

    private static string Cell(string value) => value.Replace("|", "\\|");

    /// <summary>Prose in a cell: "&lt;file&gt;" must not read as an HTML tag.</summary>
    private static string Text(string value) => Cell(value).Replace("<", "&lt;");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ContainerLogger.sln"))) return directory.FullName;
        throw new DirectoryNotFoundException("ContainerLogger.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
