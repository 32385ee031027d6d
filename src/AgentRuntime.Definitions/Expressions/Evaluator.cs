using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>Tree-walking evaluator. One instance per evaluation; it carries the step budget.</summary>
internal sealed class Evaluator(ExpressionScope scope, ExpressionOptions options)
{
    private static readonly JsonSerializerOptions CompactJson = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 256,
    };

    private int _steps;

    public Value Evaluate(Node node)
    {
        Step(node, 1);
        switch (node)
        {
            case LiteralNode literal:
                return literal.Value;
            case ListNode list:
                return EvaluateList(list);
            case MapNode map:
                return EvaluateMap(map);
            case RootNode root:
                return Root(root);
            case MemberNode member:
                return Member(Evaluate(member.Target), member);
            case IndexNode index:
                return Index(Evaluate(index.Target), Evaluate(index.Index), index);
            case CallNode call:
                return Call(call);
            case UnaryNode unary:
                return Unary(unary);
            case BinaryNode binary:
                return Binary(binary);
            case ConditionalNode conditional:
            {
                var condition = Evaluate(conditional.Condition);
                RequireBool(condition, "The condition of '?:'", conditional.Condition);
                return Evaluate(condition.AsBool ? conditional.WhenTrue : conditional.WhenFalse);
            }

            default:
                throw new ExpressionException(ExpressionErrorCodes.UnexpectedToken, "Unknown syntax node", node.Position, node.Length);
        }
    }

    private void Step(Node at, int cost)
    {
        _steps += cost;
        if (_steps > options.MaxSteps || _steps < 0)
        {
            throw new ExpressionException(ExpressionErrorCodes.StepBudgetExceeded,
                $"Evaluation budget of {options.MaxSteps} steps exceeded at {at.Position} (ExpressionOptions.MaxSteps); the expression works on too much data",
                at.Position, at.Length);
        }

        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ExpressionException(ExpressionErrorCodes.TooDeep,
                $"Evaluation nested too deeply at {at.Position}", at.Position, at.Length);
        }
    }

    private static ExpressionException Mismatch(Node at, string message) =>
        new(ExpressionErrorCodes.TypeMismatch, message, at.Position, at.Length);

    private static ExpressionException Mismatch(int position, int length, string message) =>
        new(ExpressionErrorCodes.TypeMismatch, message, position, length);

    private static ExpressionException Invalid(Node at, string message) =>
        new(ExpressionErrorCodes.InvalidArgument, message, at.Position, at.Length);

    private static void RequireBool(Value value, string what, Node at)
    {
        if (value.Kind != ValueKind.Bool)
        {
            var hint = value.IsNull ? "; missing fields read as null — guard with has(...) or coalesce(..., false)" : "";
            throw Mismatch(at, $"{what} at {at.Position} must be a boolean, got {value.TypeName}{hint}");
        }
    }

    private Value CheckString(string text, Node at)
    {
        if (text.Length > options.MaxStringLength)
        {
            throw new ExpressionException(ExpressionErrorCodes.StringTooLarge,
                $"String produced at {at.Position} would be {text.Length} characters; the limit is {options.MaxStringLength} (ExpressionOptions.MaxStringLength)",
                at.Position, at.Length);
        }

        return Value.FromString(text);
    }

    private void CheckCount(long count, Node at)
    {
        if (count > options.MaxListItems)
        {
            throw new ExpressionException(ExpressionErrorCodes.ListTooLarge,
                $"List or map produced at {at.Position} would have {count} items; the limit is {options.MaxListItems} (ExpressionOptions.MaxListItems)",
                at.Position, at.Length);
        }
    }

    private static Value Number(double value, Node at)
    {
        if (!double.IsFinite(value))
        {
            throw new ExpressionException(ExpressionErrorCodes.NumericOverflow,
                $"Arithmetic at {at.Position} overflowed: the result is not a finite number", at.Position, at.Length);
        }

        return Value.FromNumber(value);
    }

    private Value EvaluateList(ListNode list)
    {
        CheckCount(list.Items.Count, list);
        var items = new Value[list.Items.Count];
        for (var i = 0; i < items.Length; i++) items[i] = Evaluate(list.Items[i]);
        return Value.FromList(new ArrayListValue(items));
    }

    private Value EvaluateMap(MapNode map)
    {
        CheckCount(map.Entries.Count, map);
        var entries = new List<KeyValuePair<string, Value>>(map.Entries.Count);
        foreach (var (key, node) in map.Entries) entries.Add(new KeyValuePair<string, Value>(key, Evaluate(node)));
        return Value.FromMap(new OrderedMapValue(entries));
    }

    private Value Root(RootNode root) => root.Name switch
    {
        "input" => Value.FromNode(scope.Input),
        "vars" => scope.Vars is null ? Value.Null : Value.FromMap(new DictionaryMapValue(scope.Vars)),
        "outputs" => scope.Outputs is null ? Value.Null : Value.FromMap(new DictionaryMapValue(scope.Outputs)),
        "instance" => scope.Instance is null ? Value.Null : Value.FromMap(new JsonMapValue(scope.Instance)),
        _ => throw Diagnostics.UnknownRoot(root),
    };

    private static Value Member(Value target, MemberNode member)
    {
        switch (target.Kind)
        {
            case ValueKind.Null:
                return Value.Null;
            case ValueKind.Map:
                target.AsMap.TryGet(member.Name, out var value);
                return value;
            default:
                throw Mismatch(member.NamePosition, member.Name.Length,
                    $"Cannot read field '{member.Name}' of a {target.TypeName} at {member.NamePosition}; only maps (JSON objects) have fields");
        }
    }

    private static Value Index(Value target, Value index, IndexNode node)
    {
        switch (target.Kind)
        {
            case ValueKind.Null:
                return Value.Null;
            case ValueKind.List:
                if (index.Kind != ValueKind.Number)
                {
                    throw Mismatch(node.Index, $"A list index at {node.Index.Position} must be a number, got {index.TypeName}");
                }

                var number = index.AsNumber;
                if (number != Math.Floor(number))
                {
                    throw Invalid(node.Index, $"A list index at {node.Index.Position} must be a whole number, got {Value.FormatNumber(number)}");
                }

                var list = target.AsList;
                return number >= 0 && number < list.Count ? list[(int)number] : Value.Null;
            case ValueKind.Map:
                if (index.Kind != ValueKind.String)
                {
                    throw Mismatch(node.Index, $"A map key at {node.Index.Position} must be a string, got {index.TypeName}; use string(x) to convert");
                }

                target.AsMap.TryGet(index.AsString, out var value);
                return value;
            default:
                throw Mismatch(node, $"Cannot index a {target.TypeName} at {node.Position}; only lists and maps can be indexed");
        }
    }

    private Value Unary(UnaryNode unary)
    {
        var operand = Evaluate(unary.Operand);
        if (unary.Op == UnaryOp.Not)
        {
            RequireBool(operand, "The operand of '!'", unary.Operand);
            return Value.FromBool(!operand.AsBool);
        }

        if (operand.Kind != ValueKind.Number)
        {
            throw Mismatch(unary.Operand, $"The operand of unary '-' at {unary.Operand.Position} must be a number, got {operand.TypeName}");
        }

        return Value.FromNumber(-operand.AsNumber);
    }

    private Value Binary(BinaryNode binary)
    {
        var symbol = Precedence.Symbol(binary.Op);
        if (binary.Op is BinaryOp.And or BinaryOp.Or)
        {
            var left = Evaluate(binary.Left);
            RequireBool(left, $"The left operand of '{symbol}'", binary.Left);
            if (binary.Op == BinaryOp.And ? !left.AsBool : left.AsBool) return left;
            var right = Evaluate(binary.Right);
            RequireBool(right, $"The right operand of '{symbol}'", binary.Right);
            return right;
        }

        var l = Evaluate(binary.Left);
        var r = Evaluate(binary.Right);
        switch (binary.Op)
        {
            case BinaryOp.Equal:
                return Value.FromBool(DeepEquals(l, r, binary));
            case BinaryOp.NotEqual:
                return Value.FromBool(!DeepEquals(l, r, binary));
            case BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual:
            {
                var comparison = Compare(l, r, binary.OperatorPosition, binary.OperatorLength, symbol);
                return Value.FromBool(binary.Op switch
                {
                    BinaryOp.Less => comparison < 0,
                    BinaryOp.LessEqual => comparison <= 0,
                    BinaryOp.Greater => comparison > 0,
                    _ => comparison >= 0,
                });
            }

            case BinaryOp.In:
                return In(l, r, binary);
            case BinaryOp.Add:
                return Add(l, r, binary);
            default:
                return Arithmetic(l, r, binary, symbol);
        }
    }

    private static int Compare(Value l, Value r, int position, int length, string symbol)
    {
        if (l.Kind == ValueKind.Number && r.Kind == ValueKind.Number) return l.AsNumber.CompareTo(r.AsNumber);
        if (l.Kind == ValueKind.String && r.Kind == ValueKind.String) return Math.Sign(string.CompareOrdinal(l.AsString, r.AsString));
        var hint = l.IsNull || r.IsNull ? "; missing fields read as null — guard with has(...)" : "";
        throw new ExpressionException(ExpressionErrorCodes.IncomparableTypes,
            $"Cannot compare {l.TypeName} with {r.TypeName} at {position} ('{symbol}' orders two numbers or two strings){hint}", position, length);
    }

    private Value In(Value element, Value container, BinaryNode binary)
    {
        switch (container.Kind)
        {
            case ValueKind.List:
            {
                var list = container.AsList;
                for (var i = 0; i < list.Count; i++)
                {
                    if (DeepEquals(element, list[i], binary)) return Value.True;
                }

                return Value.False;
            }

            case ValueKind.Map:
                if (element.Kind != ValueKind.String)
                {
                    throw Mismatch(binary.Left, $"'in' with a map on the right looks up a key, which must be a string, got {element.TypeName} at {binary.Left.Position}");
                }

                return Value.FromBool(container.AsMap.TryGet(element.AsString, out _));
            case ValueKind.String:
                if (element.Kind != ValueKind.String)
                {
                    throw Mismatch(binary.Left, $"'in' with a string on the right looks for a substring, which must be a string, got {element.TypeName} at {binary.Left.Position}");
                }

                Step(binary, container.AsString.Length / 64);
                return Value.FromBool(container.AsString.Contains(element.AsString, StringComparison.Ordinal));
            default:
                var hint = container.IsNull ? "; missing fields read as null — use coalesce(x, [])" : "";
                throw Mismatch(binary.Right, $"The right side of 'in' at {binary.Right.Position} must be a list, map or string, got {container.TypeName}{hint}");
        }
    }

    private Value Add(Value l, Value r, BinaryNode binary)
    {
        if (l.Kind == ValueKind.Number && r.Kind == ValueKind.Number) return Number(l.AsNumber + r.AsNumber, binary);
        if (l.Kind == ValueKind.String && r.Kind == ValueKind.String)
        {
            var length = (long)l.AsString.Length + r.AsString.Length;
            if (length > options.MaxStringLength)
            {
                throw new ExpressionException(ExpressionErrorCodes.StringTooLarge,
                    $"String produced at {binary.OperatorPosition} would be {length} characters; the limit is {options.MaxStringLength} (ExpressionOptions.MaxStringLength)",
                    binary.OperatorPosition, binary.OperatorLength);
            }

            return Value.FromString(string.Concat(l.AsString, r.AsString));
        }

        if (l.Kind == ValueKind.List && r.Kind == ValueKind.List)
        {
            var a = l.AsList;
            var b = r.AsList;
            CheckCount((long)a.Count + b.Count, binary);
            Step(binary, a.Count + b.Count);
            var items = new Value[a.Count + b.Count];
            for (var i = 0; i < a.Count; i++) items[i] = a[i];
            for (var i = 0; i < b.Count; i++) items[a.Count + i] = b[i];
            return Value.FromList(new ArrayListValue(items));
        }

        var hint = l.Kind == ValueKind.String || r.Kind == ValueKind.String ? " — convert with string(x) first" : "";
        throw Mismatch(binary.OperatorPosition, binary.OperatorLength,
            $"Cannot add {l.TypeName} and {r.TypeName} at {binary.OperatorPosition}{hint}; '+' adds numbers and joins strings or lists");
    }

    private static Value Arithmetic(Value l, Value r, BinaryNode binary, string symbol)
    {
        if (l.Kind != ValueKind.Number || r.Kind != ValueKind.Number)
        {
            throw Mismatch(binary.OperatorPosition, binary.OperatorLength,
                $"Cannot apply '{symbol}' to {l.TypeName} and {r.TypeName} at {binary.OperatorPosition}; it needs two numbers");
        }

        var a = l.AsNumber;
        var b = r.AsNumber;
        if (binary.Op is BinaryOp.Divide or BinaryOp.Remainder && b == 0)
        {
            throw new ExpressionException(ExpressionErrorCodes.DivisionByZero,
                $"Division by zero at {binary.OperatorPosition}", binary.OperatorPosition, binary.OperatorLength);
        }

        return Number(binary.Op switch
        {
            BinaryOp.Subtract => a - b,
            BinaryOp.Multiply => a * b,
            BinaryOp.Divide => a / b,
            _ => a % b,
        }, binary);
    }

    internal bool DeepEquals(Value a, Value b, Node at)
    {
        Step(at, 1);
        if (a.Kind != b.Kind) return false;
        switch (a.Kind)
        {
            case ValueKind.Null: return true;
            case ValueKind.Bool: return a.AsBool == b.AsBool;
            case ValueKind.Number: return a.AsNumber == b.AsNumber;
            case ValueKind.String: return string.Equals(a.AsString, b.AsString, StringComparison.Ordinal);
            case ValueKind.List:
            {
                var x = a.AsList;
                var y = b.AsList;
                if (x.Count != y.Count) return false;
                for (var i = 0; i < x.Count; i++)
                {
                    if (!DeepEquals(x[i], y[i], at)) return false;
                }

                return true;
            }

            default:
            {
                var x = a.AsMap;
                var y = b.AsMap;
                if (x.Count != y.Count) return false;
                foreach (var (key, value) in x.Entries)
                {
                    if (!y.TryGet(key, out var other) || !DeepEquals(value, other, at)) return false;
                }

                return true;
            }
        }
    }

    // ---------------------------------------------------------------- functions

    private Value Call(CallNode call)
    {
        if (Functions.CheckArity(call) is { } arityError) throw arityError;
        var args = call.Arguments;
        switch (call.Name)
        {
            case "has":
                return Value.FromBool(TryResolve(args[0], out var found) && !found.IsNull);
            case "coalesce":
                foreach (var argument in args)
                {
                    var value = Evaluate(argument);
                    if (!value.IsNull) return value;
                }

                return Value.Null;
            case "now":
                return Value.FromString(FormatTimestamp(scope.TimeProvider.GetUtcNow()));
        }

        var values = new Value[args.Count];
        for (var i = 0; i < values.Length; i++) values[i] = Evaluate(args[i]);
        var x = values[0];
        switch (call.Name)
        {
            case "size":
                return x.Kind switch
                {
                    ValueKind.String => Value.FromNumber(CountCodePoints(x.AsString)),
                    ValueKind.List => Value.FromNumber(x.AsList.Count),
                    ValueKind.Map => Value.FromNumber(x.AsMap.Count),
                    _ => throw ArgumentType(call, 0, x, "a string, list or map"),
                };
            case "contains":
                if (x.Kind == ValueKind.List)
                {
                    var list = x.AsList;
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (DeepEquals(list[i], values[1], call)) return Value.True;
                    }

                    return Value.False;
                }

                return Value.FromBool(String(call, values, 0).Contains(String(call, values, 1), StringComparison.Ordinal));
            case "startsWith":
                return Value.FromBool(String(call, values, 0).StartsWith(String(call, values, 1), StringComparison.Ordinal));
            case "endsWith":
                return Value.FromBool(String(call, values, 0).EndsWith(String(call, values, 1), StringComparison.Ordinal));
            case "lower":
                return Value.FromString(String(call, values, 0).ToLowerInvariant());
            case "upper":
                return Value.FromString(String(call, values, 0).ToUpperInvariant());
            case "trim":
                return Value.FromString(String(call, values, 0).Trim());
            case "abs":
                return Value.FromNumber(Math.Abs(Num(call, values, 0)));
            case "floor":
                return Value.FromNumber(Math.Floor(Num(call, values, 0)));
            case "ceil":
                return Value.FromNumber(Math.Ceiling(Num(call, values, 0)));
            case "round":
                return Round(call, values);
            case "min":
            case "max":
                return MinMax(call, values);
            case "int":
                return Value.FromNumber(Math.Truncate(ToNumber(call, x)));
            case "double":
                return Value.FromNumber(ToNumber(call, x));
            case "string":
                return x.Kind == ValueKind.String ? x : CheckString(ToText(x, call), call);
            case "bool":
                return ToBool(call, x);
            case "duration":
                return Value.FromNumber(ParseDuration(call, String(call, values, 0)));
            case "timestamp":
                return Value.FromNumber(ParseTimestamp(call, String(call, values, 0)));
            case "matches":
                return Value.FromBool(Matches(call, String(call, values, 0), String(call, values, 1)));
            case "keys":
            case "values":
            {
                if (x.Kind != ValueKind.Map) throw ArgumentType(call, 0, x, "a map");
                var map = x.AsMap;
                CheckCount(map.Count, call);
                Step(call, map.Count);
                var items = new Value[map.Count];
                var n = 0;
                foreach (var (key, value) in map.Entries) items[n++] = call.Name == "keys" ? Value.FromString(key) : value;
                return Value.FromList(new ArrayListValue(items));
            }

            default:
                throw new ExpressionException(ExpressionErrorCodes.UnknownFunction, $"Unknown function '{call.Name}' at {call.Position}", call.Position, call.Name.Length);
        }
    }

    private static ExpressionException ArgumentType(CallNode call, int index, Value value, string expected)
    {
        var at = call.Arguments[index];
        var hint = value.IsNull ? "; missing fields read as null — guard with has(...) or coalesce(...)" : "";
        return Mismatch(at, $"Argument {index + 1} of {call.Name}() at {at.Position} must be {expected}, got {value.TypeName}{hint}");
    }

    private static string String(CallNode call, Value[] values, int index) =>
        values[index].Kind == ValueKind.String ? values[index].AsString : throw ArgumentType(call, index, values[index], "a string");

    private static double Num(CallNode call, Value[] values, int index) =>
        values[index].Kind == ValueKind.Number ? values[index].AsNumber : throw ArgumentType(call, index, values[index], "a number");

    private static int CountCodePoints(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            count++;
        }

        return count;
    }

    private static Value Round(CallNode call, Value[] values)
    {
        var x = Num(call, values, 0);
        if (values.Length == 1) return Value.FromNumber(Math.Round(x, MidpointRounding.AwayFromZero));
        var digits = Num(call, values, 1);
        if (digits != Math.Floor(digits) || digits < 0 || digits > 15)
        {
            throw Invalid(call.Arguments[1], $"round() digits at {call.Arguments[1].Position} must be a whole number from 0 to 15, got {Value.FormatNumber(digits)}");
        }

        return Value.FromNumber(Math.Round(x, (int)digits, MidpointRounding.AwayFromZero));
    }

    private Value MinMax(CallNode call, Value[] values)
    {
        IReadOnlyList<Value> items = values;
        Node at = call;
        if (values.Length == 1 && values[0].Kind == ValueKind.List)
        {
            var list = values[0].AsList;
            Step(call, list.Count);
            var copy = new Value[list.Count];
            for (var i = 0; i < copy.Length; i++) copy[i] = list[i];
            items = copy;
            at = call.Arguments[0];
            if (copy.Length == 0) throw Invalid(at, $"{call.Name}() at {call.Position} of an empty list has no value; guard with size(x) > 0");
        }

        var best = items[0];
        if (best.Kind is not (ValueKind.Number or ValueKind.String))
        {
            throw Mismatch(values.Length == 1 ? call.Arguments[0] : call.Arguments[0],
                $"{call.Name}() at {call.Position} compares numbers or strings, got {best.TypeName}");
        }

        for (var i = 1; i < items.Count; i++)
        {
            var item = items[i];
            var position = values.Length == 1 ? at.Position : call.Arguments[i].Position;
            var length = values.Length == 1 ? at.Length : call.Arguments[i].Length;
            var comparison = Compare(item, best, position, length, call.Name + "()");
            if (call.Name == "min" ? comparison < 0 : comparison > 0) best = item;
        }

        return best;
    }

    private static double ToNumber(CallNode call, Value x)
    {
        switch (x.Kind)
        {
            case ValueKind.Number:
                return x.AsNumber;
            case ValueKind.String:
                var text = x.AsString.Trim();
                if (text.Length <= 64
                    && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                    && double.IsFinite(parsed))
                {
                    return parsed == 0 ? 0 : parsed;
                }

                var shown = x.AsString.Length > 40 ? x.AsString[..40] + "…" : x.AsString;
                throw Invalid(call.Arguments[0], $"{call.Name}() at {call.Position} cannot read '{shown}' as a number");
            default:
                throw ArgumentType(call, 0, x, "a number or a string");
        }
    }

    private static Value ToBool(CallNode call, Value x)
    {
        if (x.Kind == ValueKind.Bool) return x;
        if (x.Kind != ValueKind.String) throw ArgumentType(call, 0, x, "a boolean or a string");
        if (string.Equals(x.AsString, "true", StringComparison.OrdinalIgnoreCase)) return Value.True;
        if (string.Equals(x.AsString, "false", StringComparison.OrdinalIgnoreCase)) return Value.False;
        throw Invalid(call.Arguments[0], $"bool() at {call.Position} accepts the strings 'true' and 'false' only");
    }

    /// <summary>Text of a value as <c>string()</c> and templates show it: numbers invariant, lists and maps as compact JSON.</summary>
    internal static string ToText(Value value, Node at)
    {
        switch (value.Kind)
        {
            case ValueKind.Null: return "null";
            case ValueKind.Bool: return value.AsBool ? "true" : "false";
            case ValueKind.Number: return Value.FormatNumber(value.AsNumber);
            case ValueKind.String: return value.AsString;
            default:
                try
                {
                    return value.ToNode()!.ToJsonString(CompactJson);
                }
                catch (Exception e) when (e is not ExpressionException)
                {
                    throw new ExpressionException(ExpressionErrorCodes.UnsupportedValue,
                        $"Cannot convert the value at {at.Position} to text: it is nested too deeply or not plain JSON", at.Position, at.Length, e);
                }
        }
    }

    internal static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd' 'HH:mm:ssK", "yyyy-MM-dd' 'HH:mmK",
        "yyyy-MM-dd",
    ];

    internal static bool TryParseTimestamp(string text, out double epochSeconds)
    {
        epochSeconds = 0;
        if (text.Length > 64) return false;
        if (!DateTimeOffset.TryParseExact(text.Trim(), TimestampFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        epochSeconds = (parsed.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;
        return true;
    }

    private static double ParseTimestamp(CallNode call, string text)
    {
        if (TryParseTimestamp(text, out var seconds)) return seconds;
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        throw Invalid(call.Arguments[0],
            $"timestamp() at {call.Position} cannot read '{shown}': use ISO-8601 such as 2025-01-31T09:30:00Z or 2025-01-31");
    }

    internal static bool TryParseDuration(string text, out double seconds)
    {
        seconds = 0;
        var s = text.Trim();
        if (s.Length == 0 || s.Length > 64) return false;
        var sign = 1.0;
        if (s[0] == '-')
        {
            sign = -1;
            s = s[1..];
        }

        var iso = s.Length > 0 && s[0] is 'P' or 'p';
        var i = iso ? 1 : 0;
        var inTime = false;
        var components = 0;
        while (i < s.Length)
        {
            if (iso && !inTime && s[i] is 'T' or 't')
            {
                inTime = true;
                i++;
                if (i >= s.Length) return false;
                continue;
            }

            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]) && !(iso && s[i] is 'T' or 't')) i++;
            if (iso && i - unitStart > 1) i = unitStart + 1;
            var unit = s[unitStart..i].ToUpperInvariant();
            double factor = iso
                ? (inTime, unit) switch
                {
                    (false, "W") => 604800,
                    (false, "D") => 86400,
                    (true, "H") => 3600,
                    (true, "M") => 60,
                    (true, "S") => 1,
                    _ => 0,
                }
                : unit switch
                {
                    "MS" => 0.001,
                    "S" => 1,
                    "M" => 60,
                    "H" => 3600,
                    "D" => 86400,
                    "W" => 604800,
                    _ => 0,
                };
            if (factor == 0) return false;
            seconds += amount * factor;
            components++;
        }

        seconds *= sign;
        return components > 0 && double.IsFinite(seconds);
    }

    private static double ParseDuration(CallNode call, string text)
    {
        if (TryParseDuration(text, out var seconds)) return seconds == 0 ? 0 : seconds;
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        throw Invalid(call.Arguments[0],
            $"duration() at {call.Position} cannot read '{shown}': use units ms, s, m, h, d, w as in '4h' or '1h30m', or ISO-8601 as in 'PT4H'");
    }

    private static readonly ConcurrentDictionary<(string Pattern, TimeSpan Timeout), Regex> RegexCache = new();

    internal const int MaxPatternLength = 1024;

    internal static Regex CreateRegex(string pattern, TimeSpan timeout)
    {
        if (RegexCache.TryGetValue((pattern, timeout), out var cached)) return cached;
        if (pattern.Length > MaxPatternLength) throw new ArgumentException($"the pattern is longer than {MaxPatternLength} characters");
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, timeout);
        }
        catch (NotSupportedException)
        {
            // Backreferences, lookarounds and some very large patterns need the backtracking engine; the timeout still bounds it.
            regex = new Regex(pattern, RegexOptions.CultureInvariant, timeout);
        }

        if (RegexCache.Count > 512) RegexCache.Clear();
        RegexCache[(pattern, timeout)] = regex;
        return regex;
    }

    private bool Matches(CallNode call, string text, string pattern)
    {
        Regex regex;
        try
        {
            regex = CreateRegex(pattern, options.RegexTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            var at = call.Arguments[1];
            throw new ExpressionException(ExpressionErrorCodes.InvalidRegex,
                $"Invalid regular expression at {at.Position}: {e.Message}", at.Position, at.Length, e);
        }

        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new ExpressionException(ExpressionErrorCodes.RegexTimeout,
                $"matches() at {call.Position} took longer than {options.RegexTimeout.TotalMilliseconds} ms; simplify the pattern",
                call.Position, call.Length, e);
        }
    }

    // ---------------------------------------------------------------- has()

    private bool TryResolve(Node path, out Value value)
    {
        Step(path, 1);
        value = Value.Null;
        switch (path)
        {
            case RootNode root:
                value = Root(root);
                return true;
            case MemberNode member:
                if (!TryResolve(member.Target, out var target) || target.Kind != ValueKind.Map) return false;
                return target.AsMap.TryGet(member.Name, out value);
            case IndexNode index:
            {
                if (!TryResolve(index.Target, out var container)) return false;
                var key = Evaluate(index.Index);
                if (container.Kind == ValueKind.Map && key.Kind == ValueKind.String) return container.AsMap.TryGet(key.AsString, out value);
                if (container.Kind == ValueKind.List && key.Kind == ValueKind.Number)
                {
                    var n = key.AsNumber;
                    var list = container.AsList;
                    if (n != Math.Floor(n) || n < 0 || n >= list.Count) return false;
                    value = list[(int)n];
                    return true;
                }

                return false;
            }

            default:
                value = Evaluate(path);
                return true;
        }
    }
}

/// <summary>Messages shared by the checker and the evaluator.</summary>
internal static class Diagnostics
{
    public static ExpressionException UnknownRoot(RootNode root)
    {
        string hint;
        if (Functions.IsKnown(root.Name))
        {
            hint = $": '{root.Name}' is a function — call it as {root.Name}(...)";
        }
        else if (root.Name is "env" or "environment" or "process" or "system")
        {
            hint = ": the environment is not reachable from expressions; pass the value in as input or a variable";
        }
        else if (Suggest.Closest(root.Name, Parser.Roots) is { } suggestion)
        {
            hint = $" — did you mean '{suggestion}'?";
        }
        else
        {
            hint = ": paths start with input, vars, outputs or instance";
        }

        return new ExpressionException(ExpressionErrorCodes.UnknownRoot,
            $"Unknown name '{root.Name}' at {root.Position}{hint}", root.Position, root.Length);
    }
}
