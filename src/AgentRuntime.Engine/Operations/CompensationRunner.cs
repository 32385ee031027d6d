using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Instances;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// Instance rollback: runs the compensations stored in the action ledger for the instance's executed actions, newest
/// first (order of the journal). Each compensation is idempotent (keyed by the action's idempotency key in
/// <c>action_compensations</c>: a completed one never runs again; the connector sees the stable key
/// <c>compensate:&lt;action key&gt;</c>) and journaled (<c>journal_entries</c>, activity type <c>compensation</c>).
/// A failing compensation stops the run and raises an incident (activity type <c>compensation</c>) instead of being
/// skipped: an earlier action is never undone while a later one is still in place. Retrying (compensate again, or
/// retry the instance) resumes at the failed one.
/// <para>
/// Only a finished instance (completed, failed, cancelled) is compensated: a running one would keep acting while being
/// undone, so cancel it first. The compensation's payload is its literal <c>input</c> object plus <c>original</c> (the
/// action's request payload) and <c>result</c> (its response).
/// </para>
/// </summary>
public sealed class CompensationRunner
{
    public const string ActivityType = "compensation";

    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly Dictionary<string, IConnector> _connectors;
    private readonly EngineOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<CompensationRunner> _logger;

    internal CompensationRunner(NpgsqlDataSource db, AuditTrail audit, IEnumerable<IConnector> connectors, EngineOptions options, TimeProvider clock, ILogger<CompensationRunner> logger)
    {
        _db = db;
        _audit = audit;
        _connectors = connectors.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    private sealed record LedgerRow(string Key, string NodeId, string Action, string Connector, JsonNode? Request, JsonNode? Response, JsonObject Compensation, string? Done);

    public async Task<OperationResult> CompensateAsync(Guid instanceId, string reason, string actor, CancellationToken ct = default)
    {
        // One compensation run per instance at a time, across hosts: a session advisory lock held for the run.
        await using var lockConn = await _db.OpenConnectionAsync(ct);
        await using (var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 7))", lockConn))
        {
            cmd.Parameters.Add(InstanceStore.P("compensate:" + instanceId));
            if (await cmd.ExecuteScalarAsync(ct) is not true) return OperationResult.Conflict($"A compensation of instance {instanceId} is already running.");
        }
        try
        {
            return await RunAsync(instanceId, reason, actor, ct);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 7))", lockConn);
            unlock.Parameters.Add(InstanceStore.P("compensate:" + instanceId));
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    private async Task<OperationResult> RunAsync(Guid instanceId, string reason, string actor, CancellationToken ct)
    {
        string workflowId, status;
        int version;
        await using (var cmd = _db.CreateCommand("SELECT workflow_id, version, status FROM workflow_instances WHERE id = $1"))
        {
            cmd.Parameters.Add(InstanceStore.P(instanceId));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return OperationResult.NotFound($"No instance with id '{instanceId}'.");
            (workflowId, version, status) = (reader.GetString(0), reader.GetInt32(1), reader.GetString(2));
        }
        if (!InstanceStatus.IsFinal(status))
            return OperationResult.Conflict($"Instance {instanceId} is {status}: cancel it first (a running instance would keep acting while being undone).");

        var rows = await LoadLedgerAsync(instanceId, ct);
        var steps = new JsonArray();
        var compensated = 0;
        foreach (var row in rows)
        {
            var step = new JsonObject { ["nodeId"] = row.NodeId, ["action"] = row.Action, ["actionKey"] = row.Key, ["compensation"] = row.Compensation["action"]?.DeepClone() };
            steps.Add(step);
            if (row.Done == "completed")
            {
                step["status"] = "already-compensated";
                continue;
            }
            var failure = await RunOneAsync(instanceId, workflowId, version, row, ct);
            if (failure is { } f)
            {
                step["status"] = "failed";
                step["error"] = f.Error;
                step["incidentId"] = f.IncidentId?.ToString();
                var data = Summary(instanceId, steps, compensated, failed: true);
                await _audit.AppendAsync(new AuditRecord(actor, AuditActions.InstanceRolledBack, "instance", instanceId.ToString(), reason, data.DeepClone()), ct);
                return new OperationResult(OperationOutcome.Failed, $"Compensation of action '{row.Action}' (node {row.NodeId}) failed: {f.Error}. An incident was raised; earlier actions were not compensated.", data);
            }
            step["status"] = "compensated";
            compensated++;
        }

        // Everything is compensated: any compensation incident of this instance is resolved.
        await using (var cmd = _db.CreateCommand("UPDATE incidents SET status = 'resolved', resolution = 'retry', resolved_at = $2 WHERE instance_id = $1 AND activity_type = $3 AND status IN ('open', 'resolving')"))
        {
            cmd.Parameters.Add(InstanceStore.P(instanceId));
            cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            cmd.Parameters.Add(InstanceStore.P(ActivityType));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var summary = Summary(instanceId, steps, compensated, failed: false);
        await _audit.AppendAsync(new AuditRecord(actor, AuditActions.InstanceRolledBack, "instance", instanceId.ToString(), reason, summary.DeepClone()), ct);
        return OperationResult.Accepted(summary);
    }

    private static JsonObject Summary(Guid id, JsonArray steps, int compensated, bool failed) => new()
    {
        ["instanceId"] = id.ToString(),
        ["compensated"] = compensated,
        ["failed"] = failed,
        ["steps"] = steps.DeepClone(),
    };

    private async Task<List<LedgerRow>> LoadLedgerAsync(Guid instanceId, CancellationToken ct)
    {
        // Reverse order of execution: the journal's sequence of the action's completed entry (exact even when several
        // actions ran in one slice at the same clock time), then the ledger time.
        await using var cmd = _db.CreateCommand("""
            SELECT l.idempotency_key, l.node_id, l.action, l.connector, l.request::text, l.response::text, l.compensation::text, c.status
              FROM action_ledger l LEFT JOIN action_compensations c ON c.action_key = l.idempotency_key
             WHERE l.instance_id = $1 AND l.status = 'completed' AND l.compensation IS NOT NULL
             ORDER BY (SELECT max(j.seq) FROM journal_entries j
                        WHERE j.instance_id = l.instance_id AND j.node_id = l.node_id AND j.status = 'completed'
                          AND j.output->>'idempotencyKey' = l.idempotency_key) DESC NULLS LAST,
                      l.created_at DESC, l.idempotency_key DESC
            """);
        cmd.Parameters.Add(InstanceStore.P(instanceId));
        var rows = new List<LedgerRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (JsonNode.Parse(reader.GetString(6)) is not JsonObject compensation) continue;
            rows.Add(new LedgerRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : JsonNode.Parse(reader.GetString(4)), reader.IsDBNull(5) ? null : JsonNode.Parse(reader.GetString(5)),
                compensation, reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }

    private sealed record Failure(string Error, Guid? IncidentId);

    private sealed class CollectingTransaction : IStepTransaction
    {
        public List<NpgsqlBatchCommand> Commands { get; } = [];
        public void Add(NpgsqlBatchCommand command) => Commands.Add(command);
    }

    private async Task<Failure?> RunOneAsync(Guid instanceId, string workflowId, int version, LedgerRow row, CancellationToken ct)
    {
        var action = row.Compensation["action"]?.GetValue<string>() ?? "";
        var connectorName = row.Compensation["connector"]?.GetValue<string>() ?? row.Connector;
        var payload = row.Compensation["input"] is JsonObject literal ? (JsonObject)literal.DeepClone() : new JsonObject();
        payload.TryAdd("original", row.Request?.DeepClone());
        payload.TryAdd("result", row.Response?.DeepClone());
        var key = "compensate:" + row.Key;
        var node = new NodeDefinition
        {
            Id = row.NodeId,
            Type = "action",
            Inputs = row.Compensation.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal),
        };
        var started = _clock.GetUtcNow();
        var tx = new CollectingTransaction();
        try
        {
            if (string.IsNullOrEmpty(action)) throw new InvalidOperationException("The compensation names no action.");
            var connector = _connectors.GetValueOrDefault(connectorName) ?? throw new InvalidOperationException($"No connector '{connectorName}' is registered.");
            var request = new ConnectorRequest(instanceId, row.NodeId, action, key, payload, node, tx);
            if (connector.Kind == ConnectorKind.External)
            {
                // Intent first, durable before the call: the receiver de-duplicates a re-send on the same key.
                await ExecuteBatchAsync([Upsert(instanceId, row, connectorName, action, "intent", payload, null, null)], ct);
            }
            var response = await connector.ExecuteAsync(request, ct);
            // The node's compensation incident (a retry claimed it, or an earlier run left it open) is resolved in the
            // same commit as the compensation that settles it.
            var resolve = new NpgsqlBatchCommand("""
                UPDATE incidents SET status = 'resolved', resolution = COALESCE(resolution, 'retry'), resolved_at = $4
                 WHERE instance_id = $1 AND node_id = $2 AND activity_type = $3 AND status IN ('open', 'resolving')
                """);
            resolve.Parameters.Add(InstanceStore.P(instanceId));
            resolve.Parameters.Add(InstanceStore.P(row.NodeId));
            resolve.Parameters.Add(InstanceStore.P(ActivityType));
            resolve.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            var commands = new List<NpgsqlBatchCommand>(tx.Commands)
            {
                Upsert(instanceId, row, connectorName, action, "completed", payload, response, null),
                Journal(instanceId, row.NodeId, "compensated", payload, response, null, started),
                resolve,
            };
            await ExecuteBatchAsync(commands, ct);
            return null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
#pragma warning disable CA1031 // a compensation's failure, whatever its type, becomes an incident
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = $"{e.GetType().Name}: {e.Message}";
            _logger.LogWarning(e, "Instance {InstanceId}: compensation of {Action} at {Node} failed", instanceId, row.Action, row.NodeId);
            var incidentId = Guid.NewGuid();
            var incident = new NpgsqlBatchCommand("""
                INSERT INTO incidents (id, instance_id, workflow_id, version, node_id, activity_type, token_id, error_type, message, attempts, status, created_at, host)
                SELECT $1, $2, $3, $4, $5, $6, 0, $7, $8, 1, 'open', $9, $10
                 WHERE NOT EXISTS (SELECT 1 FROM incidents WHERE instance_id = $2 AND node_id = $5 AND activity_type = $6 AND status IN ('open', 'resolving'))
                """);
            incident.Parameters.Add(InstanceStore.P(incidentId));
            incident.Parameters.Add(InstanceStore.P(instanceId));
            incident.Parameters.Add(InstanceStore.P(workflowId));
            incident.Parameters.Add(InstanceStore.P(version));
            incident.Parameters.Add(InstanceStore.P(row.NodeId));
            incident.Parameters.Add(InstanceStore.P(ActivityType));
            incident.Parameters.Add(InstanceStore.P(InstanceStore.Truncate(e.GetType().FullName ?? e.GetType().Name, 300)!));
            incident.Parameters.Add(InstanceStore.P($"Compensation '{action}' of action '{row.Action}' failed: {e.Message}"));
            incident.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            incident.Parameters.Add(InstanceStore.P(_options.HostId));
            // A retry that fails again re-opens the incident it claimed (one more attempt, the new error) instead of
            // leaving it resolving; the insert above then finds it and adds none.
            var reopen = new NpgsqlBatchCommand("""
                UPDATE incidents SET status = 'open', resolution = NULL, attempts = attempts + 1, error_type = $4, message = $5
                 WHERE instance_id = $1 AND node_id = $2 AND activity_type = $3 AND status IN ('open', 'resolving')
                """);
            reopen.Parameters.Add(InstanceStore.P(instanceId));
            reopen.Parameters.Add(InstanceStore.P(row.NodeId));
            reopen.Parameters.Add(InstanceStore.P(ActivityType));
            reopen.Parameters.Add(InstanceStore.P(InstanceStore.Truncate(e.GetType().FullName ?? e.GetType().Name, 300)!));
            reopen.Parameters.Add(InstanceStore.P($"Compensation '{action}' of action '{row.Action}' failed: {e.Message}"));
            await ExecuteBatchAsync([
                Upsert(instanceId, row, connectorName, action, "failed", payload, null, error),
                Journal(instanceId, row.NodeId, "faulted", payload, null, error, started),
                reopen,
                incident,
            ], CancellationToken.None);
            await using var find = _db.CreateCommand("SELECT id FROM incidents WHERE instance_id = $1 AND node_id = $2 AND activity_type = $3 AND status IN ('open', 'resolving') LIMIT 1");
            find.Parameters.Add(InstanceStore.P(instanceId));
            find.Parameters.Add(InstanceStore.P(row.NodeId));
            find.Parameters.Add(InstanceStore.P(ActivityType));
            return new Failure(error, await find.ExecuteScalarAsync(CancellationToken.None) as Guid?);
        }
    }

    private async Task ExecuteBatchAsync(List<NpgsqlBatchCommand> commands, CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        foreach (var c in commands) batch.BatchCommands.Add(c);
        await batch.ExecuteNonQueryAsync(ct); // one implicit transaction: the effect and its record commit together
    }

    private NpgsqlBatchCommand Upsert(Guid instanceId, LedgerRow row, string connector, string action, string status, JsonObject payload, JsonNode? response, string? error)
    {
        var c = new NpgsqlBatchCommand("""
            INSERT INTO action_compensations (action_key, instance_id, node_id, action, connector, status, request, response, error, attempts, created_at, completed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, CASE WHEN $6 = 'completed' THEN $10 END)
            ON CONFLICT (action_key) DO UPDATE SET status = EXCLUDED.status, response = EXCLUDED.response, error = EXCLUDED.error,
              attempts = action_compensations.attempts + CASE WHEN EXCLUDED.status = 'completed' AND action_compensations.status = 'intent' THEN 0 ELSE 1 END,
              completed_at = EXCLUDED.completed_at
            """);
        c.Parameters.Add(InstanceStore.P(row.Key));
        c.Parameters.Add(InstanceStore.P(instanceId));
        c.Parameters.Add(InstanceStore.P(row.NodeId));
        c.Parameters.Add(InstanceStore.P(action));
        c.Parameters.Add(InstanceStore.P(connector));
        c.Parameters.Add(InstanceStore.P(status));
        c.Parameters.Add(InstanceStore.Jsonb(payload.ToJsonString()));
        c.Parameters.Add(response is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(response.ToJsonString()));
        c.Parameters.Add(InstanceStore.NullableText(error));
        c.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
        return c;
    }

    private NpgsqlBatchCommand Journal(Guid instanceId, string nodeId, string status, JsonNode? input, JsonNode? output, string? error, DateTimeOffset started)
    {
        var c = new NpgsqlBatchCommand("""
            INSERT INTO journal_entries (instance_id, seq, token_id, node_id, activity_type, attempt, status, port, input, output, error, lineage, started_at, duration_ms, host)
            SELECT $1, COALESCE(max(seq), 0) + 1, 0, $2, $3, 1, $4, NULL, $5, $6, $7, NULL, $8, $9, $10 FROM journal_entries WHERE instance_id = $1
            """);
        c.Parameters.Add(InstanceStore.P(instanceId));
        c.Parameters.Add(InstanceStore.P(nodeId));
        c.Parameters.Add(InstanceStore.P(ActivityType));
        c.Parameters.Add(InstanceStore.P(status));
        c.Parameters.Add(input is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(input.ToJsonString()));
        c.Parameters.Add(output is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(output.ToJsonString()));
        c.Parameters.Add(InstanceStore.NullableText(error));
        c.Parameters.Add(InstanceStore.P(started));
        c.Parameters.Add(InstanceStore.P((_clock.GetUtcNow() - started).TotalMilliseconds));
        c.Parameters.Add(InstanceStore.P(_options.HostId));
        return c;
    }
}
