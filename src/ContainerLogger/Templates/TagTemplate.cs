using ContainerLogger.Config;

namespace ContainerLogger.Templates;

/// <summary>
/// A Docker log tag template (CONTRACT.md section 4): Go text/template over Docker's logger.Info, with Docker's
/// functions (json split join title lower upper pad truncate) and the Go builtins a tag can use. Actions,
/// pipelines, parentheses, variables, trim markers, comments and if/with/range are supported; define, template,
/// block, break and continue are not.
/// </summary>
public sealed class TagTemplate
{
    /// <summary>The longest tag rendered; Go has no limit, but a longer tag is a mistake and memory stays bounded.</summary>
    internal const int MaxLength = 64 * 1024;

    private readonly IReadOnlyList<TemplateNode> _nodes;

    private TagTemplate(IReadOnlyList<TemplateNode> nodes) => _nodes = nodes;

    /// <exception cref="FormatException">
    /// A syntax error, an unknown function, field or variable, or a wrong number of arguments; the message gives
    /// the line and column.
    /// </exception>
    public static TagTemplate Parse(string text) => new(TemplateParser.Parse(text));

    /// <exception cref="FormatException">An execution error, such as an argument of the wrong type or an index out of range.</exception>
    public string Render(ContainerInfo info) => TemplateEvaluator.Render(_nodes, info);
}
