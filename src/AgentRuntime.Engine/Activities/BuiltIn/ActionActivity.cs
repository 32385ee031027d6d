using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>
/// Changes the world through a connector, recorded in the action ledger under a stable idempotency key (default:
/// instance + node + visit; the same on every retry and after a crash). The boundary is checked first: a forbidden
/// action (or one outside a non-empty allow-list) fails without running. The node's <c>compensation</c> is kept in the
/// ledger row so executed actions can later be undone in reverse order.
/// </summary>
public sealed class ActionActivity(IEnumerable<IConnector> connectors) : IActivity
{
    private readonly Dictionary<string, IConnector> _connectors = connectors.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public ActivityDescriptor Descriptor => BuiltInActivities.Action;

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var action = context.GetString("action") ?? throw new InvalidOperationException("The action node names no action.");
        var connectorName = context.GetString("connector") ?? throw new InvalidOperationException("The action node names no connector.");
        var boundary = context.Definition.Boundary;
        if (boundary is not null && (boundary.ForbiddenActions.Contains(action) || (boundary.AllowedActions.Count > 0 && !boundary.AllowedActions.Contains(action))))
            throw new ActionNotAllowedException($"Action '{action}' is outside the workflow's boundary.");
        var connector = _connectors.GetValueOrDefault(connectorName) ?? throw new InvalidOperationException($"No connector '{connectorName}' is registered.");

        var payload = context.EvaluateMap("input");
        var key = context.HasInput("idempotencyKey") ? context.EvaluateInput("idempotencyKey")?.ToString() ?? context.DefaultIdempotencyKey : context.DefaultIdempotencyKey;
        context.RecordInput(new JsonObject { ["action"] = action, ["connector"] = connectorName, ["idempotencyKey"] = key, ["payload"] = payload.DeepClone() });
        var compensation = context.RawInput("compensation")?.ToJsonString();
        var request = new ConnectorRequest(context.InstanceId, context.Node.Id, action, key, payload, context.Node, context.Transaction);

        JsonNode? result;
        if (connector.Kind == ConnectorKind.Transactional)
        {
            result = await connector.ExecuteAsync(request, context.CancellationToken);
            context.Transaction.Add(Ledger("""
                INSERT INTO action_ledger (idempotency_key, instance_id, node_id, action, connector, status, request, response, compensation, sends, created_at, completed_at, host)
                VALUES ($1, $2, $3, $4, $5, 'completed', $6, $7, $8, 1, $9, $9, $10)
                """, context, key, action, connectorName, payload, result, compensation));
        }
        else
        {
            // Intent first, durable before the call: after a crash, recovery finds it and re-sends with the same key.
            await context.CheckpointAsync(Ledger("""
                INSERT INTO action_ledger (idempotency_key, instance_id, node_id, action, connector, status, request, response, compensation, sends, created_at, host)
                VALUES ($1, $2, $3, $4, $5, 'intent', $6, $7, $8, 1, $9, $10)
                ON CONFLICT (idempotency_key) DO UPDATE SET sends = action_ledger.sends + 1
                """, context, key, action, connectorName, payload, null, compensation));
            result = await connector.ExecuteAsync(request, context.CancellationToken);
            var done = new NpgsqlBatchCommand("UPDATE action_ledger SET status = 'completed', response = $2, completed_at = $3 WHERE idempotency_key = $1");
            done.Parameters.Add(InstanceStore.P(key));
            done.Parameters.Add(InstanceStore.Jsonb(result?.ToJsonString() ?? "null"));
            done.Parameters.Add(InstanceStore.P(context.TimeProvider.GetUtcNow()));
            context.Transaction.Add(done);
        }
        return ActivityResult.Outcome("done", new JsonObject { ["action"] = action, ["idempotencyKey"] = key, ["result"] = result?.Parent is null ? result : result.DeepClone() });
    }

    private static NpgsqlBatchCommand Ledger(string sql, ActivityContext context, string key, string action, string connector, JsonObject payload, JsonNode? response, string? compensation)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        cmd.Parameters.Add(InstanceStore.P(key));
        cmd.Parameters.Add(InstanceStore.P(context.InstanceId));
        cmd.Parameters.Add(InstanceStore.P(context.Node.Id));
        cmd.Parameters.Add(InstanceStore.P(action));
        cmd.Parameters.Add(InstanceStore.P(connector));
        cmd.Parameters.Add(InstanceStore.Jsonb(payload.ToJsonString()));
        cmd.Parameters.Add(response is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(response.ToJsonString()));
        cmd.Parameters.Add(compensation is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(compensation));
        cmd.Parameters.Add(InstanceStore.P(context.TimeProvider.GetUtcNow()));
        cmd.Parameters.Add(InstanceStore.P(context.HostId));
        return cmd;
    }
}

/// <summary>The action is forbidden by (or outside) the workflow's boundary.</summary>
public sealed class ActionNotAllowedException(string message) : Exception(message);
