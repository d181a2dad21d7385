using System.Globalization;
using System.Text;

namespace ContainerLogger.Templates;

/// <summary>
/// Docker's <c>json</c> template function: encoding/json with HTML escaping off (Docker calls SetEscapeHTML(false)),
/// Go 1.22+ escapes (\b \f short, other control characters \u00XX, U+2028/U+2029 always escaped).
/// </summary>
internal static class GoJson
{
    public static string Marshal(TemplateValue value)
    {
        var json = new StringBuilder();
        Write(json, value);
        return json.ToString();
    }

    private static void Write(StringBuilder json, TemplateValue value)
    {
        switch (value)
        {
            case StringValue s:
                WriteString(json, s.Value);
                break;
            case IntValue n:
                json.Append(n.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case BoolValue b:
                json.Append(b.Value ? "true" : "false");
                break;
            case ListValue list:
                json.Append('[');
                for (int i = 0; i < list.Items.Count; i++)
                {
                    if (i > 0) json.Append(',');
                    WriteString(json, list.Items[i]);
                }
                json.Append(']');
                break;
            case MapValue map:
                json.Append('{');
                foreach (var key in map.SortedKeys)
                {
                    if (json[^1] != '{') json.Append(',');
                    WriteString(json, key);
                    json.Append(':');
                    WriteString(json, map.Entries[key]);
                }
                json.Append('}');
                break;
            case TimeValue time:
                WriteString(json, time.Time.ToRfc3339Nano());
                break;
            case InfoValue info:
                json.Append('{');
                foreach (var field in InfoMembers.Fields)
                {
                    if (json[^1] != '{') json.Append(',');
                    WriteString(json, field.Name);
                    json.Append(':');
                    Write(json, field.Get(info.Info));
                }
                json.Append('}');
                break;
            default:
                json.Append("null");
                break;
        }
    }

    private static void WriteString(StringBuilder json, string s)
    {
        json.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ' or '\u2028' or '\u2029':
                    json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsSurrogate(c))
                    {
                        // A lone surrogate is not UTF-8; Go writes U+FFFD for what it cannot decode.
                        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) json.Append(c).Append(s[++i]);
                        else json.Append("\\ufffd");
                    }
                    else
                    {
                        json.Append(c);
                    }
                    break;
            }
        }
        json.Append('"');
    }
}
