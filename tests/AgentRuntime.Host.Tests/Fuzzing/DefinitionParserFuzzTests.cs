using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Validation;
using AgentRuntime.Testing;
using Xunit.Abstractions;

namespace AgentRuntime.Host.Tests.Fuzzing;

/// <summary>
/// Fuzz tier (in-process, seeded, CI-sized): the definition parser (YAML and JSON, with validation) and the expression
/// parser on mutated valid samples. Why: definitions and expressions come from people and tools the host does not
/// control; a hostile file must never crash the host — every rejection is a problem with a code and a message.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class DefinitionParserFuzzTests(ITestOutputHelper output)
{
    private static readonly ActivityCatalog Catalog = ActivityCatalog.BuiltIn;

    [Fact]
    public void Mutated_definitions_never_crash_the_parser_and_every_rejection_has_a_code_and_message()
    {
        var samples = FuzzSamples.Definitions();
        var texts = samples.Select(s => s.Text).ToList();
        var cases = Mutator.Cases(20_000);
        var rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var m = new Mutator(Mutator.BaseSeed + i);
            // The shipped workflow (YAML or JSON) in a quarter of the cases; the small samples, cheaper to parse, in the rest.
            var (name, text) = samples[m.Random.Next(4) == 0 ? m.Random.Next(2) : m.Random.Next(2, samples.Count)];
            var mutated = name.EndsWith(".json", StringComparison.Ordinal) && m.Random.Next(2) == 0
                ? (m.MutateJson(JsonNode.Parse(text))?.ToJsonString() ?? "null")
                : m.MutateText(text, texts);
            try
            {
                var document = DefinitionDocument.Parse(mutated, name, Catalog);
                if (document.HasErrors)
                {
                    rejected++;
                    var errors = document.Problems.Where(p => p.Severity == ProblemSeverity.Error).ToList();
                    if (errors.Any(p => string.IsNullOrWhiteSpace(p.Code) || string.IsNullOrWhiteSpace(p.Message)))
                        failures.Add($"case {i} (seed {Mutator.BaseSeed + i}): a problem without code or message");
                }
                else if (document.Definition is null)
                {
                    failures.Add($"case {i} (seed {Mutator.BaseSeed + i}): no errors but no definition");
                }
            }
            catch (Exception e)
            {
                failures.Add($"case {i} (seed {Mutator.BaseSeed + i}) {name}: {e.GetType().Name}: {e.Message}\n{Mutator.Preview(mutated)}");
            }
            if (failures.Count >= 5) break;
        }
        Report(output, "definition parser", cases, rejected, failures.Count, clock.Elapsed);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    internal static void Report(ITestOutputHelper output, string target, int cases, int rejected, int failures, TimeSpan elapsed)
    {
        var line = $"FUZZ {target}: {cases:N0} cases, {rejected:N0} rejected with a reason, failures: {failures}, {elapsed.TotalSeconds:F1} s ({cases / Math.Max(0.001, elapsed.TotalSeconds):N0}/s)";
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}

/// <summary>
/// Fuzz tier: the expression language's parser, template parser and evaluator on mutated valid expressions (see also
/// the language's own property tests in AgentRuntime.Definitions.Tests). Its own class so it runs beside the other fuzzers.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ExpressionFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] ExpressionCorpus =
    [
        "input.amount > 100 && has(input.customer.email)",
        "outputs.propose.confidence >= 0.8 ? 'auto' : 'review'",
        "outputs['propose-refund'].amount <= min(input.amount, 500)",
        "'vip' in input.tags || size(input.items) > 3",
        "matches(input.email, '^[a-z0-9._%+-]+@[a-z0-9.-]+\\\\.[a-z]{2,}$')",
        "coalesce(vars.attempts, 0) + 1 < 3",
        "round(input.amount * 1.2, 2) == 144.6",
        "{\"a\": [1, 2, {'b': null}], 'c': upper(trim(' x '))}",
        "keys(input.nested)[0] + string(values(input.nested)[0])",
        "!(input.flag == true) && -input.count % 2 != 0",
        "int('42') + double(\"2.5\") - abs(-1) * floor(1.5) / ceil(0.5)",
        "input.items[vars.i].qty * 2",
    ];

    [Fact]
    public void Mutated_expressions_and_templates_never_crash_the_expression_parser_or_evaluator()
    {
        var scope = new ExpressionScope
        {
            Input = JsonNode.Parse("""{"amount": 120, "customer": {"email": "a@b.c"}, "tags": ["vip"], "items": [{"qty": 2}], "email": "x@y.com", "nested": {"k": 1}, "flag": false, "count": 3}"""),
            Vars = new Dictionary<string, JsonNode?> { ["attempts"] = 1, ["i"] = 0 },
            Outputs = new Dictionary<string, JsonNode?> { ["propose"] = JsonNode.Parse("""{"confidence": 0.9}"""), ["propose-refund"] = JsonNode.Parse("""{"amount": 10}""") },
        };
        var cases = Mutator.Cases(50_000);
        var rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var m = new Mutator(Mutator.BaseSeed ^ 0x5EED + i);
            var source = m.MutateText(ExpressionCorpus[m.Random.Next(ExpressionCorpus.Length)], ExpressionCorpus);
            try
            {
                if (i % 5 == 0)
                {
                    var template = Template.Parse("Refund {{ " + source + " }} now");
                    template.Render(scope);
                }
                else if (CompiledExpression.TryParse(source, out var expression, out var error))
                {
                    expression!.Evaluate(scope);
                }
                else if (error is null || string.IsNullOrWhiteSpace(error.Code) || string.IsNullOrWhiteSpace(error.Message))
                {
                    failures.Add($"case {i}: rejected without code or message: {Mutator.Preview(source)}");
                }
                else
                {
                    rejected++;
                }
            }
            catch (ExpressionException)
            {
                rejected++; // the language's one exception type: a reason with a code and a position
            }
            catch (Exception e)
            {
                failures.Add($"case {i}: {e.GetType().Name}: {e.Message}\n{Mutator.Preview(source)}");
            }
            if (failures.Count >= 5) break;
        }
        DefinitionParserFuzzTests.Report(output, "expression parser", cases, rejected, failures.Count, clock.Elapsed);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

}
