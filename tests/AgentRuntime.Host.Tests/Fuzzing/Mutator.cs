using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentRuntime.Host.Tests.Fuzzing;

/// <summary>
/// Seeded mutations of valid samples: character edits, hostile tokens, line surgery, splices, and JSON-tree edits.
/// Every case is reproducible from (base seed, case number); set FUZZ_SEED to explore other seeds and FUZZ_SCALE to run
/// more or fewer cases (e.g. FUZZ_SCALE=10 for a long local run).
/// </summary>
public sealed class Mutator(int seed)
{
    public static readonly int BaseSeed =
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20_261_121;

    public static readonly double Scale =
        double.TryParse(Environment.GetEnvironmentVariable("FUZZ_SCALE"), CultureInfo.InvariantCulture, out var x) ? x : 1.0;

    public static int Cases(int count) => Math.Max(1, (int)(count * Scale));

    public Random Random { get; } = new(seed);

    /// <summary>Tokens that break parsers: YAML/JSON syntax, anchors and aliases, tags, templates, odd Unicode, huge numbers.</summary>
    private static readonly string[] Hostile =
    [
        ":", ": ", "- ", "-", "{", "}", "[", "]", ",", "\"", "'", "\\", "&a ", "*a", "&b [*a, *a, *a]", "!!binary ", "!!python/object ", "!<tag:x> ",
        "\t", "\n", "\r\n", "\r", "  ", "    ", "{{", "}}", "{{ input.", "${", "#", "---\n", "...\n", "%YAML 1.1\n", "<<: *a", "? ", "|", ">-", "|+",
        "\0", "\u0001", "\u007f", "\u00a0", "\u2028", "\ufeff", "\uffff", "\ud800", "\udc00", "😀", "é", "İ",
        "null", "~", "true", "yes", "no", "0x1F", "0o17", ".inf", "-.inf", ".nan", "1e309", "-0", "99999999999999999999999999",
        "2147483648", "-2147483649", "0.0000000000000000000000001", "'\"", "\"\\u0000\"", "\"\\ud800\"", "&&", "||", "==", "?", "(", ")",
        "input.", "outputs[", "size(", "matches(input.x, '(a+)+$')", "duration('9999999999h')",
    ];

    public string Token() => Random.Next(4) == 0
        ? new string((char)Random.Next(0x20, 0x7f), Random.Next(1, 4))
        : Hostile[Random.Next(Hostile.Length)];

    /// <summary>Applies 1–4 text mutations.</summary>
    public string MutateText(string text, IReadOnlyList<string>? others = null)
    {
        var n = Random.Next(1, 5);
        for (var i = 0; i < n; i++) text = MutateOnce(text, others);
        return text;
    }

    private string MutateOnce(string text, IReadOnlyList<string>? others)
    {
        if (text.Length == 0) return Token();
        var at = Random.Next(text.Length);
        switch (Random.Next(11))
        {
            case 0: return text.Remove(at, Math.Min(Random.Next(1, 16), text.Length - at));                 // delete a run
            case 1: return text.Insert(at, Token());                                                          // insert a hostile token
            case 2: return text.Remove(at, 1).Insert(at, ((char)Random.Next(0x20, 0x7f)).ToString());         // replace a char
            case 3:                                                                                           // duplicate a run
                var len = Math.Min(Random.Next(1, 200), text.Length - at);
                return text.Insert(at, text.Substring(at, len));
            case 4: return LineEdit(text);
            case 5: return LineEdit(text);
            case 6:                                                                                           // splice with another sample
                if (others is null || others.Count == 0) goto case 1;
                var other = others[Random.Next(others.Count)];
                return text[..at] + other[Random.Next(other.Length)..];
            case 7: return text[..at];                                                                        // truncate
            case 8:                                                                                           // deep nesting
                var depth = Random.Next(10, 400);
                var open = Random.Next(2) == 0 ? "[" : "{a: ";
                return text.Insert(at, string.Concat(Enumerable.Repeat(open, depth)));
            case 9:                                                                                           // swap digits / numbers
                return text.Insert(at, Random.Next(3) switch { 0 => "-1", 1 => "1e400", _ => long.MaxValue.ToString(CultureInfo.InvariantCulture) });
            default:                                                                                          // a long string
                return text.Insert(at, new string('x', Random.Next(100, 5000)));
        }
    }

    private string LineEdit(string text)
    {
        var lines = text.Split('\n').ToList();
        var i = Random.Next(lines.Count);
        switch (Random.Next(5))
        {
            case 0: lines.RemoveAt(i); break;
            case 1: lines.Insert(i, lines[Random.Next(lines.Count)]); break;
            case 2:
                var j = Random.Next(lines.Count);
                (lines[i], lines[j]) = (lines[j], lines[i]);
                break;
            case 3: lines[i] = new string(' ', Random.Next(0, 12)) + lines[i].TrimStart(); break;
            default: lines[i] = lines[i] + " " + Token(); break;
        }
        return string.Join('\n', lines);
    }

    /// <summary>Edits a JSON tree: replaces a random node with a random value, removes a member, or adds one.</summary>
    public JsonNode? MutateJson(JsonNode? root)
    {
        root = root?.DeepClone();
        var n = Random.Next(1, 4);
        for (var k = 0; k < n; k++)
        {
            if (root is null) return RandomValue(3);
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            var target = nodes[Random.Next(nodes.Count)];
            switch (Random.Next(4))
            {
                case 0 when target.Parent is JsonObject po:
                    po.Remove(po.First(p => ReferenceEquals(p.Value, target)).Key);
                    break;
                case 1 when target is JsonObject o:
                    o[RandomKey()] = RandomValue(3);
                    break;
                case 2 when target is JsonArray a:
                    a.Add(RandomValue(3));
                    break;
                default:
                    if (target.Parent is JsonObject parent) parent[parent.First(p => ReferenceEquals(p.Value, target)).Key] = RandomValue(3);
                    else if (target.Parent is JsonArray array) array[array.IndexOf(target)] = RandomValue(3);
                    else root = RandomValue(3);
                    break;
            }
        }
        return root;
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        if (node is JsonObject o) foreach (var (_, v) in o) { if (v is not null) Collect(v, into); }
        else if (node is JsonArray a) foreach (var v in a) { if (v is not null) Collect(v, into); }
    }

    private string RandomKey() => Random.Next(3) switch
    {
        0 => Token(),
        1 => new[] { "id", "type", "amount", "nodes", "edges", "input", "owner", "$ref", "__proto__", "constructor" }[Random.Next(10)],
        _ => "k" + Random.Next(100).ToString(CultureInfo.InvariantCulture),
    };

    public JsonNode? RandomValue(int depth) => Random.Next(depth <= 0 ? 6 : 9) switch
    {
        0 => null,
        1 => JsonValue.Create(Random.Next(2) == 0),
        2 => JsonValue.Create(Random.Next(6) switch { 0 => double.MaxValue, 1 => -0.0, 2 => 1e-300, 3 => long.MinValue, _ => Random.Next(-1000, 1000) }),
        3 => JsonValue.Create(Token()),
        4 => JsonValue.Create(new string('z', Random.Next(0, 3000))),
        5 => JsonValue.Create(""),
        6 => new JsonArray(Enumerable.Range(0, Random.Next(0, 4)).Select(_ => RandomValue(depth - 1)).ToArray()),
        7 => Nested(Random.Next(1, 200)),
        _ => new JsonObject(Enumerable.Range(0, Random.Next(0, 4)).Select(_ => KeyValuePair.Create(RandomKey() + Random.Next(1000), RandomValue(depth - 1)))
            .DistinctBy(p => p.Key)),
    };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    /// <summary>Printable preview of a failing case.</summary>
    public static string Preview(string s) => s.Length <= 400 ? s : s[..400] + $"… ({s.Length} chars)";

    public static string Utf8Preview(byte[] b) => Preview(Encoding.UTF8.GetString(b));
}

/// <summary>
/// The fuzzers saturate both cores for about a minute; run alone (after the parallel tests) they do not starve tests
/// with timing expectations (e.g. telemetry export intervals), and their own figures are the machine's, not the mix's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "Fuzzing (runs alone)";
}
