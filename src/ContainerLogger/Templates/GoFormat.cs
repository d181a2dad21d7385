using System.Globalization;
using System.Text;
using ContainerLogger.Config;

namespace ContainerLogger.Templates;

/// <summary>
/// The part of Go's fmt package that print, println, printf and an action's output use. printf knows the flags
/// '-', '+' and '0', width, precision and the verbs v s q d x X c t; '#' and ' ' are accepted and ignored. Errors
/// are written into the text, as Go does (%!d(string=x), %!s(MISSING), %!(EXTRA int=1)), never thrown.
/// </summary>
internal static class GoFormat
{
    // fmt refuses widths and precisions above this; they end the format with %!(NOVERB).
    private const int MaxWidth = 1_000_000;

    private readonly record struct Spec(bool Minus, bool Plus, bool Zero, int? Width, int? Precision)
    {
        public static readonly Spec Plain = new(false, false, false, null, null);
    }

    /// <summary>What an action writes: the dot is printed without fmt's '&amp;', a missing value as &lt;no value&gt;.</summary>
    public static string ForAction(TemplateValue value) => value switch
    {
        NilValue => "<no value>",
        InfoValue info => Struct(info.Info, 'v', Spec.Plain),
        _ => Default(value),
    };

    /// <summary>fmt's %v.</summary>
    public static string Default(TemplateValue value) => Format(value, 'v', Spec.Plain);

    /// <summary>fmt.Sprint: a space goes between two operands only when neither is a string.</summary>
    public static string Sprint(IReadOnlyList<TemplateValue> values)
    {
        var text = new StringBuilder();
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0 && values[i] is not StringValue && values[i - 1] is not StringValue) text.Append(' ');
            text.Append(Default(values[i]));
        }
        return text.ToString();
    }

    /// <summary>fmt.Sprintln: spaces between all operands and a newline at the end.</summary>
    public static string Sprintln(IReadOnlyList<TemplateValue> values) => string.Join(' ', values.Select(Default)) + "\n";

    public static string Sprintf(string format, IReadOnlyList<TemplateValue> args)
    {
        var text = new StringBuilder();
        int next = 0, i = 0;
        while (i < format.Length)
        {
            if (format[i] != '%')
            {
                text.Append(format[i++]);
                continue;
            }
            i++;
            bool minus = false, plus = false, zero = false;
            for (; i < format.Length && "-+0# ".Contains(format[i]); i++)
            {
                minus |= format[i] == '-';
                plus |= format[i] == '+';
                zero |= format[i] == '0';
            }
            int? width = Number(format, ref i);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = Number(format, ref i) ?? 0;
            }
            if (width > MaxWidth || precision > MaxWidth || i >= format.Length)
            {
                text.Append("%!(NOVERB)");
                break;
            }
            Rune.DecodeFromUtf16(format.AsSpan(i), out var verb, out int verbLength);
            i += verbLength;
            if (verb.Value == '%')
                text.Append('%');
            else if (next >= args.Count)
                text.Append("%!").Append(verb.ToString()).Append("(MISSING)");
            else
                text.Append(Format(args[next++], verb.Value, new Spec(minus, plus, zero && !minus, width, precision)));
        }
        if (next < args.Count)
            text.Append("%!(EXTRA ").AppendJoin(", ", args.Skip(next).Select(a => a is NilValue ? "<nil>" : a.GoType + "=" + Default(a))).Append(')');
        return text.ToString();
    }

    private static int? Number(string format, ref int i)
    {
        int start = i;
        long value = 0;
        for (; i < format.Length && char.IsAsciiDigit(format[i]); i++)
            value = Math.Min(value * 10 + (format[i] - '0'), MaxWidth + 1L);
        return i > start ? (int)value : null;
    }

    private static string Format(TemplateValue value, int verb, Spec spec)
    {
        switch (value)
        {
            // fmt formats each element with the same verb, width included.
            case ListValue list:
                return "[" + string.Join(' ', list.Items.Select(item => Format(new StringValue(item), verb, spec))) + "]";
            case MapValue map:
                return "map[" + string.Join(' ', map.SortedKeys.Select(key =>
                    Format(new StringValue(key), verb, spec) + ":" + Format(new StringValue(map.Entries[key]), verb, spec))) + "]";
            case InfoValue info:
                return "&" + Struct(info.Info, verb, spec);
        }
        string? body = value switch
        {
            StringValue s => verb switch
            {
                'v' or 's' => Shorten(s.Value, spec.Precision),
                'q' => Quote(Shorten(s.Value, spec.Precision), '"', asciiOnly: spec.Plus),
                'x' or 'X' => Hex(s.Value, spec.Precision, upper: verb == 'X'),
                _ => null,
            },
            IntValue n => verb switch
            {
                'v' or 'd' => Integer(n.Value, 10, upper: false, spec),
                'x' or 'X' => Integer(n.Value, 16, upper: verb == 'X', spec),
                'c' => ToRune(n.Value).ToString(),
                'q' => Quote(ToRune(n.Value).ToString(), '\'', asciiOnly: spec.Plus),
                _ => null,
            },
            BoolValue b when verb is 'v' or 't' => b.Value ? "true" : "false",
            TimeValue t when verb is 'v' or 's' => t.Time.ToString(),
            TimeValue t when verb is 'q' => Quote(t.Time.ToString(), '"', asciiOnly: spec.Plus),
            NilValue when verb is 'v' => "<nil>",
            _ => null,
        };
        if (body is null)
            return value is NilValue ? $"%!{char.ConvertFromUtf32(verb)}(<nil>)" : $"%!{char.ConvertFromUtf32(verb)}({value.GoType}={Default(value)})";
        return Pad(body, spec);
    }

    /// <summary>A struct as fmt prints it: its fields in order, space separated, in braces.</summary>
    private static string Struct(ContainerInfo info, int verb, Spec spec) =>
        "{" + string.Join(' ', InfoMembers.Fields.Select(f => Format(f.Get(info), verb, spec))) + "}";

    private static string Integer(long value, int radix, bool upper, Spec spec)
    {
        ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        string digits = radix == 10 ? magnitude.ToString(CultureInfo.InvariantCulture) : magnitude.ToString(upper ? "X" : "x", CultureInfo.InvariantCulture);
        string sign = value < 0 ? "-" : spec.Plus ? "+" : "";
        if (spec.Precision is { } precision)
            digits = precision == 0 && value == 0 ? "" : digits.PadLeft(precision, '0');
        else if (spec.Zero && spec.Width is { } width)
            digits = digits.PadLeft(width - sign.Length, '0');
        return sign + digits;
    }

    private static Rune ToRune(long value) => value is >= 0 and <= 0x10FFFF && Rune.IsValid((int)value) ? new Rune((int)value) : Rune.ReplacementChar;

    /// <summary>Precision limits a string to that many characters.</summary>
    private static string Shorten(string s, int? precision) =>
        precision is { } count && s.EnumerateRunes().Count() > count ? string.Concat(s.EnumerateRunes().Take(count)) : s;

    /// <summary>Hex of the UTF-8 bytes; precision limits the bytes.</summary>
    private static string Hex(string s, int? precision, bool upper)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var hex = Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, precision ?? bytes.Length));
        return upper ? hex : hex.ToLowerInvariant();
    }

    private static string Pad(string body, Spec spec)
    {
        if (spec.Width is not { } width) return body;
        int padding = width - body.EnumerateRunes().Count();
        if (padding <= 0) return body;
        return spec.Minus ? body + new string(' ', padding) : new string(' ', padding) + body;
    }

    /// <summary>strconv.Quote (or QuoteToASCII, or QuoteRune with a single quote): Go escapes for what is not printable.</summary>
    public static string Quote(string s, char quote, bool asciiOnly)
    {
        var text = new StringBuilder(s.Length + 2).Append(quote);
        foreach (var r in s.EnumerateRunes())
        {
            switch (r.Value)
            {
                case '\\': text.Append(@"\\"); break;
                case '\a': text.Append(@"\a"); break;
                case '\b': text.Append(@"\b"); break;
                case '\f': text.Append(@"\f"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                case '\v': text.Append(@"\v"); break;
                default:
                    if (r.Value == quote) text.Append('\\').Append(quote);
                    else if (IsPrintable(r) && (!asciiOnly || r.IsAscii)) text.Append(r.ToString());
                    else if (r.Value < 0x80) text.Append(@"\x").Append(r.Value.ToString("x2", CultureInfo.InvariantCulture));
                    else if (r.Value < 0x10000) text.Append(@"\u").Append(r.Value.ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(@"\U").Append(r.Value.ToString("x8", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return text.Append(quote).ToString();
    }

    /// <summary>unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrintable(Rune r) => r.Value == ' ' || Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };
}
