using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentRuntime.Definitions.Tests.Expressions;

/// <summary>
/// Property tests with seeded generators. Each case has its own seed (base seed + case number), printed on failure;
/// set EXPR_PROPERTY_SEED to explore other seeds and EXPR_PROPERTY_SCALE to run more (or fewer) cases.
/// The invariant everywhere: nothing but <see cref="ExpressionException"/> ever escapes, never with the internal-error
/// code, and reported positions lie inside the source.
/// </summary>
public abstract class PropertyTestBase(ITestOutputHelper output)
{
    private static readonly int BaseSeed =
        int.TryParse(Environment.GetEnvironmentVariable("EXPR_PROPERTY_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : 20_250_314;

    private static readonly double Scale =
        double.TryParse(Environment.GetEnvironmentVariable("EXPR_PROPERTY_SCALE"), CultureInfo.InvariantCulture, out var scale) ? scale : 1.0;

    private static readonly System.Text.Json.JsonSerializerOptions Readable =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    protected static readonly ExpressionOptions Roomy = new() { MaxLength = 1 << 20 };

    protected static readonly string[] Corpus =
    [
        "input.amount > 100 && has(input.customer.email)",
        "outputs.propose.confidence >= 0.8 ? 'auto' : 'review'",
        "outputs['propose-refund'].amount <= min(input.amount, 500)",
        "'vip' in input.tags || size(input.items) > 3",
        "matches(input.email, '^[a-z0-9._%+-]+@[a-z0-9.-]+\\\\.[a-z]{2,}$')",
        "timestamp(now()) - timestamp(instance.startedAt) > duration('4h')",
        "coalesce(vars.attempts, 0) + 1 < 3",
        "round(input.amount * 1.2, 2) == 144.6",
        "{\"a\": [1, 2, {'b': null}], 'c': upper(trim(' x '))}",
        "keys(input.nested)[0] + string(values(input.nested)[0])",
        "!(input.flag == true) && -input.count % 2 != 0",
        "int('42') + double(\"2.5\") - abs(-1) * floor(1.5) / ceil(0.5)",
        "startsWith(lower(input.customer), 'a') && endsWith(input.email, '.com') && contains(input.email, '@')",
        "bool('true') ? max([1, 5, 3]) : input.items[vars.i].qty",
    ];

    private static int Seed(int testSalt, int caseNumber) => unchecked(BaseSeed * 31 + testSalt * 1_000_003 + caseNumber);

    protected static int Cases(int count) => Math.Max(1, (int)(count * Scale));

    private int _parsed;
    private int _evaluated;

    private protected void Run(string name, int salt, int cases, Action<Generators> body)
    {
        _parsed = 0;
        _evaluated = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var seed = Seed(salt, i);
            var generators = new Generators(new Random(seed));
            try
            {
                body(generators);
            }
            catch (Exception e)
            {
                throw new XunitException(
                    $"{name}: case {i} failed with seed {seed} (base seed {BaseSeed}). Reproduce with new Generators(new Random({seed})).\n" +
                    $"Source: {System.Text.Json.JsonSerializer.Serialize(generators.Current, Readable)}\n{e}");
            }
        }

        output.WriteLine($"{name}: {cases} cases in {watch.ElapsedMilliseconds} ms (base seed {BaseSeed}); " +
                         $"{_parsed} parsed, {_evaluated} evaluated without error");
    }

    /// <summary>Parses, checks, evaluates and templates <paramref name="source"/>; fails on anything but ExpressionException.</summary>
    private protected void Exercise(string source, Generators g, ExpressionOptions? options = null)
    {
        g.Current = source;
        CompiledExpression expression;
        try
        {
            expression = CompiledExpression.Parse(source, options);
        }
        catch (ExpressionException e)
        {
            AssertSane(e.Code, e.Position, e.Length, source.Length, source);
            return;
        }

        _parsed++;
        foreach (var problem in expression.Check().Concat(expression.Check(g.Environment())))
        {
            AssertSane(problem.Code, problem.Position, problem.Length, source.Length, source);
        }

        Assert.NotNull(expression.RootPaths);
        var scope = g.Scope();
        try
        {
            var first = expression.Evaluate(scope);
            var second = expression.Evaluate(scope);
            Assert.True(JsonNode.DeepEquals(first, second), "evaluation is deterministic");
            _evaluated++;
        }
        catch (ExpressionException e)
        {
            AssertSane(e.Code, e.Position, e.Length, source.Length, source);
        }

        try
        {
            expression.EvaluateBoolean(scope);
        }
        catch (ExpressionException e)
        {
            AssertSane(e.Code, e.Position, e.Length, source.Length, source);
        }

        var text = "x {{" + source + "}} y";
        try
        {
            Template.Parse(text, options).Render(scope);
        }
        catch (ExpressionException e)
        {
            AssertSane(e.Code, e.Position, e.Length, text.Length, text);
        }
    }

    private static void AssertSane(string code, int position, int length, int sourceLength, string source)
    {
        Assert.True(code != ExpressionErrorCodes.InternalError, $"internal error for: {source}");
        Assert.Matches("^EXPR[0-9]{3}$", code);
        Assert.InRange(position, 0, sourceLength);
        Assert.InRange(length, 0, sourceLength - position);
    }

    internal static bool SyntaxEquals(Node a, Node b)
    {
        switch (a, b)
        {
            case (LiteralNode x, LiteralNode y):
                return x.Value.Kind == y.Value.Kind && x.Value.Kind switch
                {
                    ValueKind.Number => BitConverter.DoubleToInt64Bits(x.Value.AsNumber) == BitConverter.DoubleToInt64Bits(y.Value.AsNumber),
                    ValueKind.String => x.Value.AsString == y.Value.AsString,
                    ValueKind.Bool => x.Value.AsBool == y.Value.AsBool,
                    _ => true,
                };
            case (ListNode x, ListNode y):
                return x.Items.Count == y.Items.Count && x.Items.Zip(y.Items).All(p => SyntaxEquals(p.First, p.Second));
            case (MapNode x, MapNode y):
                return x.Entries.Count == y.Entries.Count
                       && x.Entries.Zip(y.Entries).All(p => p.First.Key == p.Second.Key && SyntaxEquals(p.First.Value, p.Second.Value));
            case (RootNode x, RootNode y):
                return x.Name == y.Name;
            case (MemberNode x, MemberNode y):
                return x.Name == y.Name && SyntaxEquals(x.Target, y.Target);
            case (IndexNode x, IndexNode y):
                return SyntaxEquals(x.Target, y.Target) && SyntaxEquals(x.Index, y.Index);
            case (CallNode x, CallNode y):
                return x.Name == y.Name && x.Arguments.Count == y.Arguments.Count && x.Arguments.Zip(y.Arguments).All(p => SyntaxEquals(p.First, p.Second));
            case (UnaryNode x, UnaryNode y):
                return x.Op == y.Op && SyntaxEquals(x.Operand, y.Operand);
            case (BinaryNode x, BinaryNode y):
                return x.Op == y.Op && SyntaxEquals(x.Left, y.Left) && SyntaxEquals(x.Right, y.Right);
            case (ConditionalNode x, ConditionalNode y):
                return SyntaxEquals(x.Condition, y.Condition) && SyntaxEquals(x.WhenTrue, y.WhenTrue) && SyntaxEquals(x.WhenFalse, y.WhenFalse);
            default:
                return false;
        }
    }
}

public class RandomStringProperty(ITestOutputHelper output) : PropertyTestBase(output)
{
    [Fact]
    public void Random_strings_never_throw_anything_but_ExpressionException() =>
        Run("random strings", 1, Cases(30_000), g =>
        {
            var source = g.RandomString();
            Exercise(source, g);
        });
}

public class TokenSoupProperty(ITestOutputHelper output) : PropertyTestBase(output)
{
    [Fact]
    public void Token_soups_never_throw_anything_but_ExpressionException() =>
        Run("token soups", 2, Cases(30_000), g =>
        {
            var source = g.TokenSoup();
            Exercise(source, g);
        });
}

public class WellFormedTreeProperty(ITestOutputHelper output) : PropertyTestBase(output)
{
    [Fact]
    public void Well_formed_trees_round_trip_and_evaluate_safely() =>
        Run("well-formed trees", 3, Cases(25_000), g =>
        {
            var tree = g.Expression(1 + g.Random.Next(5));
            var printed = Printer.Print(tree);
            g.Current = printed;
            var parsed = CompiledExpression.Parse(printed, Roomy);
            Assert.True(PropertyTestBase.SyntaxEquals(tree, parsed.Syntax), $"round trip changed the tree of: {printed}");
            var reprinted = Printer.Print(parsed.Syntax);
            Assert.Equal(printed, reprinted);
            Assert.True(PropertyTestBase.SyntaxEquals(parsed.Syntax, CompiledExpression.Parse(reprinted, Roomy).Syntax));
            Exercise(printed, g, Roomy);
        });
}

public class MutationProperty(ITestOutputHelper output) : PropertyTestBase(output)
{
    [Fact]
    public void Mutated_expressions_never_throw_anything_but_ExpressionException() =>
        Run("mutations", 4, Cases(25_000), g =>
        {
            var original = g.Random.Next(3) == 0 ? Printer.Print(g.Expression(3)) : Corpus[g.Random.Next(Corpus.Length)];
            var source = g.Mutate(original);
            Exercise(source, g);
        });
}

public class CorpusProperty(ITestOutputHelper output) : PropertyTestBase(output)
{
    [Fact]
    public void Corpus_expressions_parse_cleanly()
    {
        foreach (var source in Corpus)
        {
            var expression = CompiledExpression.Parse(source);
            Assert.Empty(expression.Check());
            Assert.Equal(Printer.Print(expression.Syntax), Printer.Print(CompiledExpression.Parse(Printer.Print(expression.Syntax)).Syntax));
        }
    }
}
