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
}

/// <param name="Input">What the agent receives (the node's <c>input</c> expression, or the instance input).</param>
/// <param name="Scope">The instance's data, for agents that evaluate expressions (rules).</param>
public sealed record AgentRequest(Guid InstanceId, string NodeId, JsonNode? Input, ExpressionScope Scope, TimeProvider TimeProvider);

/// <summary>An agent's answer. <see cref="Decided"/> false means the agent reported it could not decide (port <c>failed</c>).</summary>
public sealed record AgentResult(bool Decided, JsonNode? Result, double Confidence, string? Rationale)
{
    public static AgentResult CouldNotDecide(string rationale) => new(false, null, 0, rationale);
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
