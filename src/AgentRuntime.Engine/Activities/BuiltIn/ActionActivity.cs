using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>
/// Changes the world through a connector, recorded in the action ledger under a stable idempotency key (default:
/// instance + node + visit; the same on every retry and after a crash). The node's <c>compensation</c> is kept in the
/// ledger row so executed actions can later be undone in reverse order.
/// <para>
/// Governance comes first, and a violation is an incident (<see cref="GovernanceViolationException"/>: no retry, no error
/// port), never a run: a forbidden action (<c>boundary.forbiddenActions</c>) or one outside a non-empty allow-list; an
/// action whose input derives from an agent's output (lineage, see <see cref="Provenance"/>) unless that output was
/// approved by a human in this instance or was produced in <c>execute</c> by an agent that is in <c>execute</c> now and
/// not paused; a draft-only action (<c>boundary.draftOnlyActions</c>) unless a human approved in this instance and
/// every agent output it derives from is human-approved.
/// </para>
/// </summary>
public sealed class ActionActivity(IEnumerable<IConnector> connectors, AgentDirectory agents, GovernanceOptions governance) : IActivity
{
    private readonly Dictionary<string, IConnector> _connectors = connectors.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public ActivityDescriptor Descriptor => BuiltInActivities.Action;

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var action = context.GetString("action") ?? throw new InvalidOperationException("The action node names no action.");
        var connectorName = context.GetString("connector") ?? throw new InvalidOperationException("The action node names no connector.");
        var boundary = context.Definition.Boundary;
        var enforce = governance.EnforceStageRules;
        if (enforce && boundary is not null && boundary.ForbiddenActions.Contains(action))
            throw new GovernanceViolationException("forbidden-action", $"Action '{action}' is forbidden by the workflow's boundary; it was not run.");
        if (enforce && boundary is not null && boundary.AllowedActions.Count > 0 && !boundary.AllowedActions.Contains(action))
            throw new GovernanceViolationException("outside-boundary", $"Action '{action}' is not among the workflow's allowed actions; it was not run.");
        var connector = _connectors.GetValueOrDefault(connectorName) ?? throw new InvalidOperationException($"No connector '{connectorName}' is registered.");

        var payload = context.EvaluateMap("input");
        var key = context.HasInput("idempotencyKey") ? context.EvaluateInput("idempotencyKey")?.ToString() ?? context.DefaultIdempotencyKey : context.DefaultIdempotencyKey;
        context.RecordInput(new JsonObject { ["action"] = action, ["connector"] = connectorName, ["idempotencyKey"] = key, ["payload"] = payload.DeepClone() });
        if (enforce) await EnforceStageRuleAsync(context, action, boundary?.DraftOnlyActions.Contains(action) == true);
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

    /// <summary>Throws unless every agent output the action's input derives from may drive it (see the class summary).</summary>
    private async Task EnforceStageRuleAsync(ActivityContext context, string action, bool draftOnly)
    {
        var taints = context.CurrentTaints;
        var pending = taints.Where(t => !t.Approved && !context.IsHumanApproved(t.Decision)).ToList();
        if (draftOnly && (pending.Count > 0 || context.HumanApprovalCount == 0))
            throw new GovernanceViolationException("draft-only", $"Action '{action}' is draft-only: it needs a human approval in this instance first; it was not run.");
        if (pending.Count == 0) return;
        var ids = pending.Select(t => t.Agent).Distinct(StringComparer.Ordinal).ToList();
        var states = await agents.GetStatesAsync(ids, context.CancellationToken);
        foreach (var t in pending)
        {
            var (stage, paused) = states.TryGetValue(t.Agent, out var row) ? (row.Stage, row.Paused) : (agents.CodeStage(t.Agent) ?? AgentStages.Shadow, false);
            if (paused)
                throw new GovernanceViolationException("paused", $"Action '{action}' derives from agent '{t.Agent}', which is paused; it was not run.");
            if (t.Stage != AgentStages.Execute || stage != AgentStages.Execute)
                throw new GovernanceViolationException("stage",
                    $"Action '{action}' derives from the output of agent '{t.Agent}' (decision {t.Decision}, produced in {t.Stage}, agent now in {stage}) that no human approved in this instance; it was not run.");
        }
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

