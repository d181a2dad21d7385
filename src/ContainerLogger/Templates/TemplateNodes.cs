namespace ContainerLogger.Templates;

/// <summary>A piece of a parsed template: literal text, an action, or an if/with/range block.</summary>
internal abstract record TemplateNode;

internal sealed record TextNode(string Text) : TemplateNode;

/// <summary><c>{{pipeline}}</c>: writes the pipeline's value, unless the pipeline declares or assigns a variable.</summary>
internal sealed record ActionNode(Pipeline Pipeline) : TemplateNode;

internal enum ControlKind { If, With, Range }

/// <summary><c>{{if|with|range pipeline}} body {{else}} else {{end}}</c>; <c>{{else if}}</c> nests another block in Else.</summary>
internal sealed record ControlNode(ControlKind Kind, Pipeline Pipeline, IReadOnlyList<TemplateNode> Body, IReadOnlyList<TemplateNode> Else) : TemplateNode;

/// <summary>
/// Commands joined by '|': each command's value is passed as the last argument of the next. <paramref name="Variables"/>
/// are declared (<c>$x :=</c>) or, when <paramref name="IsAssignment"/>, assigned (<c>$x =</c>) the result.
/// </summary>
internal sealed record Pipeline(IReadOnlyList<string> Variables, bool IsAssignment, IReadOnlyList<Command> Commands);

/// <summary>A function, field or method call, or a single operand: the first word says which, the rest are arguments.</summary>
internal sealed record Command(IReadOnlyList<Expression> Words);

internal abstract record Expression(TextPosition Position);

internal sealed record DotExpression(TextPosition Position) : Expression(Position);

internal sealed record NilExpression(TextPosition Position) : Expression(Position);

/// <summary>A string, integer or boolean literal.</summary>
internal sealed record ConstantExpression(TextPosition Position, TemplateValue Value, string Text) : Expression(Position);

internal sealed record VariableExpression(TextPosition Position, string Name) : Expression(Position);

internal sealed record FunctionExpression(TextPosition Position, TemplateFunction Function) : Expression(Position);

/// <summary><c>.A.B</c>, <c>$x.A</c> or <c>(pipeline).A</c>: fields and methods looked up one after another.</summary>
internal sealed record FieldExpression(TextPosition Position, Expression Receiver, IReadOnlyList<string> Names) : Expression(Position);

/// <summary>A parenthesized pipeline.</summary>
internal sealed record PipelineExpression(TextPosition Position, Pipeline Pipeline) : Expression(Position);
