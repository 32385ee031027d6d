using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Testing;

namespace AgentRuntime.Engine.Tests.HumanTasks;

/// <summary>
/// Tier: unit — the shipped workflows/customer-refund.yaml, parsed as the host parses it. Why: the refund must pay the amount
/// the approver approved (edited or not) when the approval ran, and the agent's amount on the automatic path.
/// </summary>
public sealed class CustomerRefundApprovalTests
{
    [Fact]
    public void The_refund_amount_is_the_approved_amount_when_the_approval_ran_else_the_proposal()
    {
        var path = Path.Combine(RepoPaths.Workflows, "customer-refund.yaml");
        var document = DefinitionDocument.Parse(File.ReadAllText(path), path, ActivityCatalog.BuiltIn);
        Assert.False(document.HasErrors, string.Join("; ", document.Problems));
        var refund = document.Definition!.Flowchart.Nodes.Single(n => n.Id == "refund");
        var amount = CompiledExpression.Parse(refund.Inputs["input"]!["amount"]!.GetValue<string>());

        var propose = JsonNode.Parse("""{"result": {"amount": 120}, "confidence": 0.95}""");
        Assert.Equal(120, Eval(new() { ["propose"] = propose }));
        var approved = JsonNode.Parse("""{"outcome": "approved", "data": {"amount": 80}, "edited": true}""");
        Assert.Equal(80, Eval(new() { ["propose"] = propose, ["approve"] = approved }));
        // After "changes-requested" the agent proposes again and may go the automatic way: its new amount counts.
        var sentBack = JsonNode.Parse("""{"outcome": "changes-requested", "data": {"amount": 80}}""");
        Assert.Equal(120, Eval(new() { ["propose"] = propose, ["approve"] = sentBack }));

        double Eval(Dictionary<string, JsonNode?> outputs) =>
            amount.Evaluate(new ExpressionScope { Input = new JsonObject(), Outputs = outputs })!.GetValue<double>();
    }
}
