using System.Runtime.CompilerServices;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>Static checks: infers types where they are known and reports problems instead of throwing.</summary>
internal sealed class Checker(ExpressionTypeEnvironment env, ExpressionOptions options)
{
    private static readonly Dictionary<string, ExpressionValueType> InstanceFields = new(StringComparer.Ordinal)
    {
        ["id"] = ExpressionValueType.String,
        ["workflowId"] = ExpressionValueType.String,
        ["version"] = ExpressionValueType.Number,
        ["startedAt"] = ExpressionValueType.String,
    };

    private readonly List<ExpressionProblem> _problems = [];

    public IReadOnlyList<ExpressionProblem> Run(Node root)
    {
        try
        {
            Infer(root);
        }
        catch (ExpressionException e)
        {
            _problems.Add(e.ToProblem());
        }

        return _problems;
    }

    private void Report(string code, int position, int length, string message) =>
        _problems.Add(new ExpressionProblem(code, position, length, message));

    private void Report(string code, Node at, string message) => Report(code, at.Position, at.Length, message);

    private static string Name(ExpressionValueType type) => type switch
    {
        ExpressionValueType.Null => "null",
        ExpressionValueType.Boolean => "boolean",
        ExpressionValueType.Number => "number",
        ExpressionValueType.String => "string",
        ExpressionValueType.List => "list",
        ExpressionValueType.Map => "map",
        _ => "any",
    };

    private static bool Known(ExpressionValueType type) => type != ExpressionValueType.Any;

    private static ExpressionValueType TypeOf(Value value) => value.Kind switch
    {
        ValueKind.Null => ExpressionValueType.Null,
        ValueKind.Bool => ExpressionValueType.Boolean,
        ValueKind.Number => ExpressionValueType.Number,
        ValueKind.String => ExpressionValueType.String,
        ValueKind.List => ExpressionValueType.List,
        _ => ExpressionValueType.Map,
    };

    private ExpressionValueType Infer(Node node)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ExpressionException(ExpressionErrorCodes.TooDeep, $"Expression nested too deeply at {node.Position}", node.Position, node.Length);
        }

        switch (node)
        {
            case LiteralNode literal:
                return TypeOf(literal.Value);
            case ListNode list:
                if (list.Items.Count > options.MaxListItems)
                {
                    Report(ExpressionErrorCodes.ListTooLarge, list, $"The list at {list.Position} has {list.Items.Count} items; the limit is {options.MaxListItems}");
                }

                foreach (var item in list.Items) Infer(item);
                return ExpressionValueType.List;
            case MapNode map:
                foreach (var entry in map.Entries) Infer(entry.Value);
                return ExpressionValueType.Map;
            case RootNode root:
                return InferRoot(root);
            case MemberNode member:
                return InferMember(member);
            case IndexNode index:
                return InferIndex(index);
            case CallNode call:
                return InferCall(call);
            case UnaryNode unary:
            {
                var operand = Infer(unary.Operand);
                if (unary.Op == UnaryOp.Not)
                {
                    RequireBoolean(operand, unary.Operand, "The operand of '!'");
                    return ExpressionValueType.Boolean;
                }

                if (Known(operand) && operand != ExpressionValueType.Number)
                {
                    Report(ExpressionErrorCodes.TypeMismatch, unary.Operand,
                        $"The operand of unary '-' at {unary.Operand.Position} must be a number, got {Name(operand)}");
                }

                return ExpressionValueType.Number;
            }

            case BinaryNode binary:
                return InferBinary(binary);
            case ConditionalNode conditional:
            {
                RequireBoolean(Infer(conditional.Condition), conditional.Condition, "The condition of '?:'");
                var a = Infer(conditional.WhenTrue);
                var b = Infer(conditional.WhenFalse);
                return a == b ? a : ExpressionValueType.Any;
            }

            default:
                return ExpressionValueType.Any;
        }
    }

    private void RequireBoolean(ExpressionValueType type, Node at, string what)
    {
        if (Known(type) && type != ExpressionValueType.Boolean)
        {
            Report(ExpressionErrorCodes.TypeMismatch, at, $"{what} at {at.Position} must be a boolean, got {Name(type)}");
        }
    }

    private ExpressionValueType InferRoot(RootNode root)
    {
        switch (root.Name)
        {
            case "input":
                return env.TypeOf("input");
            case "vars":
            case "outputs":
            case "instance":
                return ExpressionValueType.Map;
            default:
                _problems.Add(Diagnostics.UnknownRoot(root).ToProblem());
                return ExpressionValueType.Any;
        }
    }

    private ExpressionValueType InferMember(MemberNode member)
    {
        var target = Infer(member.Target);
        if (Known(target) && target is not (ExpressionValueType.Map or ExpressionValueType.Null))
        {
            Report(ExpressionErrorCodes.TypeMismatch, member.NamePosition, member.Name.Length,
                $"Cannot read field '{member.Name}' of a {Name(target)} at {member.NamePosition}; only maps (JSON objects) have fields");
            return ExpressionValueType.Any;
        }

        return InferPath(member, member.Target, member.Name, member.NamePosition, member.Name.Length);
    }

    private ExpressionValueType InferIndex(IndexNode index)
    {
        var target = Infer(index.Target);
        var key = Infer(index.Index);
        switch (target)
        {
            case ExpressionValueType.List when Known(key) && key != ExpressionValueType.Number:
                Report(ExpressionErrorCodes.TypeMismatch, index.Index, $"A list index at {index.Index.Position} must be a number, got {Name(key)}");
                return ExpressionValueType.Any;
            case ExpressionValueType.Map when Known(key) && key != ExpressionValueType.String:
                Report(ExpressionErrorCodes.TypeMismatch, index.Index, $"A map key at {index.Index.Position} must be a string, got {Name(key)}");
                return ExpressionValueType.Any;
            case ExpressionValueType.Boolean or ExpressionValueType.Number or ExpressionValueType.String:
                Report(ExpressionErrorCodes.TypeMismatch, index, $"Cannot index a {Name(target)} at {index.Position}; only lists and maps can be indexed");
                return ExpressionValueType.Any;
        }

        if (index.Index is LiteralNode { Value.Kind: ValueKind.String } literal)
        {
            return InferPath(index, index.Target, literal.Value.AsString, index.Index.Position, index.Index.Length);
        }

        var path = PathFormat.Of(index);
        return path is null ? ExpressionValueType.Any : env.TypeOf(path);
    }

    /// <summary>Type of a field step on a static path, reporting unknown variables, nodes, instance and input fields.</summary>
    private ExpressionValueType InferPath(Node node, Node target, string field, int position, int length)
    {
        var targetPath = PathFormat.Of(target);
        var path = PathFormat.Of(node);
        if (targetPath is null || path is null) return ExpressionValueType.Any;
        switch (targetPath)
        {
            case "vars" when env.Variables is { } variables && !variables.Contains(field):
            {
                var suggestion = Suggest.Closest(field, variables);
                Report(ExpressionErrorCodes.UnknownVariable, position, length,
                    $"Unknown variable '{field}' at {position}{(suggestion is null ? "; declare it in the workflow's variables" : $" — did you mean '{suggestion}'?")}");
                return ExpressionValueType.Any;
            }

            case "outputs" when env.NodeIds is { } nodes && !nodes.Contains(field):
            {
                var suggestion = Suggest.Closest(field, nodes);
                Report(ExpressionErrorCodes.UnknownNode, position, length,
                    $"Unknown node '{field}' at {position}{(suggestion is null ? "; outputs are keyed by node id" : $" — did you mean '{suggestion}'?")}");
                return ExpressionValueType.Any;
            }

            case "instance":
                if (InstanceFields.TryGetValue(field, out var instanceType)) return instanceType;
                var closest = Suggest.Closest(field, InstanceFields.Keys);
                Report(ExpressionErrorCodes.UnknownField, position, length,
                    $"Unknown instance field '{field}' at {position}{(closest is null ? "; instance has id, workflowId, version and startedAt" : $" — did you mean '{closest}'?")}");
                return ExpressionValueType.Any;
        }

        if (env.ClosedInput && path.StartsWith("input", StringComparison.Ordinal) && env.IsKnownInputPath(targetPath) && !env.IsKnownInputPath(path))
        {
            var siblings = env.Paths.Keys
                .Where(p => p.StartsWith(targetPath + ".", StringComparison.Ordinal))
                .Select(p => p[(targetPath.Length + 1)..].Split('.', '[')[0]);
            var suggestion = Suggest.Closest(field, siblings);
            Report(ExpressionErrorCodes.UnknownField, position, length,
                $"Unknown input field '{field}' at {position}{(suggestion is null ? "; it is not declared in the workflow's input" : $" — did you mean '{suggestion}'?")}");
            return ExpressionValueType.Any;
        }

        return env.TypeOf(path);
    }

    private ExpressionValueType InferBinary(BinaryNode binary)
    {
        var l = Infer(binary.Left);
        var r = Infer(binary.Right);
        var symbol = Precedence.Symbol(binary.Op);
        var at = binary.OperatorPosition;
        var len = binary.OperatorLength;
        switch (binary.Op)
        {
            case BinaryOp.And or BinaryOp.Or:
                RequireBoolean(l, binary.Left, $"The left operand of '{symbol}'");
                RequireBoolean(r, binary.Right, $"The right operand of '{symbol}'");
                return ExpressionValueType.Boolean;
            case BinaryOp.Equal or BinaryOp.NotEqual:
                if (Known(l) && Known(r) && l != r && l != ExpressionValueType.Null && r != ExpressionValueType.Null)
                {
                    Report(ExpressionErrorCodes.AlwaysFalseComparison, at, len,
                        $"Comparing {Name(l)} with {Name(r)} at {at} is always {(binary.Op == BinaryOp.Equal ? "false" : "true")}; convert one side with string(x) or double(x)");
                }

                return ExpressionValueType.Boolean;
            case BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual:
            {
                var orderable = l is ExpressionValueType.Number or ExpressionValueType.String or ExpressionValueType.Any
                                && r is ExpressionValueType.Number or ExpressionValueType.String or ExpressionValueType.Any;
                if (!orderable || (Known(l) && Known(r) && l != r))
                {
                    Report(ExpressionErrorCodes.IncomparableTypes, at, len,
                        $"Cannot compare {Name(l)} with {Name(r)} at {at} ('{symbol}' orders two numbers or two strings)");
                }

                return ExpressionValueType.Boolean;
            }

            case BinaryOp.In:
                switch (r)
                {
                    case ExpressionValueType.Map or ExpressionValueType.String when Known(l) && l != ExpressionValueType.String:
                        Report(ExpressionErrorCodes.TypeMismatch, binary.Left,
                            $"'in' with a {Name(r)} on the right needs a string on the left, got {Name(l)} at {binary.Left.Position}");
                        break;
                    case ExpressionValueType.Null or ExpressionValueType.Boolean or ExpressionValueType.Number:
                        Report(ExpressionErrorCodes.TypeMismatch, binary.Right,
                            $"The right side of 'in' at {binary.Right.Position} must be a list, map or string, got {Name(r)}");
                        break;
                }

                return ExpressionValueType.Boolean;
            case BinaryOp.Add:
            {
                if (Known(l) && Known(r))
                {
                    if (l == r && l is ExpressionValueType.Number or ExpressionValueType.String or ExpressionValueType.List) return l;
                    var hint = l == ExpressionValueType.String || r == ExpressionValueType.String ? " — convert with string(x) first" : "";
                    Report(ExpressionErrorCodes.TypeMismatch, at, len, $"Cannot add {Name(l)} and {Name(r)} at {at}{hint}; '+' adds numbers and joins strings or lists");
                    return ExpressionValueType.Any;
                }

                var knownSide = Known(l) ? l : r;
                if (knownSide is ExpressionValueType.Null or ExpressionValueType.Boolean or ExpressionValueType.Map)
                {
                    Report(ExpressionErrorCodes.TypeMismatch, at, len, $"Cannot add a {Name(knownSide)} at {at}; '+' adds numbers and joins strings or lists");
                }

                return ExpressionValueType.Any;
            }

            default:
            {
                if ((Known(l) && l != ExpressionValueType.Number) || (Known(r) && r != ExpressionValueType.Number))
                {
                    Report(ExpressionErrorCodes.TypeMismatch, at, len, $"Cannot apply '{symbol}' to {Name(l)} and {Name(r)} at {at}; it needs two numbers");
                }
                else if (binary.Op is BinaryOp.Divide or BinaryOp.Remainder && binary.Right is LiteralNode { Value: { Kind: ValueKind.Number, AsNumber: 0 } })
                {
                    Report(ExpressionErrorCodes.DivisionByZero, at, len, $"Division by zero at {at}");
                }

                return ExpressionValueType.Number;
            }
        }
    }

    private ExpressionValueType InferCall(CallNode call)
    {
        var info = Functions.Get(call.Name);
        if (Functions.CheckArity(call) is { } arity) _problems.Add(arity.ToProblem());
        var types = call.Arguments.Select(Infer).ToArray();

        void Expect(int index, string expected, params ExpressionValueType[] allowed)
        {
            if (index < types.Length && Known(types[index]) && !allowed.Contains(types[index]))
            {
                var at = call.Arguments[index];
                Report(ExpressionErrorCodes.TypeMismatch, at, $"Argument {index + 1} of {call.Name}() at {at.Position} must be {expected}, got {Name(types[index])}");
            }
        }

        string? Literal(int index) =>
            index < call.Arguments.Count && call.Arguments[index] is LiteralNode { Value.Kind: ValueKind.String } literal ? literal.Value.AsString : null;

        const ExpressionValueType S = ExpressionValueType.String;
        const ExpressionValueType N = ExpressionValueType.Number;
        switch (call.Name)
        {
            case "size":
                Expect(0, "a string, list or map", S, ExpressionValueType.List, ExpressionValueType.Map);
                break;
            case "contains":
                Expect(0, "a string or a list", S, ExpressionValueType.List);
                if (types.Length > 1 && types[0] == S) Expect(1, "a string", S);
                break;
            case "startsWith" or "endsWith" or "matches":
                Expect(0, "a string", S);
                Expect(1, "a string", S);
                break;
            case "lower" or "upper" or "trim" or "duration" or "timestamp":
                Expect(0, "a string", S);
                break;
            case "abs" or "floor" or "ceil" or "round":
                Expect(0, "a number", N);
                Expect(1, "a number", N);
                break;
            case "int" or "double":
                Expect(0, "a number or a string", N, S);
                break;
            case "bool":
                Expect(0, "a boolean or a string", ExpressionValueType.Boolean, S);
                break;
            case "keys" or "values":
                Expect(0, "a map", ExpressionValueType.Map);
                break;
            case "min" or "max":
                if (types.Length == 1)
                {
                    Expect(0, "a list, number or string", ExpressionValueType.List, N, S);
                    return types[0] == ExpressionValueType.List ? ExpressionValueType.Any : types[0];
                }

                for (var i = 0; i < types.Length; i++) Expect(i, "a number or a string", N, S);
                var distinct = types.Where(Known).Distinct().ToArray();
                if (distinct.Length > 1)
                {
                    Report(ExpressionErrorCodes.IncomparableTypes, call, $"{call.Name}() at {call.Position} mixes {string.Join(" and ", distinct.Select(Name))}; it compares numbers or strings");
                }

                return distinct.Length == 1 && types.All(Known) ? distinct[0] : ExpressionValueType.Any;
            case "coalesce":
                return types.FirstOrDefault(t => t != ExpressionValueType.Null) is var first && types.All(t => t == first) ? first : ExpressionValueType.Any;
        }

        if (call.Name == "duration" && Literal(0) is { } duration && !Evaluator.TryParseDuration(duration, out _))
        {
            Report(ExpressionErrorCodes.InvalidArgument, call.Arguments[0],
                $"duration() at {call.Position} cannot read '{duration}': use units ms, s, m, h, d, w as in '4h' or '1h30m', or ISO-8601 as in 'PT4H'");
        }

        if (call.Name == "timestamp" && Literal(0) is { } timestamp && !Evaluator.TryParseTimestamp(timestamp, out _))
        {
            Report(ExpressionErrorCodes.InvalidArgument, call.Arguments[0],
                $"timestamp() at {call.Position} cannot read '{timestamp}': use ISO-8601 such as 2025-01-31T09:30:00Z or 2025-01-31");
        }

        if (call.Name == "matches" && Literal(1) is { } pattern)
        {
            try
            {
                Evaluator.CreateRegex(pattern, options.RegexTimeout);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                Report(ExpressionErrorCodes.InvalidRegex, call.Arguments[1], $"Invalid regular expression at {call.Arguments[1].Position}: {e.Message}");
            }
        }

        return info.Returns;
    }
}
