using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// Definition rollback: "revert to version N" stores a new version whose content equals N's and publishes it (history is
/// never rewritten: the bad version stays, superseded). Then, when asked, instances at rest on other versions are
/// migrated to the new one: <c>waiting</c> (also when paused while waiting), <c>paused</c> (held before a node) and
/// <c>suspended</c> (a path stopped at an incident, others possibly waiting) — each only if every node its paths stand on
/// exists in N; otherwise that instance is refused with the reason and stays on its version. A migration is a fenced
/// update: it applies only if the instance is not leased and its state is still the one that was checked. A migrated
/// suspended instance's open incidents move with it (their version is N's), so a retry or skip resolves against N.
/// A running instance is never migrated (it is between steps on a host).
/// </summary>
public sealed class DefinitionRollback
{
    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly DefinitionCache _definitions;
    private readonly TimeProvider _clock;

    internal DefinitionRollback(NpgsqlDataSource db, AuditTrail audit, DefinitionCache definitions, TimeProvider clock)
    {
        _db = db;
        _audit = audit;
        _definitions = definitions;
        _clock = clock;
    }

    /// <summary>
    /// Reverts <paramref name="workflowId"/> to version <paramref name="toVersion"/>. Data: <c>{workflowId, restoredFrom,
    /// version, migrated, refused, instances: [{instanceId, fromVersion, migrated, reason}]}</c>.
    /// </summary>
    public async Task<OperationResult> RollbackAsync(string workflowId, int toVersion, string? reason, string actor, bool migrate = true, CancellationToken ct = default)
    {
        var why = OperationsService.RequireReason(reason);
        var now = _clock.GetUtcNow();
        int newVersion, previous;
        await using (var conn = await _db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct))
        {
            await using (var cmd = new NpgsqlCommand("SELECT latest_version, COALESCE(published_version, 0) FROM workflows WHERE id = $1 FOR UPDATE", conn, tx))
            {
                cmd.Parameters.Add(InstanceStore.P(workflowId));
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct)) return OperationResult.NotFound($"No workflow with id '{workflowId}'.");
                newVersion = reader.GetInt32(0) + 1;
                previous = reader.GetInt32(1);
            }
            await using (var cmd = new NpgsqlCommand("""
                INSERT INTO workflow_versions (workflow_id, version, content_hash, canonical_json, source_text, source_format, source_name, status, warnings, created_by, created_at, published_at)
                SELECT workflow_id, $3, content_hash, canonical_json, source_text, source_format, source_name, 'published', warnings, $4, $5, $5
                  FROM workflow_versions WHERE workflow_id = $1 AND version = $2
                """, conn, tx))
            {
                cmd.Parameters.Add(InstanceStore.P(workflowId));
                cmd.Parameters.Add(InstanceStore.P(toVersion));
                cmd.Parameters.Add(InstanceStore.P(newVersion));
                cmd.Parameters.Add(InstanceStore.P(actor));
                cmd.Parameters.Add(InstanceStore.P(now));
                if (await cmd.ExecuteNonQueryAsync(ct) == 0)
                {
                    await tx.RollbackAsync(ct);
                    return OperationResult.Invalid($"Workflow '{workflowId}' has no version {toVersion}.");
                }
            }
            await using (var cmd = new NpgsqlCommand("UPDATE workflows SET latest_version = $2, published_version = $2, retired = false, updated_at = $3 WHERE id = $1", conn, tx))
            {
                cmd.Parameters.Add(InstanceStore.P(workflowId));
                cmd.Parameters.Add(InstanceStore.P(newVersion));
                cmd.Parameters.Add(InstanceStore.P(now));
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await _audit.AppendAsync(new AuditRecord(actor, AuditActions.WorkflowRolledBack, "workflow", workflowId, why,
                new JsonObject { ["restoredFrom"] = toVersion, ["version"] = newVersion, ["previousVersion"] = previous }), conn, tx, ct);
            await tx.CommitAsync(ct);
        }

        var results = new JsonArray();
        var migrated = 0;
        var refused = 0;
        if (migrate)
        {
            var target = await _definitions.GetAsync(workflowId, newVersion, ct);
            var candidates = new List<(Guid Id, int Version, string State)>();
            await using (var cmd = _db.CreateCommand("SELECT id, version, state::text FROM workflow_instances WHERE workflow_id = $1 AND version <> $2 AND status IN ('waiting', 'paused', 'suspended') ORDER BY created_at"))
            {
                cmd.Parameters.Add(InstanceStore.P(workflowId));
                cmd.Parameters.Add(InstanceStore.P(newVersion));
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) candidates.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2)));
            }
            foreach (var (id, fromVersion, stateJson) in candidates)
            {
                var state = InstanceState.Deserialize(stateJson);
                var missing = state.Tokens.Select(t => t.Node).Distinct(StringComparer.Ordinal).Where(n => target.Node(n) is null).ToList();
                string? refusal = missing.Count > 0
                    ? $"node(s) {string.Join(", ", missing.Select(n => $"'{n}'"))} do not exist in version {toVersion}"
                    : null;
                if (refusal is null)
                {
                    await using var cmd = _db.CreateCommand("""
                        WITH moved AS (
                          UPDATE workflow_instances SET version = $2, updated_at = $4
                           WHERE id = $1 AND state = $3::jsonb AND status IN ('waiting', 'paused', 'suspended') AND (lease_expires_at IS NULL OR lease_expires_at < $4)
                          RETURNING id),
                        incidents_moved AS (
                          UPDATE incidents SET version = $2 WHERE instance_id IN (SELECT id FROM moved) AND status IN ('open', 'resolving'))
                        SELECT count(*) FROM moved
                        """);
                    cmd.Parameters.Add(InstanceStore.P(id));
                    cmd.Parameters.Add(InstanceStore.P(newVersion));
                    cmd.Parameters.Add(InstanceStore.P(stateJson));
                    cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
                    if ((long)(await cmd.ExecuteScalarAsync(ct))! == 0) refusal = "the instance moved on while being checked (it is running); migrate it again later";
                }
                if (refusal is null) migrated++; else refused++;
                results.Add(new JsonObject { ["instanceId"] = id.ToString(), ["fromVersion"] = fromVersion, ["migrated"] = refusal is null, ["reason"] = refusal });
            }
            await _audit.AppendAsync(new AuditRecord(actor, OperationsAuditActions.InstancesMigrated, "workflow", workflowId, why,
                new JsonObject { ["version"] = newVersion, ["migrated"] = migrated, ["refused"] = refused }), ct);
        }
        return OperationResult.Accepted(new JsonObject
        {
            ["workflowId"] = workflowId,
            ["restoredFrom"] = toVersion,
            ["version"] = newVersion,
            ["previousVersion"] = previous,
            ["migrated"] = migrated,
            ["refused"] = refused,
            ["instances"] = results,
        });
    }
}
