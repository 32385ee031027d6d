using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Instances;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Stages;

public enum StageOperationStatus { Ok, NotFound, Conflict, Invalid }

public sealed record StageOperationResult(StageOperationStatus Status, string? Detail = null, string? FromStage = null, string? ToStage = null, int Released = 0)
{
    public bool Succeeded => Status == StageOperationStatus.Ok;
}

/// <summary>
/// Demotion (immediate, one call), the kill switch (pause / resume) and the stage change a signed-off promotion applies.
/// Every change and its audit entry commit in one transaction. Resuming an agent releases every instance its pause held.
/// </summary>
public sealed class StageService
{
    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;
    private readonly WorkflowEngine _engine;

    internal StageService(EngineDatabase db, AuditTrail audit, TimeProvider clock, WorkflowEngine engine)
    {
        _db = db.DataSource;
        _audit = audit;
        _clock = clock;
        _engine = engine;
    }

    /// <summary>Moves the agent down to <paramref name="targetStage"/> (default: one stage down) at once. Supersedes a pending promotion.</summary>
    public async Task<StageOperationResult> DemoteAsync(string agentId, string? targetStage, string? reason, string actor, string kind = "demotion", JsonNode? evidence = null, CancellationToken ct = default)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await LockStageAsync(conn, tx, agentId, ct);
        if (current is null) return new StageOperationResult(StageOperationStatus.NotFound);
        var rank = AgentStages.Rank(current);
        var target = targetStage ?? (rank > 0 ? AgentStages.All[rank - 1] : null);
        if (target is null) return new StageOperationResult(StageOperationStatus.Conflict, $"Agent '{agentId}' is already in {current}, the lowest stage.", current);
        if (AgentStages.Rank(target) < 0) return new StageOperationResult(StageOperationStatus.Invalid, "targetStage must be shadow, draft or execute.");
        if (AgentStages.Rank(target) >= rank) return new StageOperationResult(StageOperationStatus.Conflict, $"A demotion must go below the current stage ({current}).", current);
        var now = _clock.GetUtcNow();
        await Exec(conn, tx, "UPDATE agent_stage_changes SET status = 'superseded', decided_at = $2, decision_reason = 'superseded by a demotion' WHERE agent_id = $1 AND status = 'pending'", ct, agentId, now);
        await SetStageAsync(conn, tx, agentId, current, target, now, ct);
        await InsertChangeAsync(conn, tx, agentId, kind, current, target, "applied", reason, actor, evidence, now, ct);
        await _audit.AppendAsync(new AuditRecord(actor, AuditActions.AgentStageChanged, "agent", agentId, reason,
            new JsonObject { ["from"] = current, ["to"] = target, ["kind"] = kind, ["evidence"] = evidence?.DeepClone() }), conn, tx, ct);
        await tx.CommitAsync(ct);
        return new StageOperationResult(StageOperationStatus.Ok, null, current, target);
    }

    /// <summary>Kill switch: from the next step on, every instance holds before this agent's nodes and before actions on its output.</summary>
    public async Task<StageOperationResult> PauseAsync(string agentId, string? reason, string actor, CancellationToken ct = default)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var now = _clock.GetUtcNow();
        await using var cmd = new NpgsqlCommand("UPDATE agents SET paused = true, paused_reason = $2, paused_by = $3, paused_at = $4, updated_at = $4 WHERE id = $1 AND NOT paused", conn, tx);
        cmd.Parameters.Add(InstanceStore.P(agentId));
        cmd.Parameters.Add(InstanceStore.NullableText(reason));
        cmd.Parameters.Add(InstanceStore.P(actor));
        cmd.Parameters.Add(InstanceStore.P(now));
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            return await ExistsAsync(agentId, ct) ? new StageOperationResult(StageOperationStatus.Conflict, $"Agent '{agentId}' is already paused.") : new StageOperationResult(StageOperationStatus.NotFound);
        await _audit.AppendAsync(new AuditRecord(actor, AuditActions.AgentPaused, "agent", agentId, reason), conn, tx, ct);
        await tx.CommitAsync(ct);
        return new StageOperationResult(StageOperationStatus.Ok);
    }

    /// <summary>Lifts the kill switch and releases every instance held by it.</summary>
    public async Task<StageOperationResult> ResumeAsync(string agentId, string? reason, string actor, CancellationToken ct = default)
    {
        await using (var conn = await _db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await using var cmd = new NpgsqlCommand("UPDATE agents SET paused = false, paused_reason = NULL, paused_by = NULL, paused_at = NULL, updated_at = $2 WHERE id = $1 AND paused", conn, tx);
            cmd.Parameters.Add(InstanceStore.P(agentId));
            cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
                return await ExistsAsync(agentId, ct) ? new StageOperationResult(StageOperationStatus.Conflict, $"Agent '{agentId}' is not paused.") : new StageOperationResult(StageOperationStatus.NotFound);
            await _audit.AppendAsync(new AuditRecord(actor, AuditActions.AgentResumed, "agent", agentId, reason), conn, tx, ct);
            await tx.CommitAsync(ct);
        }
        return new StageOperationResult(StageOperationStatus.Ok, Released: await ReleaseHeldAsync(agentId, ct));
    }

    /// <summary>
    /// Sends a resume message to every instance held by <paramref name="agentId"/>'s kill switch (and by nothing else: an
    /// instance paused by an operator stays paused). Returns how many were released.
    /// </summary>
    public async Task<int> ReleaseHeldAsync(string agentId, CancellationToken ct = default)
    {
        var ids = new List<Guid>();
        await using (var cmd = _db.CreateCommand("""
            SELECT id FROM workflow_instances
             WHERE status = 'paused' AND state->>'hold' IS NULL AND state->'tokens' @> $1::jsonb
            """))
        {
            cmd.Parameters.Add(InstanceStore.P(new JsonArray(new JsonObject { ["holdReason"] = AgentGate.HoldReason(agentId) }).ToJsonString()));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        }
        foreach (var id in ids) await _engine.ResumeAsync(id, ct);
        return ids.Count;
    }

    internal static async Task<string?> LockStageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string agentId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT stage FROM agents WHERE id = $1 FOR UPDATE", conn, tx);
        cmd.Parameters.Add(InstanceStore.P(agentId));
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    internal static Task SetStageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string agentId, string from, string to, DateTimeOffset now, CancellationToken ct) =>
        Exec(conn, tx, "UPDATE agents SET stage = $2, stage_changed_at = $3, updated_at = $3 WHERE id = $1 AND stage = $4", ct, agentId, to, now, from);

    internal static async Task<Guid> InsertChangeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string agentId, string kind, string from, string to, string status,
        string? reason, string actor, JsonNode? evidence, DateTimeOffset now, CancellationToken ct, JsonNode? unmet = null, string? signOffBy = null)
    {
        var id = Guid.CreateVersion7(now);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO agent_stage_changes (id, agent_id, kind, from_stage, to_stage, status, reason, requested_by, unmet, evidence, sign_off_by, requested_at, decided_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $6 IN ('applied', 'refused') THEN $12 END)
            """, conn, tx);
        cmd.Parameters.Add(InstanceStore.P(id));
        cmd.Parameters.Add(InstanceStore.P(agentId));
        cmd.Parameters.Add(InstanceStore.P(kind));
        cmd.Parameters.Add(InstanceStore.P(from));
        cmd.Parameters.Add(InstanceStore.P(to));
        cmd.Parameters.Add(InstanceStore.P(status));
        cmd.Parameters.Add(InstanceStore.NullableText(reason));
        cmd.Parameters.Add(InstanceStore.P(actor));
        cmd.Parameters.Add(unmet is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(unmet.ToJsonString()));
        cmd.Parameters.Add(evidence is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(evidence.ToJsonString()));
        cmd.Parameters.Add(InstanceStore.NullableText(signOffBy));
        cmd.Parameters.Add(InstanceStore.P(now));
        await cmd.ExecuteNonQueryAsync(ct);
        return id;
    }

    private async Task<bool> ExistsAsync(string agentId, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand("SELECT 1 FROM agents WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(agentId));
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    internal static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
