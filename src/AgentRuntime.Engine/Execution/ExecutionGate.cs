using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// Asked before every node executes; a non-null answer is a hold reason and the path stops there (instance status
/// <c>paused</c>) until a <c>resume</c> message. The seam for the agent kill switch (hold before the next step of a paused
/// agent), workflow pause and stage rules. None are registered by default; the instance-level pause is built in.
/// </summary>
public interface IExecutionGate
{
    ValueTask<string?> CheckAsync(GateContext context, CancellationToken cancellationToken);
}

public sealed record GateContext(Guid InstanceId, string WorkflowId, int Version, NodeDefinition Node)
{
    /// <summary>Agents whose output this node's inputs derive from (governance lineage), known before it runs.</summary>
    public IReadOnlyCollection<string> AgentsRead { get; init; } = [];
}
