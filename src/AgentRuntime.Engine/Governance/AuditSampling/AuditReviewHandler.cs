using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.HumanTasks;
using Npgsql;

namespace AgentRuntime.Engine.Governance.AuditSampling;

/// <summary>
/// The decision on an <c>audit-review</c> task. Body of <c>POST /api/v1/tasks/{id}/complete</c>:
/// <c>{ outcome: approved|rejected, payload: { results: { criterionId: pass|fail, … } }, comment }</c>. Refused (400, naming
/// the field) when a criterion is missing or unknown, a result is neither pass nor fail, or the outcome contradicts the
/// results (approved = every criterion passed; rejected = at least one failed).
/// <para>
/// Accepted, in the deciding transaction: the sample records the results, comment and reviewer; the decision's
/// <c>audit_result</c> becomes pass/fail; and the protocol's escalation is evaluated for the (workflow, agent) over the
/// reviews since its last escalation — past <c>failureRateThreshold</c> with at least <c>minReviews</c>, it runs
/// (<c>demote</c> one stage, <c>pause</c> the agent, or <c>notify-owner</c>; the owner is notified in every case), recorded in
/// <c>audit_escalations</c> and the audit trail, committing or rolling back with the review.
/// </para>
/// </summary>
internal sealed class AuditReviewHandler(AuditTrail audit, TimeProvider clock, HumanTaskOptions options) : IHumanTaskCompletionHandler
{
    public string Kind => AuditSampler.TaskKind;

    public IReadOnlyDictionary<string, string[]>? Validate(HumanTaskView task, TaskCompletion completion) =>
        ReviewRules.Validate(task.Data?["criteria"] as JsonArray, completion.Outcome, completion.Payload);

    public async ValueTask OnDecidedAsync(HumanTaskDecided decided, CancellationToken cancellationToken)
    {
        var task = decided.Task;
        if (task.Outcome is not (HumanTaskOutcomes.Approved or HumanTaskOutcomes.Rejected)) return; // no SLA on reviews; nothing else decides them
        if (!Guid.TryParse(task.SubjectId, out var decisionId)) return;
        var passed = task.Outcome == HumanTaskOutcomes.Approved;
        var results = decided.Output["data"]?["results"]?.DeepClone() ?? new JsonObject();
        var now = clock.GetUtcNow();
        var conn = decided.Connection;
        var tx = decided.Transaction;

        string? workflowId = null, agentId = null;
        await using (var cmd = new NpgsqlCommand("""
            UPDATE audit_samples SET status = $2, results = $3, comment = $4, reviewed_by = $5, reviewed_at = $6
             WHERE decision_id = $1 RETURNING workflow_id, agent_id
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(decisionId));
            cmd.Parameters.Add(InstanceStore.P(passed ? "passed" : "failed"));
            cmd.Parameters.Add(InstanceStore.Jsonb(results.ToJsonString()));
            cmd.Parameters.Add(InstanceStore.NullableText(task.Comment));
            cmd.Parameters.Add(InstanceStore.P(task.DecidedBy ?? "unknown"));
            cmd.Parameters.Add(InstanceStore.P(now));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken)) (workflowId, agentId) = (reader.GetString(0), reader.GetString(1));
        }
        if (workflowId is null || agentId is null) return; // a review task whose sample is gone: the decision still stands
        await using (var cmd = new NpgsqlCommand("UPDATE agent_decisions SET audit_result = $2, audited_at = $3 WHERE id = $1", conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(decisionId));
            cmd.Parameters.Add(InstanceStore.P(passed ? "pass" : "fail"));
            cmd.Parameters.Add(InstanceStore.P(now));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        Telemetry.AgentRuntimeMetrics.RecordAuditReview(workflowId, agentId, passed);
        await new AuditEscalation(audit, options).EvaluateAsync(conn, tx, workflowId, agentId, now, cancellationToken);
    }
}

/// <summary>The review submission rules of the Reviews contract (see <see cref="AuditReviewHandler"/>).</summary>
public static class ReviewRules
{
    public const string Pass = "pass";
    public const string Fail = "fail";

    public static IReadOnlyDictionary<string, string[]>? Validate(JsonArray? criteria, string outcome, JsonNode? payload)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (outcome is not (HumanTaskOutcomes.Approved or HumanTaskOutcomes.Rejected))
        {
            errors["outcome"] = ["an audit review is approved (every criterion passed) or rejected (at least one failed)"];
            return errors;
        }
        var ids = (criteria ?? []).Select(c => c?["id"]?.GetValue<string>()).OfType<string>().ToList();
        if (payload?["results"] is not JsonObject results)
        {
            errors["payload.results"] = [$"is required: an object with pass or fail for each criterion ({string.Join(", ", ids)})"];
            return errors;
        }
        var failed = 0;
        foreach (var id in ids)
        {
            var value = results[id] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (value is null) errors[$"payload.results.{id}"] = ["is missing: every criterion needs pass or fail"];
            else if (value is not (Pass or Fail)) errors[$"payload.results.{id}"] = [$"must be pass or fail, not '{value}'"];
            else if (value == Fail) failed++;
        }
        foreach (var (key, _) in results)
        {
            if (!ids.Contains(key, StringComparer.Ordinal)) errors[$"payload.results.{key}"] = [$"is not a criterion of this protocol ({string.Join(", ", ids)})"];
        }
        if (errors.Count > 0) return errors;
        if (outcome == HumanTaskOutcomes.Approved && failed > 0)
            errors["outcome"] = [$"approved contradicts the results: {failed} criterion/criteria failed (reject instead)"];
        else if (outcome == HumanTaskOutcomes.Rejected && failed == 0)
            errors["outcome"] = ["rejected contradicts the results: every criterion passed (approve instead)"];
        return errors.Count > 0 ? errors : null;
    }
}

/// <summary>Evaluates and runs a protocol's escalation for one (workflow, agent), inside the caller's transaction.</summary>
internal sealed class AuditEscalation(AuditTrail audit, HumanTaskOptions options)
{
    public const string AuditAction = "audit.escalated";

    public async Task<AuditEscalationRecord?> EvaluateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string workflowId, string agentId, DateTimeOffset now, CancellationToken ct)
    {
        var (definition, _) = await AuditSampler.PublishedAsync(null!, workflowId, ct, conn, tx);
        if (definition?.AuditProtocol?.Escalation is not { } escalation) return null;
        // Serialises concurrent reviews of one (workflow, agent): the second sees the first's escalation and starts counting after it.
        // Only the agent's record at its current stage counts (decisions made since its stage last changed), as for the
        // governance monitor: reviews of decisions that already cost the agent a stage — demoted by the monitor, by an
        // operator or by an earlier escalation — must not demote it a second time when they are reviewed later.
        await using (var lk = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('audit-escalation:' || $1 || '/' || $2))", conn, tx))
        {
            lk.Parameters.Add(InstanceStore.P(workflowId));
            lk.Parameters.Add(InstanceStore.P(agentId));
            await lk.ExecuteNonQueryAsync(ct);
        }
        long reviews, failed;
        await using (var cmd = new NpgsqlCommand("""
            SELECT count(*), count(*) FILTER (WHERE s.status = 'failed') FROM audit_samples s JOIN agent_decisions d ON d.id = s.decision_id
             WHERE s.workflow_id = $1 AND s.agent_id = $2 AND s.status IN ('passed', 'failed')
               AND s.reviewed_at > COALESCE((SELECT max(e.created_at) FROM audit_escalations e WHERE e.workflow_id = $1 AND e.agent_id = $2), '-infinity')
               AND d.created_at > COALESCE((SELECT a.stage_changed_at FROM agents a WHERE a.id = $2), '-infinity')
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(agentId));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (reviews, failed) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        if (reviews == 0 || reviews < Math.Max(1, escalation.MinReviews)) return null;
        var rate = (double)failed / reviews;
        if (rate <= escalation.FailureRateThreshold) return null;

        var reason = $"audit failure rate {rate:P1} over {reviews} review(s) of {agentId} in {workflowId} is past the protocol's threshold {escalation.FailureRateThreshold:P1}";
        var evidence = new JsonObject
        {
            ["workflowId"] = workflowId, ["agentId"] = agentId, ["failureRate"] = rate, ["reviews"] = reviews, ["failed"] = failed,
            ["threshold"] = escalation.FailureRateThreshold, ["action"] = escalation.Action,
        };
        var detail = escalation.Action switch
        {
            "demote" => await DemoteAsync(conn, tx, agentId, reason, evidence, now, ct),
            "pause" => await PauseAsync(conn, tx, agentId, reason, now, ct),
            _ => "owner notified",
        };
        var record = new AuditEscalationRecord
        {
            Id = Guid.CreateVersion7(now), WorkflowId = workflowId, AgentId = agentId, Action = escalation.Action, FailureRate = rate, Reviews = reviews,
            Threshold = escalation.FailureRateThreshold, Detail = detail, CreatedAt = now,
        };
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO audit_escalations (id, workflow_id, agent_id, action, failure_rate, reviews, threshold, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(record.Id));
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(agentId));
            cmd.Parameters.Add(InstanceStore.P(record.Action));
            cmd.Parameters.Add(InstanceStore.P(rate));
            cmd.Parameters.Add(InstanceStore.P(reviews));
            cmd.Parameters.Add(InstanceStore.P(record.Threshold));
            cmd.Parameters.Add(InstanceStore.NullableText(detail));
            cmd.Parameters.Add(InstanceStore.P(now));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        // The owner hears of every escalation (for notify-owner it is the whole of it).
        var owner = definition.Owner?.Email ?? definition.Owner?.Id ?? definition.Owner?.Name;
        await using (var cmd = new NpgsqlCommand("INSERT INTO outbox_messages (instance_id, kind, channel, recipient, body, created_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, 0)", conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(Guid.Empty));
            cmd.Parameters.Add(InstanceStore.P("audit.escalated"));
            cmd.Parameters.Add(InstanceStore.P(options.NotificationChannel));
            cmd.Parameters.Add(InstanceStore.NullableText(owner));
            var body = (JsonObject)evidence.DeepClone();
            body["message"] = $"Audit escalation ({escalation.Action}): {reason}. {detail}.";
            body["detail"] = detail;
            cmd.Parameters.Add(InstanceStore.Jsonb(body.ToJsonString()));
            cmd.Parameters.Add(InstanceStore.P(now));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var data = (JsonObject)evidence.DeepClone();
        data["detail"] = detail;
        data["owner"] = owner;
        await audit.AppendAsync(new AuditRecord(AuditSampler.Actor, AuditAction, "agent", agentId, reason, data), conn, tx, ct);
        return record;
    }

    private async Task<string> DemoteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string agentId, string reason, JsonObject evidence, DateTimeOffset now, CancellationToken ct)
    {
        var current = await StageService.LockStageAsync(conn, tx, agentId, ct);
        if (current is null) return $"agent {agentId} is not registered: nothing to demote";
        var rank = AgentStages.Rank(current);
        if (rank <= 0) return $"agent {agentId} is already in {current}, the lowest stage: nothing to demote";
        var target = AgentStages.All[rank - 1];
        await StageService.Exec(conn, tx, "UPDATE agent_stage_changes SET status = 'superseded', decided_at = $2, decision_reason = 'superseded by an audit demotion' WHERE agent_id = $1 AND status = 'pending'", ct, agentId, now);
        await StageService.SetStageAsync(conn, tx, agentId, current, target, now, ct);
        await StageService.InsertChangeAsync(conn, tx, agentId, "auto-demotion", current, target, "applied", reason, AuditSampler.Actor, evidence, now, ct);
        await audit.AppendAsync(new AuditRecord(AuditSampler.Actor, AuditActions.AgentStageChanged, "agent", agentId, reason,
            new JsonObject { ["from"] = current, ["to"] = target, ["kind"] = "auto-demotion", ["trigger"] = "audit-escalation", ["evidence"] = evidence.DeepClone() }), conn, tx, ct);
        return $"demoted {current} → {target}";
    }

    private async Task<string> PauseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string agentId, string reason, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("UPDATE agents SET paused = true, paused_reason = $2, paused_by = $3, paused_at = $4, updated_at = $4 WHERE id = $1 AND NOT paused", conn, tx);
        cmd.Parameters.Add(InstanceStore.P(agentId));
        cmd.Parameters.Add(InstanceStore.P(reason.Length > 2000 ? reason[..2000] : reason));
        cmd.Parameters.Add(InstanceStore.P(AuditSampler.Actor));
        cmd.Parameters.Add(InstanceStore.P(now));
        if (await cmd.ExecuteNonQueryAsync(ct) == 0) return $"agent {agentId} is not registered or already paused";
        await audit.AppendAsync(new AuditRecord(AuditSampler.Actor, AuditActions.AgentPaused, "agent", agentId, reason), conn, tx, ct);
        return "paused";
    }
}
