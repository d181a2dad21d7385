using System.Text;
using ContainerLogger.Config;

namespace ContainerLogger.Templates;

/// <summary>Runs a parsed template with the container info as dot, by Go text/template's execution rules.</summary>
internal sealed class TemplateEvaluator
{
    private readonly StringBuilder _output = new();
    // Innermost last. "$" is the info; blocks truncate the list back when they end.
    private readonly List<(string Name, TemplateValue Value)> _variables = [];

    public static string Render(IReadOnlyList<TemplateNode> nodes, ContainerInfo info)
    {
        var evaluator = new TemplateEvaluator();
        var dot = new InfoValue(info);
        evaluator._variables.Add(("$", dot));
        evaluator.Walk(nodes, dot);
        return evaluator._output.ToString();
    }

    private void Walk(IReadOnlyList<TemplateNode> nodes, TemplateValue dot)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    Write(text.Text);
                    break;
                case ActionNode action:
                    var value = EvalPipeline(action.Pipeline, dot);
                    if (action.Pipeline.Variables.Count == 0) Write(GoFormat.ForAction(value));
                    break;
                case ControlNode control:
                    WalkControl(control, dot);
                    break;
            }
        }
    }

    private void WalkControl(ControlNode control, TemplateValue dot)
    {
        int scope = _variables.Count;
        var value = EvalPipeline(control.Pipeline, dot);
        switch (control.Kind)
        {
            case ControlKind.If:
                Walk(value.IsTrue ? control.Body : control.Else, dot);
                break;
            case ControlKind.With:
                if (value.IsTrue) Walk(control.Body, value);
                else Walk(control.Else, dot);
                break;
            case ControlKind.Range:
                WalkRange(control, value, dot);
                break;
        }
        _variables.RemoveRange(scope, _variables.Count - scope);
    }

    /// <summary>
    /// Lists in order, maps by sorted key; a nil value runs the else branch. One variable gets the element, two get
    /// index (or key) and element.
    /// </summary>
    private void WalkRange(ControlNode control, TemplateValue value, TemplateValue dot)
    {
        var items = value switch
        {
            ListValue list => list.Items.Select((item, i) => ((TemplateValue)new IntValue(i), (TemplateValue)new StringValue(item))),
            MapValue map => map.SortedKeys.Select(key => ((TemplateValue)new StringValue(key), (TemplateValue)new StringValue(map.Entries[key]))),
            NilValue => [],
            _ => throw TemplateError.At(control.Pipeline.Commands[0].Words[0].Position, $"range can't iterate over {GoFormat.Default(value)} ({value.GoType})"),
        };
        int declared = control.Pipeline.Variables.Count;
        int top = _variables.Count;
        bool any = false;
        foreach (var (key, element) in items)
        {
            any = true;
            if (declared > 0) _variables[top - 1] = (_variables[top - 1].Name, element);
            if (declared > 1) _variables[top - 2] = (_variables[top - 2].Name, key);
            Walk(control.Body, element);
            _variables.RemoveRange(top, _variables.Count - top);
        }
        if (!any) Walk(control.Else, dot);
    }

    private TemplateValue EvalPipeline(Pipeline pipeline, TemplateValue dot)
    {
        TemplateValue? value = null;
        foreach (var command in pipeline.Commands) value = EvalCommand(command, dot, value);
        foreach (var name in pipeline.Variables)
        {
            if (pipeline.IsAssignment) _variables[_variables.FindLastIndex(v => v.Name == name)] = (name, value!);
            else _variables.Add((name, value!));
        }
        return value!;
    }

    /// <param name="final">The previous pipeline stage's value, passed as the last argument.</param>
    private TemplateValue EvalCommand(Command command, TemplateValue dot, TemplateValue? final)
    {
        var arguments = command.Words.Skip(1).ToArray();
        return command.Words[0] switch
        {
            FieldExpression field => EvalField(field, dot, arguments, final),
            FunctionExpression function => Call(function, dot, arguments, final),
            // The parser allows anything else only alone, as the first stage.
            var operand => EvalArgument(operand, dot),
        };
    }

    private TemplateValue EvalArgument(Expression expression, TemplateValue dot) => expression switch
    {
        DotExpression => dot,
        NilExpression => NilValue.Instance,
        ConstantExpression constant => constant.Value,
        VariableExpression variable => Variable(variable),
        FieldExpression field => EvalField(field, dot, [], null),
        FunctionExpression function => Call(function, dot, [], null),
        PipelineExpression pipeline => EvalPipeline(pipeline.Pipeline, dot),
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    private TemplateValue Variable(VariableExpression variable)
    {
        int index = _variables.FindLastIndex(v => v.Name == variable.Name);
        // The parser's scopes are wider than a run's: a variable set only in a branch not taken has no value.
        if (index < 0) throw TemplateError.At(variable.Position, $"undefined variable \"{variable.Name}\"");
        return _variables[index].Value;
    }

    /// <summary>Looks up each name in turn; only the last may get arguments, and only a method could take them.</summary>
    private TemplateValue EvalField(FieldExpression field, TemplateValue dot, IReadOnlyList<Expression> arguments, TemplateValue? final)
    {
        var value = EvalArgument(field.Receiver, dot);
        int argumentCount = arguments.Count + (final is null ? 0 : 1);
        for (int i = 0; i < field.Names.Count; i++)
            value = Field(value, field.Names[i], field.Position, i == field.Names.Count - 1 ? argumentCount : 0);
        return value;
    }

    private static TemplateValue Field(TemplateValue receiver, string name, TextPosition position, int argumentCount)
    {
        switch (receiver)
        {
            case InfoValue info:
                var member = InfoMembers.Find(name)
                    ?? throw TemplateError.At(position, $"unknown field .{name}; the container info has {InfoMembers.Names}");
                if (argumentCount > 0)
                    throw TemplateError.At(position, member.IsMethod
                        ? $"wrong number of args for {name}: want 0 got {argumentCount}"
                        : $"{name} is a field, not a method, and cannot take arguments");
                return member.Get(info.Info);
            case MapValue map:
                if (argumentCount > 0) throw TemplateError.At(position, $"{name} is a map key, not a method, and cannot take arguments");
                // A missing key is "no value", unlike index, which gives the empty string.
                return map.Entries.TryGetValue(name, out var entry) ? new StringValue(entry) : NilValue.Instance;
            case NilValue:
                return NilValue.Instance;
            default:
                throw TemplateError.At(position, $"can't evaluate field {name} in type {receiver.GoType}");
        }
    }

    private TemplateValue Call(FunctionExpression call, TemplateValue dot, IReadOnlyList<Expression> arguments, TemplateValue? final)
    {
        int count = arguments.Count + (final is null ? 0 : 1);
        var values = new FunctionArguments(count, i => i < arguments.Count ? EvalArgument(arguments[i], dot) : final!);
        try
        {
            return call.Function.Invoke(values);
        }
        catch (FunctionException e)
        {
            throw TemplateError.At(call.Position, $"error calling {call.Function.Name}: {e.Message}");
        }
    }

    private void Write(string text)
    {
        if (_output.Length + text.Length > TagTemplate.MaxLength)
            throw new FormatException($"the rendered tag would be longer than {TagTemplate.MaxLength} characters");
        _output.Append(text);
    }
}
