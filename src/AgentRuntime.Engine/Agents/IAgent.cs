using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Engine.Agents;

/// <summary>
/// An agent the <c>agent</c> activity can run: a rules table, an LLM, an HTTP service. Implementations are found by
/// agent id through <see cref="IAgentResolver"/>. An agent proposes; the workflow decides what its proposal drives
/// (its stage: shadow / draft / execute, a governance concern kept outside the agent).
/// </summary>
public interface IAgent
{
    AgentRegistration Registration { get; }

    Task<AgentResult> InvokeAsync(AgentRequest request, CancellationToken cancellationToken);
}

/// <summary>What an agent is, as registered: id, kind (<c>rules</c>, <c>llm</c>, <c>http</c>), model and prompt version, owner, stage.</summary>
public sealed record AgentRegistration(string Id, string Kind)
{
    public string? Model { get; init; }
    public string? PromptVersion { get; init; }
    public string? Owner { get; init; }
    /// <summary><c>shadow</c>, <c>draft</c> or <c>execute</c>. Carried into the journal; enforced by governance (not yet built).</summary>
    public string Stage { get; init; } = AgentStages.Execute;
    /// <summary>Default confidence threshold; below it the node takes <c>low-confidence</c>.</summary>
    public double ConfidenceThreshold { get; init; } = 0.5;
    /// <summary>Fields the result must contain, or the node takes <c>invalid-output</c>.</summary>
    public IReadOnlyList<string> RequiredFields { get; init; } = [];
}

public static class AgentStages
{
    public const string Shadow = "shadow";
    public const string Draft = "draft";
    public const string Execute = "execute";

    /// <summary>In order of trust: a promotion moves one step right, a demotion any number left.</summary>
    public static readonly IReadOnlyList<string> All = [Shadow, Draft, Execute];

    public static int Rank(string stage) => stage switch { Shadow => 0, Draft => 1, Execute => 2, _ => -1 };
}

/// <param name="Input">What the agent receives (the node's <c>input</c> expression, or the instance input).</param>
/// <param name="Scope">The instance's data, for agents that evaluate expressions (rules).</param>
public sealed record AgentRequest(Guid InstanceId, string NodeId, JsonNode? Input, ExpressionScope Scope, TimeProvider TimeProvider)
{
    /// <summary>Stable per node visit (the same on a retry): lets an external agent service de-duplicate.</summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>
/// An agent's answer. <see cref="Decided"/> false means the agent reported it could not decide (port <c>failed</c>).
/// <see cref="InvalidOutput"/> set means the agent answered but the answer is unusable (malformed, off-schema): port
/// <c>invalid-output</c>, the reason kept with the decision.
/// </summary>
public sealed record AgentResult(bool Decided, JsonNode? Result, double Confidence, string? Rationale)
{
    public static AgentResult CouldNotDecide(string rationale) => new(false, null, 0, rationale);

    public static AgentResult Invalid(string reason, JsonNode? raw = null, AgentUsage? usage = null) =>
        new(true, raw, 0, null) { InvalidOutput = reason, Usage = usage };

    public string? InvalidOutput { get; init; }

    /// <summary>Tokens and cost of the call(s) behind this answer (llm agents); null for agents that cost nothing.</summary>
    public AgentUsage? Usage { get; init; }
}

/// <summary>What an answer cost: tokens as reported by the endpoint, cost from the agent's per-1K prices.</summary>
public sealed record AgentUsage(int InputTokens, int OutputTokens, decimal Cost, string? Model = null, int Attempts = 1)
{
    public int TotalTokens => InputTokens + OutputTokens;
}

/// <summary>Finds the agent registered under an id.</summary>
public interface IAgentResolver
{
    IAgent? Find(string agentId);
}

/// <summary>Resolves among every <see cref="IAgent"/> registered in DI.</summary>
internal sealed class AgentResolver(IEnumerable<IAgent> agents) : IAgentResolver
{
    private readonly Dictionary<string, IAgent> _byId = agents.GroupBy(a => a.Registration.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public IAgent? Find(string agentId) => _byId.GetValueOrDefault(agentId);
}
