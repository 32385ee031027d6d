using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Definitions.Tests.Expressions;

/// <summary>Seeded random generators for the property tests. Every instance is driven by one <see cref="Random"/>, so a
/// failing case is reproduced from its seed alone.</summary>
internal sealed class Generators(Random random)
{
    public static readonly string[] FieldNames = ["amount", "customer", "tags", "items", "a", "b", "x", "in", "null", "confidence", "propose", "count"];
    public static readonly string[] KeyNames = [.. FieldNames, "propose-refund", "a b", "", "é", "1"];
    public static readonly string[] Roots = ["input", "vars", "outputs", "instance"];

    private static readonly string[] FunctionNames =
    [
        "size", "contains", "startsWith", "endsWith", "lower", "upper", "trim", "abs", "min", "max", "round", "floor", "ceil",
        "int", "double", "string", "bool", "has", "coalesce", "now", "duration", "timestamp", "matches", "keys", "values",
    ];

    private static readonly (int Min, int Max)[] Arities =
    [
        (1, 1), (2, 2), (2, 2), (2, 2), (1, 1), (1, 1), (1, 1), (1, 1), (1, 3), (1, 3), (1, 2), (1, 1), (1, 1),
        (1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (1, 3), (0, 0), (1, 1), (1, 1), (2, 2), (1, 1), (1, 1),
    ];

    private static readonly string[] StringPool =
        ["", "a", "ab", "vip", "4h", "1h30m", "PT2H", "2025-03-14T08:00:00Z", "2025-01-01", "^a", "a|b", "[0-9]+", "(", "true", "42", "x y", "é😀"];

    private const string LanguageChars = "abcinputvarsoutputs.()[]{}'\"\\,:?!-+*/%<>=&| \t\n0123456789eE_";
    private const string StringChars = "abAB _-\"'\\\n\té😀{}";

    public Random Random => random;

    /// <summary>The source under test, recorded so a failure can print it.</summary>
    public string? Current { get; set; }

    // ------------------------------------------------------------------ (1) random strings

    public string RandomString()
    {
        var length = random.Next(10) == 0 ? random.Next(200) : random.Next(40);
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            var pool = random.Next(10);
            builder.Append(pool switch
            {
                < 5 => LanguageChars[random.Next(LanguageChars.Length)],
                < 7 => (char)random.Next(32, 127),
                8 => (char)random.Next(0, 32),
                9 => (char)random.Next(0x80, 0x10000),
                _ => "😀é\u2028\uD800\uDFFF"[random.Next(6)],
            });
        }

        return builder.ToString();
    }

    // ------------------------------------------------------------------ (2) token soups

    private static readonly string[] Tokens =
    [
        "input", "vars", "outputs", "instance", "foo", ".", ".", "[", "]", "(", ")", "{", "}", ",", ":", "?", "!", "-", "+", "*", "/", "%",
        "<", "<=", ">", ">=", "==", "!=", "&&", "||", "in", "true", "false", "null", "0", "1", "2.5", "1e3", "1e400", "'a'", "\"b\"",
        "'x\\n'", "'\\u00e9'", "'unterminated", "amount", "tags", "items", "propose", "confidence", "'propose-refund'", "'4h'", "'('",
        "size", "contains", "min", "max", "has", "coalesce", "matches", "duration", "timestamp", "keys", "round", "int", "string", "now",
        "sizee", "=", "&", "$", " ", " ",
    ];

    public string TokenSoup()
    {
        var count = 1 + random.Next(random.Next(4) == 0 ? 40 : 8);
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            builder.Append(Tokens[random.Next(Tokens.Length)]);
            if (random.Next(3) == 0) builder.Append(' ');
        }

        return builder.ToString();
    }

    // ------------------------------------------------------------------ (3) well-formed syntax trees

    public Node Expression(int depth)
    {
        if (depth <= 0 || random.Next(5) == 0) return Leaf();
        switch (random.Next(12))
        {
            case 0:
            case 1:
                return Binary(depth);
            case 2:
                return new UnaryNode(0, 0, random.Next(2) == 0 ? UnaryOp.Not : UnaryOp.Negate, Expression(depth - 1));
            case 3:
                return new ConditionalNode(0, 0, Expression(depth - 1), Expression(depth - 1), Expression(depth - 1));
            case 4:
            case 5:
                return Call(depth);
            case 6:
                return new ListNode(0, 0, Enumerable.Range(0, random.Next(4)).Select(_ => Expression(depth - 1)).ToArray());
            case 7:
            {
                var keys = KeyNames.OrderBy(_ => random.Next()).Take(random.Next(4));
                return new MapNode(0, 0, keys.Select(k => new KeyValuePair<string, Node>(k, Expression(depth - 1))).ToArray());
            }

            case 8:
            case 9:
                return Path(depth);
            case 10:
                return new MemberNode(0, 0, Expression(depth - 1), Pick(FieldNames), 0);
            default:
                return new IndexNode(0, 0, Expression(depth - 1), IndexExpression(depth - 1));
        }
    }

    private Node Binary(int depth)
    {
        var op = (BinaryOp)random.Next(Enum.GetValues<BinaryOp>().Length);
        return new BinaryNode(0, 0, op, Expression(depth - 1), Expression(depth - 1), 0, 0);
    }

    private Node Call(int depth)
    {
        var index = random.Next(FunctionNames.Length);
        var name = FunctionNames[index];
        if (name == "has") return new CallNode(0, 0, name, [Path(depth - 1)]);
        var (min, max) = Arities[index];
        var count = random.Next(10) == 0 ? random.Next(4) : random.Next(min, max + 1);
        return new CallNode(0, 0, name, Enumerable.Range(0, count).Select(_ => Expression(depth - 1)).ToArray());
    }

    private Node Path(int depth)
    {
        Node node = new RootNode(0, 0, random.Next(20) == 0 ? "foo" : Pick(Roots));
        var steps = random.Next(4);
        for (var i = 0; i < steps; i++)
        {
            node = random.Next(4) switch
            {
                0 => new IndexNode(0, 0, node, new LiteralNode(0, 0, Value.FromString(Pick(KeyNames)))),
                1 => new IndexNode(0, 0, node, IndexExpression(depth - 1)),
                _ => new MemberNode(0, 0, node, Pick(FieldNames), 0),
            };
        }

        return node;
    }

    /// <summary>Index expressions biased to the interesting cases: small, negative, fractional and huge numbers, keys.</summary>
    private Node IndexExpression(int depth) => random.Next(8) switch
    {
        0 or 1 => new LiteralNode(0, 0, Value.FromNumber(random.Next(3))),
        2 => new UnaryNode(0, 0, UnaryOp.Negate, new LiteralNode(0, 0, Value.FromNumber(random.Next(1, 3)))),
        3 => new LiteralNode(0, 0, Value.FromNumber(new[] { 0.5, 1e10, 2147483648, 1e300 }[random.Next(4)])),
        4 => new LiteralNode(0, 0, Value.FromString(Pick(KeyNames))),
        _ => depth > 0 ? Expression(depth) : Leaf(),
    };

    private Node Leaf() => random.Next(6) switch
    {
        0 => new LiteralNode(0, 0, random.Next(3) switch { 0 => Value.Null, 1 => Value.True, _ => Value.False }),
        1 or 2 => new LiteralNode(0, 0, Value.FromNumber(Number())),
        3 => new LiteralNode(0, 0, Value.FromString(LiteralString())),
        _ => Path(0),
    };

    private double Number() => random.Next(6) switch
    {
        0 => random.Next(4),
        1 => random.Next(1000),
        2 => Math.Round(random.NextDouble() * 100, random.Next(4)),
        3 => new[] { 0.1, 0.5, 1e21, 1.5e-7, 123.456, 1e308 }[random.Next(6)],
        4 => random.NextDouble() * Math.Pow(10, random.Next(-5, 20)),
        _ => random.Next(100),
    };

    private string LiteralString()
    {
        if (random.Next(2) == 0) return Pick(StringPool);
        var length = random.Next(7);
        var builder = new StringBuilder();
        for (var i = 0; i < length; i++) builder.Append(StringChars[random.Next(StringChars.Length)]);
        if (random.Next(20) == 0) builder.Append('\uD800');
        return builder.ToString();
    }

    private string Pick(string[] items) => items[random.Next(items.Length)];

    // ------------------------------------------------------------------ random data

    public ExpressionScope Scope() => new()
    {
        Input = Json(3),
        Vars = random.Next(4) == 0 ? null : Enumerable.Range(0, random.Next(4)).Select(_ => Pick(KeyNames)).Distinct()
            .ToDictionary(k => k, _ => Json(2)),
        Outputs = random.Next(4) == 0 ? null : Enumerable.Range(0, random.Next(4)).Select(_ => Pick(KeyNames)).Distinct()
            .ToDictionary(k => k, _ => Json(2)),
        Instance = random.Next(3) == 0 ? null : new JsonObject
        {
            ["id"] = "i-" + random.Next(100), ["workflowId"] = "wf", ["version"] = random.Next(5), ["startedAt"] = "2025-03-14T06:00:00Z",
        },
        TimeProvider = new FixedTimeProvider(ExpressionTestSupport.Now),
    };

    public JsonNode? Json(int depth)
    {
        var kind = depth <= 0 ? random.Next(5) : random.Next(9);
        switch (kind)
        {
            case 0: return null;
            case 1: return JsonValue.Create(random.Next(2) == 0);
            case 2: return JsonValue.Create(random.Next(4) == 0 ? random.NextDouble() * 1000 : random.Next(-5, 100));
            case 3: return JsonValue.Create(LiteralString());
            case 4: return JsonNode.Parse(random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
            case 5:
            case 6:
            {
                var obj = new JsonObject();
                foreach (var key in Enumerable.Range(0, random.Next(5)).Select(_ => Pick(KeyNames)).Distinct()) obj[key] = Json(depth - 1);
                return obj;
            }

            default:
                return new JsonArray(Enumerable.Range(0, random.Next(4)).Select(_ => Json(depth - 1)).ToArray());
        }
    }

    public ExpressionTypeEnvironment Environment()
    {
        var env = new ExpressionTypeEnvironment
        {
            ClosedInput = random.Next(2) == 0,
            Variables = random.Next(2) == 0 ? null : new HashSet<string>(KeyNames.Take(random.Next(KeyNames.Length))),
            NodeIds = random.Next(2) == 0 ? null : new HashSet<string>(KeyNames.Skip(random.Next(KeyNames.Length))),
        };
        var types = Enum.GetValues<ExpressionValueType>();
        for (var i = random.Next(6); i > 0; i--)
        {
            env.Declare(Pick(Roots) + "." + Pick(FieldNames) + (random.Next(3) == 0 ? "." + Pick(FieldNames) : ""), types[random.Next(types.Length)]);
        }

        return env;
    }

    // ------------------------------------------------------------------ (4) mutations

    public string Mutate(string source)
    {
        var builder = new StringBuilder(source);
        for (var n = 1 + random.Next(3); n > 0; n--)
        {
            var position = builder.Length == 0 ? 0 : random.Next(builder.Length);
            switch (random.Next(5))
            {
                case 0 when builder.Length > 0:
                    builder.Remove(position, 1);
                    break;
                case 1:
                    builder.Insert(position, LanguageChars[random.Next(LanguageChars.Length)]);
                    break;
                case 2 when builder.Length > 1 && position + 1 < builder.Length:
                    (builder[position], builder[position + 1]) = (builder[position + 1], builder[position]);
                    break;
                case 3 when builder.Length > 0:
                {
                    var length = random.Next(1, Math.Min(8, builder.Length - position) + 1);
                    builder.Insert(random.Next(builder.Length + 1), builder.ToString(position, length));
                    break;
                }

                default:
                    builder.Insert(position, Tokens[random.Next(Tokens.Length)]);
                    break;
            }
        }

        return builder.ToString();
    }
}
