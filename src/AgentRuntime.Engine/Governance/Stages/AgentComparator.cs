using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;

namespace AgentRuntime.Engine.Governance.Stages;

/// <summary>
/// Agreement between a shadow proposal and the human's decision. <c>fields</c>: every listed field equal (numbers within
/// <c>tolerance</c>); <c>expression</c>: a boolean over <c>vars.proposal</c> and <c>vars.decision</c>; no comparator: the whole
/// results equal. A comparator that cannot be evaluated counts as disagreement (never as agreement).
/// </summary>
public static class AgentComparator
{
    public static bool Agrees(AgentComparatorSpec? comparator, JsonNode? proposal, JsonNode? decision, TimeProvider clock)
    {
        if (comparator?.Expression is { } expression)
        {
            try
            {
                var scope = new ExpressionScope
                {
                    Vars = new Dictionary<string, JsonNode?> { ["proposal"] = proposal?.DeepClone(), ["decision"] = decision?.DeepClone() },
                    TimeProvider = clock,
                };
                return Expressions.EvaluateBoolean(expression, scope);
            }
            catch (ExpressionException)
            {
                return false;
            }
        }
        if (comparator is { Fields.Count: > 0 })
            return comparator.Fields.All(f => Same(proposal?[f], decision?[f], comparator.Tolerance ?? 0));
        return JsonNode.DeepEquals(proposal, decision);
    }

    private static bool Same(JsonNode? a, JsonNode? b, double tolerance)
    {
        if (a is JsonValue x && b is JsonValue y && x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number)
            return Math.Abs(x.GetValue<double>() - y.GetValue<double>()) <= tolerance;
        if (a is JsonValue s && b is JsonValue t && s.GetValueKind() == JsonValueKind.String && t.GetValueKind() == JsonValueKind.String)
            return string.Equals(s.GetValue<string>().Trim(), t.GetValue<string>().Trim(), StringComparison.OrdinalIgnoreCase);
        return JsonNode.DeepEquals(a, b);
    }
}
