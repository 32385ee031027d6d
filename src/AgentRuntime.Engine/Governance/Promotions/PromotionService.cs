using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance.Readiness;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.HumanTasks;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Promotions;

/// <summary>What an agent's decisions show: the numbers promotions and automatic demotion are judged on.</summary>
public sealed record AgentEvidence(
    long Runs, long Errors, long ShadowCompared, long ShadowAgreed, long DraftDecided, long DraftApprovedWithoutEdit, long DraftEdited, long DraftRejected,
    long InputTokens, long OutputTokens, decimal Cost, long Audited, long AuditFailed)
{
    public double? ShadowAgreementRate => ShadowCompared == 0 ? null : (double)ShadowAgreed / ShadowCompared;
    public double? DraftApprovalRate => DraftDecided == 0 ? null : (double)DraftApprovedWithoutEdit / DraftDecided;
    public double? ErrorRate => Runs == 0 ? null : (double)Errors / Runs;
    public double? AuditFailureRate => Audited == 0 ? null : (double)AuditFailed / Audited;
}

/// <param name="Code">Stable: <c>not-found</c>, <c>invalid-target</c>, <c>paused</c>, <c>pending</c>, <c>no-workflow</c>, <c>readiness</c>, <c>evidence</c>, <c>no-owner</c>.</param>
public sealed record UnmetReason(string Code, string Message, string? WorkflowId = null, int? Checkpoint = null);

public enum PromotionStatus { NotFound, Refused, Pending, Conflict }

public sealed record PromotionResult(PromotionStatus Status, IReadOnlyList<UnmetReason> Unmet, Guid? ChangeId = null, Guid? TaskId = null, string? SignOffBy = null, string? Detail = null);

/// <summary>
/// Promotion is a gate. A request names the next stage up; it is refused (and the refusal recorded) with every unmet reason
/// at once: each readiness checkpoint not green in each published workflow using the agent, and the stage's evidence under
/// threshold (shadow → draft: agreement rate over at least N compared cases; draft → execute: approved-without-edit rate over
/// at least M decided drafts; thresholds per agent, defaults in <see cref="GovernanceOptions"/>). Otherwise a sign-off task
/// (kind <c>agent-promotion</c>) goes to the workflow's named owner; the requester may not sign off their own request
/// (segregation of duties). The owner's approval applies the stage change, in the same transaction as the task decision
/// and its audit entry (<see cref="PromotionSignOffHandler"/>).
/// </summary>
public sealed class PromotionService
{
    public const string TaskKind = "agent-promotion";

    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;
    private readonly GovernanceOptions _options;
    private readonly ReadinessService _readiness;
    private readonly AgentDirectory _directory;
    private readonly IServiceProvider _services;

    internal PromotionService(EngineDatabase db, AuditTrail audit, TimeProvider clock, GovernanceOptions options, ReadinessService readiness, AgentDirectory directory, IServiceProvider services)
    {
        _db = db.DataSource;
        _audit = audit;
        _clock = clock;
        _options = options;
        _readiness = readiness;
        _directory = directory;
        _services = services;
    }

    public async Task<AgentEvidence> EvidenceAsync(string agentId, DateTimeOffset? since = null, CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE outcome IN ('failed', 'invalid-output', 'error')),
                   count(*) FILTER (WHERE stage = 'shadow' AND agreement IS NOT NULL),
                   count(*) FILTER (WHERE stage = 'shadow' AND agreement),
                   count(*) FILTER (WHERE stage = 'draft' AND human_decision IN ('approved', 'edited', 'rejected')),
                   count(*) FILTER (WHERE stage = 'draft' AND human_decision = 'approved'),
                   count(*) FILTER (WHERE stage = 'draft' AND human_decision = 'edited'),
                   count(*) FILTER (WHERE stage = 'draft' AND human_decision = 'rejected'),
                   COALESCE(sum(input_tokens), 0), COALESCE(sum(output_tokens), 0), COALESCE(sum(cost), 0),
                   count(*) FILTER (WHERE audit_result IS NOT NULL), count(*) FILTER (WHERE audit_result = 'fail')
              FROM agent_decisions WHERE agent_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2)
            """);
        cmd.Parameters.Add(InstanceStore.P(agentId));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)since ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new AgentEvidence(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7),
            r.GetInt64(8), r.GetInt64(9), r.GetDecimal(10), r.GetInt64(11), r.GetInt64(12));
    }

    /// <summary>Every reason the agent may not move to <paramref name="targetStage"/> now (empty: it may, subject to sign-off).</summary>
    public async Task<(List<UnmetReason> Unmet, AgentEvidence? Evidence, string? Owner, string? From)> EvaluateAsync(string agentId, string targetStage, CancellationToken ct = default)
    {
        var unmet = new List<UnmetReason>();
        var handle = await _directory.GetAsync(agentId, ct);
        var states = await _directory.GetStatesAsync([agentId], ct);
        if (handle is null || !states.TryGetValue(agentId, out var row))
            return ([new UnmetReason("not-found", $"No registered agent '{agentId}'.")], null, null, null);
        var from = row.Stage;
        if (AgentStages.Rank(targetStage) < 0)
            unmet.Add(new UnmetReason("invalid-target", "targetStage must be draft or execute."));
        else if (AgentStages.Rank(targetStage) != AgentStages.Rank(from) + 1)
            unmet.Add(new UnmetReason("invalid-target", $"A promotion moves one stage up: from {from} the next stage is {(AgentStages.Rank(from) < 2 ? AgentStages.All[AgentStages.Rank(from) + 1] : "none")}."));
        if (row.Paused) unmet.Add(new UnmetReason("paused", $"The agent is paused ({row.PausedReason ?? "kill switch"}); resume it first."));

        string? owner = null;
        var workflows = await _readiness.WorkflowsUsingAsync(agentId, ct);
        if (workflows.Count == 0) unmet.Add(new UnmetReason("no-workflow", "No published workflow uses this agent: there is no readiness to judge and no owner to sign off."));
        foreach (var wf in workflows)
        {
            var readiness = await _readiness.EvaluateAsync(wf, ct);
            var forAgent = readiness?.Agents.FirstOrDefault(a => a.AgentId == agentId);
            foreach (var check in forAgent?.Checks ?? readiness?.Checks ?? [])
            {
                if (!check.Passed)
                    unmet.Add(new UnmetReason("readiness", $"{wf}: checkpoint {check.Number} ({check.Title}) is {check.Status}: {check.Evidence}", wf, check.Number));
            }
            owner ??= await OwnerOfAsync(wf, ct);
        }
        if (workflows.Count > 0 && owner is null) unmet.Add(new UnmetReason("no-owner", "No workflow using the agent names an owner who could sign off."));

        var evidence = await EvidenceAsync(agentId, null, ct);
        var spec = handle.State.Definition.Evidence;
        if (targetStage == AgentStages.Draft)
        {
            var n = spec?.ShadowMinCases ?? _options.ShadowMinCases;
            var rate = spec?.ShadowAgreement ?? _options.ShadowAgreement;
            if (evidence.ShadowCompared < n)
                unmet.Add(new UnmetReason("evidence", $"Shadow agreement is measured over {evidence.ShadowCompared} case(s); at least {n} are needed."));
            else if (evidence.ShadowAgreementRate < rate)
                unmet.Add(new UnmetReason("evidence", $"Shadow agreement is {evidence.ShadowAgreementRate:P1} over {evidence.ShadowCompared} cases; at least {rate:P1} is needed."));
        }
        else if (targetStage == AgentStages.Execute)
        {
            var m = spec?.DraftMinCases ?? _options.DraftMinCases;
            var rate = spec?.DraftApprovalRate ?? _options.DraftApprovalRate;
            if (evidence.DraftDecided < m)
                unmet.Add(new UnmetReason("evidence", $"Drafts decided by a human: {evidence.DraftDecided}; at least {m} are needed."));
            else if (evidence.DraftApprovalRate < rate)
                unmet.Add(new UnmetReason("evidence", $"Drafts approved without edit: {evidence.DraftApprovalRate:P1} of {evidence.DraftDecided}; at least {rate:P1} is needed."));
        }
        return (unmet, evidence, owner, from);
    }

    public async Task<PromotionResult> RequestAsync(string agentId, string targetStage, string? reason, string actor, CancellationToken ct = default)
    {
        var (unmet, evidence, owner, from) = await EvaluateAsync(agentId, targetStage, ct);
        if (unmet.Any(u => u.Code == "not-found")) return new PromotionResult(PromotionStatus.NotFound, unmet);
        var now = _clock.GetUtcNow();
        var evidenceJson = evidence is null ? null : JsonSerializer.SerializeToNode(evidence, JsonOptions);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await StageService.LockStageAsync(conn, tx, agentId, ct) is not { } locked || locked != from)
            return new PromotionResult(PromotionStatus.Conflict, [], Detail: "The agent's stage changed while the promotion was evaluated; try again.");
        await using (var pending = new NpgsqlCommand("SELECT id FROM agent_stage_changes WHERE agent_id = $1 AND status = 'pending'", conn, tx))
        {
            pending.Parameters.Add(InstanceStore.P(agentId));
            if (await pending.ExecuteScalarAsync(ct) is Guid existing)
                return new PromotionResult(PromotionStatus.Conflict, [], existing, Detail: $"Promotion {existing} is already awaiting sign-off.");
        }
        if (unmet.Count > 0)
        {
            var unmetJson = JsonSerializer.SerializeToNode(unmet, JsonOptions);
            var refusedId = await StageService.InsertChangeAsync(conn, tx, agentId, "promotion", from!, targetStage, "refused", reason, actor, evidenceJson, now, ct, unmetJson);
            await _audit.AppendAsync(new AuditRecord(actor, "agent.promotion-refused", "agent", agentId, reason,
                new JsonObject { ["from"] = from, ["to"] = targetStage, ["changeId"] = refusedId.ToString(), ["unmet"] = unmetJson?.DeepClone() }), conn, tx, ct);
            await tx.CommitAsync(ct);
            return new PromotionResult(PromotionStatus.Refused, unmet, refusedId);
        }
        var changeId = await StageService.InsertChangeAsync(conn, tx, agentId, "promotion", from!, targetStage, "pending", reason, actor, evidenceJson, now, ct, signOffBy: owner);
        var tasks = (HumanTaskService)_services.GetService(typeof(HumanTaskService))!;
        var task = await tasks.CreateAsync(new HumanTaskRequest
        {
            Kind = TaskKind,
            Title = $"Sign off: promote agent {agentId} from {from} to {targetStage}",
            Instructions = $"{actor} asks to promote {agentId} to {targetStage}: {reason}. Every readiness checkpoint is green and the evidence is over threshold. Approve to change the stage; reject to keep it.",
            Data = new JsonObject { ["agentId"] = agentId, ["changeId"] = changeId.ToString(), ["from"] = from, ["to"] = targetStage, ["reason"] = reason, ["evidence"] = evidenceJson?.DeepClone() },
            Assignee = owner,
            StartedBy = actor,
            Owner = owner,
            SubjectType = "agent",
            SubjectId = agentId,
        }, actor, ct);
        await StageService.Exec(conn, tx, "UPDATE agent_stage_changes SET task_id = $2 WHERE id = $1", ct, changeId, task.Id.ToString());
        await _audit.AppendAsync(new AuditRecord(actor, "agent.promotion-requested", "agent", agentId, reason,
            new JsonObject { ["from"] = from, ["to"] = targetStage, ["changeId"] = changeId.ToString(), ["taskId"] = task.Id.ToString(), ["signOffBy"] = owner }), conn, tx, ct);
        await tx.CommitAsync(ct);
        return new PromotionResult(PromotionStatus.Pending, [], changeId, task.Id, owner);
    }

    /// <summary>The owner identity tasks are assigned to: id, else e-mail, else name (the same rule the task store uses).</summary>
    private async Task<string?> OwnerOfAsync(string workflowId, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand("""
            SELECT v.canonical_json->'owner'->>'id', v.canonical_json->'owner'->>'email', v.canonical_json->'owner'->>'name'
              FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.published_version WHERE w.id = $1
            """);
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        for (var i = 0; i < 3; i++)
            if (!r.IsDBNull(i) && !string.IsNullOrWhiteSpace(r.GetString(i))) return r.GetString(i);
        return null;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

/// <summary>
/// Applies a promotion when its owner approves the sign-off task: in the task decision's own transaction, the agent's
/// stage changes (only if it is still the stage the promotion started from), the request is closed and the change is
/// audited. A rejection closes the request as rejected.
/// </summary>
internal sealed class PromotionSignOffHandler(AuditTrail audit, TimeProvider clock) : IHumanTaskCompletionHandler
{
    public string Kind => PromotionService.TaskKind;

    public async ValueTask OnDecidedAsync(HumanTaskDecided decided, CancellationToken cancellationToken)
    {
        var data = decided.Task.Data as JsonObject ?? throw new InvalidOperationException("A promotion task without data.");
        var agentId = data["agentId"]!.GetValue<string>();
        var changeId = Guid.Parse(data["changeId"]!.GetValue<string>());
        var from = data["from"]!.GetValue<string>();
        var to = data["to"]!.GetValue<string>();
        var outcome = decided.Output["outcome"]?.GetValue<string>();
        var by = decided.Output["decidedBy"]?.GetValue<string>() ?? "unknown";
        var comment = decided.Output["comment"]?.GetValue<string>();
        var now = clock.GetUtcNow();
        var conn = decided.Connection;
        var tx = decided.Transaction;

        var stage = await StageService.LockStageAsync(conn, tx, agentId, cancellationToken);
        if (outcome == HumanTaskOutcomes.Approved && stage == from)
        {
            await StageService.SetStageAsync(conn, tx, agentId, from, to, now, cancellationToken);
            await StageService.Exec(conn, tx, "UPDATE agent_stage_changes SET status = 'applied', decided_by = $2, decision_reason = $3, decided_at = $4 WHERE id = $1 AND status = 'pending'",
                cancellationToken, changeId, by, (object?)comment ?? DBNull.Value, now);
            await audit.AppendAsync(new AuditRecord(by, AuditActions.AgentStageChanged, "agent", agentId, comment,
                new JsonObject { ["from"] = from, ["to"] = to, ["kind"] = "promotion", ["changeId"] = changeId.ToString(), ["taskId"] = decided.Task.Id.ToString() }), conn, tx, cancellationToken);
            return;
        }
        var status = outcome == HumanTaskOutcomes.Approved ? "superseded" : "rejected";
        var why = outcome == HumanTaskOutcomes.Approved ? $"the agent is no longer in {from} (now {stage})" : comment;
        await StageService.Exec(conn, tx, "UPDATE agent_stage_changes SET status = $2, decided_by = $3, decision_reason = $4, decided_at = $5 WHERE id = $1 AND status = 'pending'",
            cancellationToken, changeId, status, by, (object?)why ?? DBNull.Value, now);
        await audit.AppendAsync(new AuditRecord(by, "agent.promotion-" + status, "agent", agentId, why,
            new JsonObject { ["from"] = from, ["to"] = to, ["changeId"] = changeId.ToString(), ["taskId"] = decided.Task.Id.ToString() }), conn, tx, cancellationToken);
    }
}
