using ContainerLogger.Config;

namespace ContainerLogger.Templates;

// Placeholder until the full Go text/template subset lands.
public sealed class TagTemplate
{
    private readonly string _text;
    private TagTemplate(string text) => _text = text;
    public static TagTemplate Parse(string text) => new(text);
    public string Render(ContainerInfo info) => _text.Replace("{{.ID}}", info.Id);
}
