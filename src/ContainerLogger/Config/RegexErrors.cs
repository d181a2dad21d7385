using System.Text;
using System.Text.RegularExpressions;

namespace ContainerLogger.Config;

/// <summary>
/// What the regex parser said, in words. The executable is built without resource strings (UseSystemResourceKeys),
/// so its exception messages are resource keys: the parse error's kind and offset are spelled out instead.
/// </summary>
internal static class RegexErrors
{
    private const string ExpressionKey = "ExpressionDescription_";

    /// <summary>"insufficient closing parentheses at offset 9".</summary>
    public static string Describe(ArgumentException e) => e is RegexParseException parse ? $"{Words(parse.Error.ToString())} at offset {parse.Offset}" : e.Message;

    /// <summary>The construct the non-backtracking engine refused ("backreference"), or the message as it is.</summary>
    public static string Describe(NotSupportedException e)
    {
        int key = e.Message.IndexOf(ExpressionKey, StringComparison.Ordinal);
        return key < 0 ? e.Message : Words(e.Message[(key + ExpressionKey.Length)..]);
    }

    private static string Words(string pascalCase)
    {
        var words = new StringBuilder(pascalCase.Length + 8);
        foreach (char c in pascalCase)
        {
            if (char.IsAsciiLetterUpper(c) && words.Length > 0) words.Append(' ');
            words.Append(char.ToLowerInvariant(c));
        }
        return words.ToString();
    }
}
