using System.Text;

namespace ContainerLogger.Templates;

internal enum TokenKind
{
    /// <summary>Literal text between actions, trim markers already applied.</summary>
    Text,
    ActionStart,
    ActionEnd,
    Identifier,
    /// <summary>One <c>.Name</c>; a chain <c>.A.B</c> is several, with no space between them.</summary>
    Field,
    Variable,
    Dot,
    String,
    Number,
    Bool,
    Nil,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
    EndOfText,
}

/// <param name="Text">The token as written in the template, for messages.</param>
/// <param name="Value">Text content, string value after escapes, or the name of an identifier, field or variable.</param>
/// <param name="SpaceBefore">Operands must be separated by spaces; a field right after a term chains onto it.</param>
internal sealed record Token(TokenKind Kind, string Text, string Value, long Number, TextPosition Position, bool SpaceBefore);

/// <summary>
/// Splits a template into text and action tokens by Go text/template's lexical rules: <c>{{</c> <c>}}</c>
/// delimiters, <c>{{- </c> and <c> -}}</c> trim markers, <c>{{/* */}}</c> comments (dropped here), and newlines
/// allowed inside actions.
/// </summary>
internal sealed class TemplateLexer
{
    private static readonly char[] SpaceChars = [' ', '\t', '\r', '\n'];

    private readonly string _text;
    private readonly List<int> _lineStarts = [0];
    private readonly List<Token> _tokens = [];
    private int _pos;
    private bool _trimNextText;

    private TemplateLexer(string text)
    {
        _text = text;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') _lineStarts.Add(i + 1);
    }

    public static IReadOnlyList<Token> Tokenize(string text) => new TemplateLexer(text).Run();

    private List<Token> Run()
    {
        while (_pos < _text.Length)
        {
            int open = _text.IndexOf("{{", _pos, StringComparison.Ordinal);
            AddText(open < 0 ? _text.Length : open, trimEnd: open >= 0 && HasLeftTrimMarker(open));
            if (open < 0) break;
            LexAction(open);
        }
        Add(TokenKind.EndOfText, _text.Length, _text.Length, "", false);
        return _tokens;
    }

    private void AddText(int end, bool trimEnd)
    {
        var text = _text[_pos..end];
        if (_trimNextText) text = text.TrimStart(SpaceChars);
        if (trimEnd) text = text.TrimEnd(SpaceChars);
        if (text.Length > 0) _tokens.Add(new Token(TokenKind.Text, text, text, 0, PositionAt(_pos), false));
        _trimNextText = false;
        _pos = end;
    }

    // "{{-" trims only when a space follows: "{{-3}}" is the number -3.
    private bool HasLeftTrimMarker(int open) => open + 3 < _text.Length && _text[open + 2] == '-' && IsSpace(_text[open + 3]);

    private bool AtRightTrimMarker(int pos) =>
        pos + 1 < _text.Length && IsSpace(_text[pos]) && _text[pos + 1] == '-' && string.CompareOrdinal(_text, pos + 2, "}}", 0, 2) == 0;

    private bool AtRightDelimiter(int pos) => string.CompareOrdinal(_text, pos, "}}", 0, 2) == 0;

    private void LexAction(int open)
    {
        _pos = open + (HasLeftTrimMarker(open) ? 4 : 2);
        if (string.CompareOrdinal(_text, _pos, "/*", 0, 2) == 0)
        {
            LexComment(open);
            return;
        }
        _tokens.Add(new Token(TokenKind.ActionStart, "{{", "", 0, PositionAt(open), false));
        var openParens = new Stack<int>();
        bool space = false;
        while (true)
        {
            if (_pos >= _text.Length) throw Error(open, "unclosed action: no closing }}");
            if (AtRightTrimMarker(_pos) || AtRightDelimiter(_pos))
            {
                if (openParens.Count > 0) throw Error(openParens.Peek(), "unclosed left parenthesis");
                _trimNextText = !AtRightDelimiter(_pos);
                Add(TokenKind.ActionEnd, _pos, _pos + (_trimNextText ? 4 : 2), "", space);
                return;
            }
            char c = _text[_pos];
            if (IsSpace(c))
            {
                space = true;
                _pos++;
                continue;
            }
            int start = _pos;
            switch (c)
            {
                case '|': Add(TokenKind.Pipe, start, start + 1, "", space); break;
                case ',': Add(TokenKind.Comma, start, start + 1, "", space); break;
                case '=': Add(TokenKind.Assign, start, start + 1, "", space); break;
                case ':':
                    if (_pos + 1 >= _text.Length || _text[_pos + 1] != '=') throw Error(start, "expected := after ':'");
                    Add(TokenKind.Declare, start, start + 2, "", space);
                    break;
                case '(':
                    openParens.Push(start);
                    Add(TokenKind.LeftParen, start, start + 1, "", space);
                    break;
                case ')':
                    if (!openParens.TryPop(out _)) throw Error(start, "unexpected right parenthesis");
                    Add(TokenKind.RightParen, start, start + 1, "", space);
                    break;
                case '"': LexQuoted(space); break;
                case '`': LexRaw(space); break;
                case '\'': throw Error(start, "character constants are not supported; use a \"string\"");
                case '$':
                    int variableEnd = NameEnd(start + 1);
                    Add(TokenKind.Variable, start, variableEnd, _text[start..variableEnd], space);
                    break;
                case '.' when start + 1 < _text.Length && IsNameChar(_text[start + 1]) && !char.IsAsciiDigit(_text[start + 1]):
                    int fieldEnd = NameEnd(start + 1);
                    Add(TokenKind.Field, start, fieldEnd, _text[(start + 1)..fieldEnd], space);
                    break;
                case '.' when start + 1 >= _text.Length || !char.IsAsciiDigit(_text[start + 1]):
                    Add(TokenKind.Dot, start, start + 1, "", space);
                    break;
                default:
                    if (c is '+' or '-' or '.' || char.IsAsciiDigit(c))
                    {
                        LexNumber(space);
                    }
                    else if (IsNameChar(c))
                    {
                        int end = NameEnd(start);
                        var word = _text[start..end];
                        var kind = word switch { "true" or "false" => TokenKind.Bool, "nil" => TokenKind.Nil, _ => TokenKind.Identifier };
                        Add(kind, start, end, word, space);
                    }
                    else
                    {
                        throw Error(start, $"unexpected character {Describe(c)} in action");
                    }
                    break;
            }
            space = false;
        }
    }

    private void LexComment(int open)
    {
        int close = _text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
        if (close < 0) throw Error(open, "unclosed comment: no closing */");
        _pos = close + 2;
        if (AtRightTrimMarker(_pos)) (_pos, _trimNextText) = (_pos + 4, true);
        else if (AtRightDelimiter(_pos)) _pos += 2;
        else throw Error(_pos, "a comment must end right before the closing }}");
    }

    private void LexQuoted(bool space)
    {
        int start = _pos;
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        int i = start + 1;
        while (true)
        {
            if (i >= _text.Length || _text[i] == '\n') throw Error(start, "unterminated quoted string");
            char c = _text[i];
            if (c == '"') break;
            if (c == '\\')
            {
                i = Escape(i, bytes);
                continue;
            }
            Rune.DecodeFromUtf16(_text.AsSpan(i), out var rune, out int length);
            bytes.AddRange(utf8[..rune.EncodeToUtf8(utf8)]);
            i += length;
        }
        // \x and octal escapes give bytes, which need not be UTF-8; Go keeps them, a .NET string cannot.
        var value = GoText.FromUtf8(bytes.ToArray());
        Add(TokenKind.String, start, i + 1, value, space);
    }

    /// <summary>One Go escape sequence starting at the backslash at <paramref name="i"/>; returns the index after it.</summary>
    private int Escape(int i, List<byte> bytes)
    {
        if (i + 1 >= _text.Length) throw Error(i, "unterminated quoted string");
        char kind = _text[i + 1];
        byte? simple = kind switch
        {
            'a' => 7, 'b' => 8, 'f' => 12, 'n' => 10, 'r' => 13, 't' => 9, 'v' => 11, '\\' => (byte)'\\', '"' => (byte)'"',
            _ => null,
        };
        if (simple is { } b)
        {
            bytes.Add(b);
            return i + 2;
        }
        (int digits, int radix) = kind switch
        {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            >= '0' and <= '7' => (3, 8),
            _ => throw Error(i, $"unknown escape sequence \\{kind} in quoted string"),
        };
        int first = kind is >= '0' and <= '7' ? i + 1 : i + 2;
        if (first + digits > _text.Length) throw Error(i, "unterminated escape sequence in quoted string");
        long value = 0;
        for (int d = first; d < first + digits; d++)
        {
            int digit = HexValue(_text[d]);
            if (digit < 0 || digit >= radix) throw Error(i, $"invalid escape sequence {_text[i..(first + digits)]} in quoted string");
            value = value * radix + digit;
        }
        if (kind is 'x' || radix == 8)
        {
            if (value > 255) throw Error(i, $"octal escape {_text[i..(first + digits)]} is above \\377");
            bytes.Add((byte)value);
        }
        else
        {
            if (value > 0x10FFFF || !Rune.IsValid((int)value)) throw Error(i, $"escape {_text[i..(first + digits)]} is not a valid Unicode code point");
            bytes.AddRange(Encoding.UTF8.GetBytes(new Rune((int)value).ToString()));
        }
        return first + digits;
    }

    private void LexRaw(bool space)
    {
        int start = _pos;
        int close = _text.IndexOf('`', start + 1);
        if (close < 0) throw Error(start, "unterminated raw quoted string");
        // Go drops carriage returns from raw strings.
        Add(TokenKind.String, start, close + 1, _text[(start + 1)..close].Replace("\r", ""), space);
    }

    /// <summary>
    /// Integers as Go's ParseInt with base 0 reads them: optional sign, 0x 0o 0b prefixes, a leading 0 for octal,
    /// underscores between digits. Floats and complex numbers are not needed for a tag and are refused.
    /// </summary>
    private void LexNumber(bool space)
    {
        int start = _pos, end = start + 1;
        while (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] is '_' or '.'
                   || (_text[end] is '+' or '-' && _text[end - 1] is 'e' or 'E' or 'p' or 'P')))
            end++;
        var text = _text[start..end];
        if (!TryParseInteger(text, out long number))
            throw Error(start, $"bad number {text}: only integers such as 3, -1 or 0x1f are supported");
        _tokens.Add(new Token(TokenKind.Number, text, text, number, PositionAt(start), space));
        _pos = end;
        CheckTerminator(text);
    }

    private static bool TryParseInteger(string text, out long number)
    {
        number = 0;
        bool negative = text[0] == '-';
        var digits = text[0] is '+' or '-' ? text[1..] : text;
        int radix = 10;
        if (digits.Length > 1 && digits[0] == '0')
        {
            (radix, digits) = char.ToLowerInvariant(digits[1]) switch
            {
                'x' => (16, digits[2..]),
                'o' => (8, digits[2..]),
                'b' => (2, digits[2..]),
                _ => (8, digits[1..]),
            };
        }
        if (digits.Length == 0 || digits[0] == '_' || digits[^1] == '_' || digits.Contains("__")) return false;
        ulong magnitude = 0;
        foreach (char c in digits)
        {
            if (c == '_') continue;
            int digit = HexValue(c);
            if (digit < 0 || digit >= radix) return false;
            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)radix) return false;
            magnitude = magnitude * (ulong)radix + (ulong)digit;
        }
        if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue)) return false;
        number = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private void Add(TokenKind kind, int start, int end, string value, bool space)
    {
        _tokens.Add(new Token(kind, _text[start..end], value, 0, PositionAt(start), space));
        _pos = end;
        if (kind is TokenKind.Field or TokenKind.Variable or TokenKind.Identifier or TokenKind.Bool or TokenKind.Nil)
            CheckTerminator(_text[start..end]);
    }

    /// <summary>Go wants a name or number to end at a space, '.', ',', '|', ':', a parenthesis or the closing delimiter.</summary>
    private void CheckTerminator(string token)
    {
        if (_pos >= _text.Length || IsSpace(_text[_pos]) || _text[_pos] is '.' or ',' or '|' or ':' or '(' or ')' || AtRightDelimiter(_pos)) return;
        throw Error(_pos, $"unexpected character {Describe(_text[_pos])} after {token}");
    }

    private int NameEnd(int start)
    {
        int end = start;
        while (end < _text.Length && IsNameChar(_text[end])) end++;
        return end;
    }

    // Go identifiers: letters, digits and '_' (Unicode letters included).
    private static bool IsNameChar(char c) => c == '_' || char.IsLetterOrDigit(c);

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static string Describe(char c) => $"'{c}' (U+{(int)c:X4})";

    private TextPosition PositionAt(int offset)
    {
        int line = _lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        return new TextPosition(line + 1, offset - _lineStarts[line] + 1);
    }

    private FormatException Error(int offset, string message) => TemplateError.At(PositionAt(offset), message);
}
