namespace ContainerLogger.Tests.Multiline;

/// <summary>One stack trace as a runtime printed it (Multiline/Corpus/&lt;rule&gt;/&lt;case&gt;.txt, made by Corpus/regenerate.sh).</summary>
public sealed record CorpusFile(string Rule, string Case, string Text)
{
    public string[] Lines => Text.EndsWith('\n') ? Text[..^1].Split('\n') : Text.Split('\n');

    /// <summary>
    /// The records the trace must arrive as: blank lines before it each on their own (nothing can know that a blank
    /// line begins a trace; node prints one before a thrown string), then the whole trace as one.
    /// </summary>
    public string[] ExpectedRecords
    {
        get
        {
            var lines = Lines;
            int blanks = lines.TakeWhile(l => l.Length == 0).Count();
            return [.. Enumerable.Repeat("", blanks), string.Join("\n", lines.Skip(blanks))];
        }
    }

    public override string ToString() => $"{Rule}/{Case}";
}

internal static class CorpusFiles
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Multiline", "Corpus");

    public static IEnumerable<CorpusFile> All() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.txt", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => new CorpusFile(Path.GetFileName(Path.GetDirectoryName(path)!), Path.GetFileNameWithoutExtension(path), File.ReadAllText(path)));

    public static CorpusFile Get(string rule, string name) => All().Single(f => f.Rule == rule && f.Case == name);
}
