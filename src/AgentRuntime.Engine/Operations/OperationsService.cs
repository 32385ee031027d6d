using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Incidents;
using AgentRuntime.Engine.Instances;
using Npgsql;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// Ops controls on one subject: pause / resume / cancel an instance, retry its incidents, pause / resume a workflow.
/// Each call requires a reason (<see cref="ReasonRequiredException"/>) and writes its audit entry in the same transaction
/// as the change, so the trail never shows an operation that did not happen, nor misses one that did. Instance changes
/// are durable messages applied by the instance's next slice, exactly once, under its lease.
/// </summary>
public sealed class OperationsService
{
    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly WorkflowHoldGate _holds;
    private readonly WorkSignal _signal;
    private readonly WorkflowEngine _engine;
    private readonly CompensationRunner _compensation;
    private readonly TimeProvider _clock;

    internal OperationsService(NpgsqlDataSource db, AuditTrail audit, WorkflowHoldGate holds, WorkSignal signal, WorkflowEngine engine,
        CompensationRunner compensation, TimeProvider clock)
    {
        _db = db;
        _audit = audit;
        _holds = holds;
        _signal = signal;
        _engine = engine;
        _compensation = compensation;
        _clock = clock;
    }

    internal static string RequireReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? throw new ReasonRequiredException() : reason.Trim();

    // ---- instance scope ----------------------------------------------------------------------------------------

    /// <summary>Every path of the instance holds before its next step until <see cref="ResumeInstanceAsync"/>.</summary>
    public Task<OperationResult> PauseInstanceAsync(Guid id, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        return SendAsync(id, MessageKinds.Pause, new JsonObject { ["reason"] = why }, new AuditRecord(actor, AuditActions.InstancePaused, "instance", id.ToString(), why), ct);
    }

    /// <summary>Lifts the instance's pause; its held paths re-check the other holds (a paused workflow or agent keeps them held).</summary>
    public Task<OperationResult> ResumeInstanceAsync(Guid id, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        return SendAsync(id, MessageKinds.Resume, new JsonObject { ["reason"] = why }, new AuditRecord(actor, AuditActions.InstanceResumed, "instance", id.ToString(), why), ct);
    }

    /// <summary>Cancels the instance at its next slice (open incidents and human tasks are cancelled with it).</summary>
    public Task<OperationResult> CancelInstanceAsync(Guid id, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        return SendAsync(id, MessageKinds.Cancel, new JsonObject { ["reason"] = why, ["by"] = actor }, new AuditRecord(actor, AuditActions.InstanceCancelled, "instance", id.ToString(), why), ct);
    }

    private async Task<OperationResult> SendAsync(Guid id, string kind, JsonNode payload, AuditRecord audit, CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        var sent = await OperationsSql.SendAsync(conn, tx, [id], kind, payload, _clock.GetUtcNow(), ct);
        if (sent == 0)
        {
            await tx.RollbackAsync(ct);
            return await InstanceStatusAsync(id, ct) is { } status
                ? OperationResult.Conflict($"Instance {id} is {status}: it has finished.")
                : OperationResult.NotFound($"No instance with id '{id}'.");
        }
        await _audit.AppendAsync(audit, conn, tx, ct);
        await tx.CommitAsync(ct);
        _signal.Notify();
        return OperationResult.Accepted();
    }

    /// <summary>
    /// Retries every open incident of the instance: a node incident runs the node again (its next slice); a compensation
    /// incident runs the instance's remaining compensations again.
    /// </summary>
    public async Task<OperationResult> RetryInstanceAsync(Guid id, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        if (await InstanceStatusAsync(id, ct) is null) return OperationResult.NotFound($"No instance with id '{id}'.");
        var open = await _engine.ListIncidentsAsync(IncidentStatus.Open, instanceId: id, limit: 500, cancellationToken: ct);
        if (open.Items.Count == 0) return OperationResult.Conflict($"Instance {id} has no open incident.");
        var retried = new JsonArray();
        var compensate = false;
        foreach (var incident in open.Items)
        {
            if (incident.ActivityType == CompensationRunner.ActivityType) { compensate = true; continue; }
            if ((await _engine.RetryIncidentAsync(incident.Id, ct)).Outcome == IncidentActionOutcome.Accepted) retried.Add(incident.Id.ToString());
        }
        await _audit.AppendAsync(new AuditRecord(actor, AuditActions.IncidentRetried, "instance", id.ToString(), why,
            new JsonObject { ["incidents"] = retried.DeepClone(), ["compensation"] = compensate }), ct);
        if (compensate)
        {
            var result = await _compensation.CompensateAsync(id, why, actor, ct);
            return result with { Data = new JsonObject { ["retried"] = retried, ["compensation"] = result.Data?.DeepClone() } };
        }
        return OperationResult.Accepted(new JsonObject { ["retried"] = retried });
    }

    /// <summary>
    /// Retries one compensation incident (raised when an instance's rollback failed): claims it (open → resolving, so
    /// two concurrent retries run it once), re-runs the instance's remaining compensations from the failed one
    /// (idempotent: completed ones are not run again; journaled), and answers with the run's result. When every
    /// compensation completes the incident is resolved; when the failed one fails again the incident is open again
    /// with one more attempt and the new error (<see cref="OperationOutcome.Failed"/>). A node incident is not handled
    /// here (its retry is a message to the instance's next slice: <see cref="WorkflowEngine.RetryIncidentAsync"/>).
    /// </summary>
    public async Task<OperationResult> RetryCompensationIncidentAsync(Guid incidentId, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        var incident = await _engine.GetIncidentAsync(incidentId, ct);
        if (incident is null) return OperationResult.NotFound($"No incident with id '{incidentId}'.");
        if (incident.ActivityType != CompensationRunner.ActivityType)
            return OperationResult.Invalid($"Incident {incidentId} is not a compensation incident.");
        await using (var claim = _db.CreateCommand("UPDATE incidents SET status = 'resolving', resolution = 'retry' WHERE id = $1 AND status = 'open'"))
        {
            claim.Parameters.Add(InstanceStore.P(incidentId));
            if (await claim.ExecuteNonQueryAsync(ct) == 0) return OperationResult.Conflict($"The incident is {incident.Status}.");
        }
        OperationResult result;
        try
        {
            await _audit.AppendAsync(new AuditRecord(actor, AuditActions.IncidentRetried, "incident", incidentId.ToString(), why,
                new JsonObject { ["instanceId"] = incident.InstanceId.ToString(), ["compensation"] = true }), ct);
            result = await _compensation.CompensateAsync(incident.InstanceId, why, actor, ct);
        }
        finally
        {
            // Whatever stopped the run before it reached this incident's node (another run holds the instance, the
            // request was cancelled), the incident must not stay claimed: it is open again for the next retry.
            await using var release = _db.CreateCommand("UPDATE incidents SET status = 'open', resolution = NULL WHERE id = $1 AND status = 'resolving'");
            release.Parameters.Add(InstanceStore.P(incidentId));
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        var status = (await _engine.GetIncidentAsync(incidentId, ct))?.Status;
        var data = new JsonObject { ["incidentId"] = incidentId.ToString(), ["status"] = status, ["compensation"] = result.Data?.DeepClone() };
        return result with { Data = data };
    }

    /// <summary>Compensates the instance's executed actions in reverse order (see <see cref="CompensationRunner"/>).</summary>
    public Task<OperationResult> CompensateInstanceAsync(Guid id, string? reason, string actor, CancellationToken ct = default) =>
        _compensation.CompensateAsync(id, RequireReason(reason), actor, ct);

    private async Task<string?> InstanceStatusAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand("SELECT status FROM workflow_instances WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(id));
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    // ---- workflow scope ----------------------------------------------------------------------------------------

    /// <summary>
    /// Pauses a workflow: no new instance starts, and every running instance holds before its next step (status
    /// <c>paused</c>) until <see cref="ResumeWorkflowAsync"/>. Pausing a paused workflow updates the reason.
    /// </summary>
    public async Task<OperationResult> PauseWorkflowAsync(string workflowId, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO workflow_holds (workflow_id, reason, paused_by, paused_at)
            SELECT id, $2, $3, $4 FROM workflows WHERE id = $1
            ON CONFLICT (workflow_id) DO UPDATE SET reason = EXCLUDED.reason, paused_by = EXCLUDED.paused_by, paused_at = EXCLUDED.paused_at
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(why));
            cmd.Parameters.Add(InstanceStore.P(actor));
            cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                await tx.RollbackAsync(ct);
                return OperationResult.NotFound($"No workflow with id '{workflowId}'.");
            }
        }
        await _audit.AppendAsync(new AuditRecord(actor, AuditActions.WorkflowPaused, "workflow", workflowId, why), conn, tx, ct);
        await tx.CommitAsync(ct);
        _holds.Invalidate();
        return OperationResult.Accepted(new JsonObject { ["workflowId"] = workflowId, ["paused"] = true, ["reason"] = why });
    }

    /// <summary>Resumes a paused workflow: starts are accepted again and every held instance of it is released (one message each).</summary>
    public async Task<OperationResult> ResumeWorkflowAsync(string workflowId, string? reason, string actor, CancellationToken ct = default)
    {
        var why = RequireReason(reason);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        int released;
        await using (var cmd = new NpgsqlCommand("DELETE FROM workflow_holds WHERE workflow_id = $1", conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                await tx.RollbackAsync(ct);
                return await WorkflowExistsAsync(workflowId, ct)
                    ? OperationResult.Conflict($"Workflow '{workflowId}' is not paused.")
                    : OperationResult.NotFound($"No workflow with id '{workflowId}'.");
            }
        }
        // Held paths wait for a message (they have no timer): release every instance of the workflow that may hold one.
        await using (var cmd = new NpgsqlCommand("""
            WITH i AS (
              UPDATE workflow_instances SET ready_at = $2
               WHERE workflow_id = $1 AND status IN ('paused', 'suspended', 'waiting') AND state::text LIKE '%"held"%'
              RETURNING id)
            INSERT INTO instance_messages (instance_id, kind, payload, created_at) SELECT id, $3, $4, $2 FROM i
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            cmd.Parameters.Add(InstanceStore.P(MessageKinds.Release));
            cmd.Parameters.Add(InstanceStore.Jsonb(new JsonObject { ["reason"] = why }.ToJsonString()));
            released = await cmd.ExecuteNonQueryAsync(ct);
        }
        await _audit.AppendAsync(new AuditRecord(actor, AuditActions.WorkflowResumed, "workflow", workflowId, why, new JsonObject { ["released"] = released }), conn, tx, ct);
        await tx.CommitAsync(ct);
        _holds.Invalidate();
        _signal.Notify(Math.Max(1, released));
        return OperationResult.Accepted(new JsonObject { ["workflowId"] = workflowId, ["paused"] = false, ["released"] = released });
    }

    /// <summary>Paused workflows with their reasons.</summary>
    public async Task<IReadOnlyList<WorkflowHoldRecord>> ListWorkflowHoldsAsync(CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand("SELECT workflow_id, reason, paused_by, paused_at FROM workflow_holds ORDER BY workflow_id");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<WorkflowHoldRecord>();
        while (await reader.ReadAsync(ct))
            list.Add(new WorkflowHoldRecord { WorkflowId = reader.GetString(0), Reason = reader.GetString(1), PausedBy = reader.GetString(2), PausedAt = reader.GetFieldValue<DateTimeOffset>(3) });
        return list;
    }

    private async Task<bool> WorkflowExistsAsync(string workflowId, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand("SELECT 1 FROM workflows WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }
}

/// <summary>Set-based message delivery shared by single and bulk operations.</summary>
internal static class OperationsSql
{
    /// <summary>
    /// Appends one message of <paramref name="kind"/> to each unfinished instance of <paramref name="ids"/> and makes it
    /// runnable, in one statement. Returns how many instances got it (finished ones are left alone).
    /// </summary>
    public static async Task<int> SendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] ids, string kind, JsonNode payload, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH i AS (
              UPDATE workflow_instances SET ready_at = LEAST(COALESCE(ready_at, $3), $3)
               WHERE id = ANY($1) AND status NOT IN ('completed', 'failed', 'cancelled')
              RETURNING id)
            INSERT INTO instance_messages (instance_id, kind, payload, created_at) SELECT id, $2, $4, $3 FROM i
            """, conn, tx);
        cmd.Parameters.Add(InstanceStore.P(ids));
        cmd.Parameters.Add(InstanceStore.P(kind));
        cmd.Parameters.Add(InstanceStore.P(now));
        cmd.Parameters.Add(InstanceStore.Jsonb(payload.ToJsonString()));
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
