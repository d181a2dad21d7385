namespace ContainerLogger.Templates;

/// <summary>
/// Builds the node tree from tokens with Go text/template's grammar. Beyond Go's own parse-time checks (unknown
/// functions, undefined variables, malformed actions) it checks what is known before the container is: argument
/// counts, and field names on the container info, so most mistakes are reported where they are written.
/// </summary>
internal sealed class TemplateParser
{
    // Deeper nesting is no tag anyone writes; the limit keeps the recursion far from the stack's end.
    private const int MaxDepth = 100;

    private readonly IReadOnlyList<Token> _tokens;
    private readonly List<string> _variables = ["$"];
    private int _next;
    private int _depth;
    // Dot is the container info except inside with and range bodies, where it is the value they bind.
    private bool _dotIsInfo = true;

    private TemplateParser(IReadOnlyList<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<TemplateNode> Parse(string text) => new TemplateParser(TemplateLexer.Tokenize(text)).ParseList(opener: null, out _);

    private Token Peek => _tokens[_next];

    private Token Next() => _tokens[_next++];

    /// <summary>Nodes up to the end of the text, or for a block up to its {{else}} or {{end}}, which is returned.</summary>
    private List<TemplateNode> ParseList(Token? opener, out Token? terminator)
    {
        var nodes = new List<TemplateNode>();
        while (true)
        {
            var token = Next();
            if (token.Kind == TokenKind.Text)
            {
                nodes.Add(new TextNode(token.Value));
                continue;
            }
            if (token.Kind == TokenKind.EndOfText)
            {
                if (opener is not null) throw Error(opener, $"{{{{{opener.Value}}}}} has no matching {{{{end}}}}");
                terminator = null;
                return nodes;
            }
            var keyword = Peek;
            switch (keyword.Kind == TokenKind.Identifier ? keyword.Value : "")
            {
                case "end" or "else":
                    if (opener is null) throw Error(keyword, $"{{{{{keyword.Value}}}}} without a matching {{{{if}}}}, {{{{with}}}} or {{{{range}}}}");
                    Next();
                    terminator = keyword;
                    return nodes;
                case "if":
                    nodes.Add(ParseControl(ControlKind.If, Next()));
                    break;
                case "with":
                    nodes.Add(ParseControl(ControlKind.With, Next()));
                    break;
                case "range":
                    nodes.Add(ParseControl(ControlKind.Range, Next()));
                    break;
                case "define" or "template" or "block" or "break" or "continue":
                    throw Error(keyword, $"{{{{{keyword.Value}}}}} is not supported in a log tag");
                default:
                    nodes.Add(new ActionNode(ParsePipeline("action", maxVariables: 1, TokenKind.ActionEnd)));
                    break;
            }
        }
    }

    private ControlNode ParseControl(ControlKind kind, Token keyword)
    {
        EnterNesting(keyword);
        // Variables declared in the block's pipeline or body are visible until its {{end}}.
        int scope = _variables.Count;
        var pipeline = ParsePipeline(keyword.Value, kind == ControlKind.Range ? 2 : 1, TokenKind.ActionEnd);
        bool outerDotIsInfo = _dotIsInfo;
        _dotIsInfo = kind == ControlKind.If && _dotIsInfo;
        var body = ParseList(keyword, out var terminator);
        _dotIsInfo = outerDotIsInfo;
        IReadOnlyList<TemplateNode> elseBody = [];
        if (terminator!.Value == "else")
        {
            // {{else if ...}} (and {{else with ...}}): a nested block that shares this block's {{end}}.
            if (kind != ControlKind.Range && Peek.Kind == TokenKind.Identifier && Peek.Value == keyword.Value)
            {
                elseBody = [ParseControl(kind, Next())];
            }
            else
            {
                ExpectActionEnd(terminator);
                elseBody = ParseList(keyword, out var end);
                if (end!.Value != "end") throw Error(end, $"{{{{{keyword.Value}}}}} has a second {{{{else}}}}; expected {{{{end}}}}");
                ExpectActionEnd(end);
            }
        }
        else
        {
            ExpectActionEnd(terminator);
        }
        _variables.RemoveRange(scope, _variables.Count - scope);
        _depth--;
        return new ControlNode(kind, pipeline, body, elseBody);
    }

    private void ExpectActionEnd(Token keyword)
    {
        var token = Next();
        if (token.Kind != TokenKind.ActionEnd) throw Error(token, $"unexpected {Describe(token)} after {{{{{keyword.Value}}}}}");
    }

    /// <summary>[variables :=] command | command ..., up to and including <paramref name="closing"/>; at most <paramref name="maxVariables"/> variables.</summary>
    private Pipeline ParsePipeline(string context, int maxVariables, TokenKind closing)
    {
        var variables = new List<string>();
        bool isAssignment = false;
        if (maxVariables > 0 && Peek.Kind == TokenKind.Variable && _tokens[_next + 1].Kind is TokenKind.Declare or TokenKind.Assign or TokenKind.Comma)
        {
            while (true)
            {
                var variable = Next();
                variables.Add(variable.Value);
                var operation = Next();
                if (operation.Kind == TokenKind.Comma && variables.Count < maxVariables && Peek.Kind == TokenKind.Variable) continue;
                if (operation.Kind == TokenKind.Comma) throw Error(operation, $"too many variables declared in {context}");
                isAssignment = operation.Kind == TokenKind.Assign;
                if (isAssignment && variables.Count > 1) throw Error(operation, "only := can declare two range variables");
                if (isAssignment && !_variables.Contains(variable.Value)) throw Error(variable, $"undefined variable \"{variable.Value}\"");
                break;
            }
        }
        var commands = new List<Command>();
        while (true)
        {
            commands.Add(ParseCommand(context, commands.Count + 1));
            var token = Next();
            if (token.Kind == closing) break;
            if (token.Kind != TokenKind.Pipe) throw Error(token, $"unexpected {Describe(token)} in {context}");
        }
        if (!isAssignment) _variables.AddRange(variables);
        return new Pipeline(variables, isAssignment, commands);
    }

    private Command ParseCommand(string context, int stage)
    {
        var words = new List<Expression>();
        while (Peek.Kind is not (TokenKind.Pipe or TokenKind.ActionEnd or TokenKind.RightParen))
        {
            if (words.Count > 0 && !Peek.SpaceBefore) throw Error(Peek, $"{Describe(Peek)} must be separated from the operand before it by a space");
            var word = ParseOperand();
            if (words.Count > 0 && word is FunctionExpression argument) CheckArgumentCount(argument, 0);
            words.Add(word);
        }
        if (words.Count == 0) throw Error(Peek, $"missing value for {context}");

        // A later pipeline stage receives the previous value as its last argument.
        int argumentCount = words.Count - 1 + (stage > 1 ? 1 : 0);
        switch (words[0])
        {
            case FunctionExpression function:
                CheckArgumentCount(function, argumentCount);
                break;
            case FieldExpression:
                break;
            case NilExpression nil:
                throw Error(nil.Position, "nil is not a command");
            default:
                if (stage > 1) throw Error(words[0].Position, $"pipeline stage {stage} is {Describe(words[0])}, which is not a function, field or method");
                if (argumentCount > 0) throw Error(words[0].Position, $"{Describe(words[0])} is not a function and cannot take arguments");
                break;
        }
        return new Command(words);
    }

    /// <summary>A term, then any fields chained onto it with no space: <c>.A.B</c>, <c>$x.A</c>, <c>(...).A</c>.</summary>
    private Expression ParseOperand()
    {
        var term = ParseTerm();
        var names = new List<string>();
        var first = Peek;
        while (Peek.Kind == TokenKind.Field && !Peek.SpaceBefore) names.Add(Next().Value);
        if (names.Count > 0)
        {
            switch (term)
            {
                case FieldExpression field:
                    term = field with { Names = [.. field.Names, .. names] };
                    break;
                case ConstantExpression or DotExpression or NilExpression:
                    throw Error(first, $"a field cannot follow {Describe(term)}");
                case FunctionExpression function:
                    CheckArgumentCount(function, 0);
                    term = new FieldExpression(term.Position, term, names);
                    break;
                default:
                    term = new FieldExpression(term.Position, term, names);
                    break;
            }
        }
        if (term is FieldExpression { Receiver: var receiver } chain && (receiver is DotExpression && _dotIsInfo || receiver is VariableExpression { Name: "$" })
            && InfoMembers.Find(chain.Names[0]) is null)
            throw Error(chain.Position, $"unknown field .{chain.Names[0]}; the container info has {InfoMembers.Names}");
        return term;
    }

    private Expression ParseTerm()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.Dot:
                return new DotExpression(token.Position);
            case TokenKind.Nil:
                return new NilExpression(token.Position);
            case TokenKind.Bool:
                return new ConstantExpression(token.Position, BoolValue.Of(token.Value == "true"), token.Text);
            case TokenKind.String:
                return new ConstantExpression(token.Position, new StringValue(token.Value), token.Text);
            case TokenKind.Number:
                return new ConstantExpression(token.Position, new IntValue(token.Number), token.Text);
            case TokenKind.Field:
                return new FieldExpression(token.Position, new DotExpression(token.Position), [token.Value]);
            case TokenKind.Variable:
                if (!_variables.Contains(token.Value)) throw Error(token, $"undefined variable \"{token.Value}\"");
                return new VariableExpression(token.Position, token.Value);
            case TokenKind.Identifier:
                var function = TemplateFunction.Find(token.Value)
                    ?? throw Error(token, $"function \"{token.Value}\" not defined; available: {TemplateFunction.Names}");
                return new FunctionExpression(token.Position, function);
            case TokenKind.LeftParen:
                EnterNesting(token);
                var pipeline = ParsePipeline("parenthesized pipeline", maxVariables: 0, TokenKind.RightParen);
                _depth--;
                return new PipelineExpression(token.Position, pipeline);
            default:
                throw Error(token, $"unexpected {Describe(token)} in operand");
        }
    }

    private static void CheckArgumentCount(FunctionExpression call, int count)
    {
        var function = call.Function;
        if (count < function.MinArgs || count > function.MaxArgs)
            throw TemplateError.At(call.Position, $"wrong number of args for {function.Name}: want {function.Arity} got {count}");
    }

    private void EnterNesting(Token token)
    {
        if (++_depth > MaxDepth) throw Error(token, $"the template nests more than {MaxDepth} levels deep");
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.ActionEnd => "}}",
        TokenKind.EndOfText => "end of template",
        TokenKind.String => token.Text,
        _ => $"\"{token.Text}\"",
    };

    private static string Describe(Expression expression) => expression switch
    {
        ConstantExpression constant => constant.Text,
        DotExpression => ".",
        NilExpression => "nil",
        VariableExpression variable => variable.Name,
        _ => "a parenthesized pipeline",
    };

    private static FormatException Error(Token token, string message) => TemplateError.At(token.Position, message);

    private static FormatException Error(TextPosition position, string message) => TemplateError.At(position, message);
}
