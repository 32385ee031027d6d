using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Connectors;

/// <summary>
/// Writes the action's payload as a row of <c>connector_records</c>, inside the step's own transaction: the effect
/// exists if and only if the step committed. The reference transactional connector (and what tests read).
/// </summary>
public sealed class RecordConnector(TimeProvider clock) : IConnector
{
    public string Name => "record";
    public ConnectorKind Kind => ConnectorKind.Transactional;

    public Task<JsonNode?> ExecuteAsync(ConnectorRequest request, CancellationToken cancellationToken)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO connector_records (instance_id, node_id, action, idempotency_key, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)
            """);
        cmd.Parameters.Add(InstanceStore.P(request.InstanceId));
        cmd.Parameters.Add(InstanceStore.P(request.NodeId));
        cmd.Parameters.Add(InstanceStore.P(request.Action));
        cmd.Parameters.Add(InstanceStore.P(request.IdempotencyKey));
        cmd.Parameters.Add(InstanceStore.Jsonb(request.Payload.ToJsonString()));
        cmd.Parameters.Add(InstanceStore.P(clock.GetUtcNow()));
        request.Transaction.Add(cmd);
        return Task.FromResult<JsonNode?>(new JsonObject { ["recorded"] = true, ["idempotencyKey"] = request.IdempotencyKey });
    }
}
