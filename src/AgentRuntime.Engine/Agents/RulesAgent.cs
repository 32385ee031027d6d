using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Engine.Execution;

namespace AgentRuntime.Engine.Agents;

/// <summary>
/// The deterministic agent kind: an ordered table of rules, the first whose <see cref="AgentRule.When"/> holds decides.
/// Rules are expressions over the instance's data plus <c>vars.agentInput</c> (what the node passed the agent). No rule
/// holding means the agent could not decide. Useful in production for simple cases, and it makes the engine testable
/// offline.
/// </summary>
public sealed class RulesAgent(AgentRegistration registration, IReadOnlyList<AgentRule> rules) : IAgent
{
    public AgentRegistration Registration { get; } = registration with { Kind = "rules" };

    public Task<AgentResult> InvokeAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var scope = new ExpressionScope
        {
            Input = request.Scope.Input,
            Vars = WithAgentInput(request.Scope.Vars, request.Input),
            Outputs = request.Scope.Outputs,
            Instance = request.Scope.Instance,
            TimeProvider = request.TimeProvider,
        };
        foreach (var rule in rules)
        {
            if (!Expressions.EvaluateBoolean(rule.When, scope)) continue;
            var result = new JsonObject();
            foreach (var (field, expression) in rule.Result)
            {
                var value = Expressions.Evaluate(expression, scope);
                result[field] = value?.Parent is null ? value : value.DeepClone();
            }
            return Task.FromResult(new AgentResult(true, result, rule.Confidence, rule.Rationale ?? $"rule '{rule.When}' held"));
        }
        return Task.FromResult(AgentResult.CouldNotDecide("no rule held"));
    }

    internal static Dictionary<string, JsonNode?> WithAgentInput(IReadOnlyDictionary<string, JsonNode?>? vars, JsonNode? input)
    {
        var copy = vars is null ? new Dictionary<string, JsonNode?>() : new Dictionary<string, JsonNode?>(vars);
        copy["agentInput"] = input;
        return copy;
    }
}

/// <summary>Builds rules agents from their resource definitions.</summary>
public static class RulesAgents
{
    public static RulesAgent FromDefinition(AgentDefinition d) => new(
        new AgentRegistration(d.Id, "rules")
        {
            Owner = d.Owner?.Name,
            ConfidenceThreshold = d.ConfidenceThreshold ?? 0.5,
            PromptVersion = d.Prompt?.Version,
        },
        d.Rules.Select(r => new AgentRule(r.When, r.Result, r.Confidence ?? 1.0, r.Rationale)).ToList());
}

/// <param name="When">Boolean expression.</param>
/// <param name="Result">Result field → expression.</param>
public sealed record AgentRule(string When, IReadOnlyDictionary<string, string> Result, double Confidence = 1.0, string? Rationale = null);
