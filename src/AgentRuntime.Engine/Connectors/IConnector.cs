using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Activities;

namespace AgentRuntime.Engine.Connectors;

/// <summary>
/// Performs an <c>action</c>'s side effect. Two kinds, because "the effect and the commit cannot both be lost or both
/// repeated" is achieved differently:
/// <list type="bullet">
/// <item><see cref="ConnectorKind.Transactional"/>: the effect is SQL added to the step's own transaction
/// (<see cref="ConnectorRequest.Transaction"/>): effect and commit are atomic, so exactly once by construction.</item>
/// <item><see cref="ConnectorKind.External"/>: the engine commits a ledger intent (with the idempotency key) before the
/// call and the completion after it; after a crash in between, the call is re-sent with the same key, and the receiver
/// de-duplicates on it.</item>
/// </list>
/// </summary>
public interface IConnector
{
    string Name { get; }
    ConnectorKind Kind { get; }
    Task<JsonNode?> ExecuteAsync(ConnectorRequest request, CancellationToken cancellationToken);
}

public enum ConnectorKind
{
    Transactional,
    External,
}

/// <param name="Action">The action's name (checked against the workflow's boundary).</param>
/// <param name="IdempotencyKey">Stable across retries and crash recovery of this node visit.</param>
/// <param name="Payload">The evaluated <c>input</c> map.</param>
/// <param name="Node">The action node (connector-specific inputs, e.g. <c>url</c>).</param>
/// <param name="Transaction">Where a transactional connector adds its statements.</param>
public sealed record ConnectorRequest(
    Guid InstanceId, string NodeId, string Action, string IdempotencyKey, JsonObject Payload, NodeDefinition Node, IStepTransaction Transaction);
