using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Definitions.Tests.Expressions;

internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

internal static class ExpressionTestSupport
{
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);

    public static ExpressionScope Scope() => new()
    {
        Input = JsonNode.Parse("""
            {
              "amount": 120.5,
              "count": 3,
              "customer": "Ada",
              "email": "ada@example.com",
              "flag": true,
              "nothing": null,
              "tags": ["vip", "eu"],
              "nested": { "a": { "b": 1 } },
              "items": [ { "sku": "A1", "qty": 2 }, { "sku": "B2", "qty": 5 } ],
              "created": "2025-03-14T08:00:00Z"
            }
            """),
        Vars = new Dictionary<string, JsonNode?> { ["attempts"] = 2, ["threshold"] = 0.8, ["name"] = "x" },
        Outputs = new Dictionary<string, JsonNode?>
        {
            ["propose"] = JsonNode.Parse("""{ "confidence": 0.91, "amount": 100, "rationale": "policy 4.2" }"""),
            ["propose-refund"] = JsonNode.Parse("""{ "amount": 42 }"""),
        },
        Instance = JsonNode.Parse("""{ "id": "i-1", "workflowId": "refunds", "version": 3, "startedAt": "2025-03-14T06:26:53Z" }""")!.AsObject(),
        TimeProvider = new FixedTimeProvider(Now),
    };

    /// <summary>Evaluates and returns compact JSON ("null" for JSON null).</summary>
    public static string Eval(string source, ExpressionScope? scope = null, ExpressionOptions? options = null)
    {
        var result = CompiledExpression.Parse(source, options).Evaluate(scope ?? Scope());
        return result is null ? "null" : result.ToJsonString();
    }

    public static ExpressionException EvalError(string source, ExpressionScope? scope = null, ExpressionOptions? options = null) =>
        Assert.Throws<ExpressionException>(() => CompiledExpression.Parse(source, options).Evaluate(scope ?? Scope()));

    public static ExpressionException ParseError(string source, ExpressionOptions? options = null) =>
        Assert.Throws<ExpressionException>(() => CompiledExpression.Parse(source, options));
}
