using System.Data;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.HumanTasks;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Governance.AuditSampling;

/// <summary>What one sampling run did.</summary>
/// <param name="Skipped">Why nothing ran (no published version, retired, no protocol, bad sampling spec); null when it ran.</param>
public sealed record AuditRunResult(string WorkflowId, Guid? RunId, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, long Sampled, int TasksCreated, string? Skipped = null)
{
    public JsonObject ToJson() => new()
    {
        ["workflowId"] = WorkflowId, ["runId"] = RunId?.ToString(), ["windowStart"] = WindowStart.ToString("O"), ["windowEnd"] = WindowEnd.ToString("O"),
        ["sampled"] = Sampled, ["tasksCreated"] = TasksCreated, ["skipped"] = Skipped,
    };
}

/// <summary>
/// Audit sampling (readiness checkpoint 6): per workflow, from its published <c>auditProtocol</c>, samples the agent decisions
/// made since the previous run and turns each into a review task for the protocol's reviewer role.
/// <para>
/// <b>One statement samples.</b> The window is [previous run's end, now). A rate without strata takes every decision whose
/// <c>sample_key</c> (uniform, drawn when the decision was written) is below the rate — an index range scan over
/// <c>(workflow_id, sample_key)</c>, so 1% of ten million decisions reads one hundredth of the index. Quotas (a size, or
/// stratification by agent and/or outcome, see <see cref="SamplingMath"/>) take the lowest keys of each stratum. The samples
/// land in <c>audit_samples</c>, whose key is the decision id (<c>ON CONFLICT DO NOTHING</c>): a decision is never sampled
/// twice, and the run row, its window and its samples commit together under a per-workflow advisory lock.
/// </para>
/// <para>
/// <b>Tasks after the commit.</b> Review tasks are created once the samples are committed, one per sample; a sample whose
/// task was not created (a host died) is picked up by the next run, which first looks for a task already made for it.
/// </para>
/// </summary>
public sealed class AuditSampler
{
    public const string TaskKind = "audit-review";
    public const string SubjectType = "agent-decision";
    public const string Actor = "system:audit-sampling";

    private readonly NpgsqlDataSource _db;
    private readonly HumanTaskService _tasks;
    private readonly TimeProvider _clock;

    internal AuditSampler(EngineDatabase db, HumanTaskService tasks, TimeProvider clock)
    {
        _db = db.DataSource;
        _tasks = tasks;
        _clock = clock;
    }

    /// <summary>
    /// A run's window closes this long before the run: a decision stamped just before the run but committed after it (a slow
    /// transaction, a host whose clock is a little behind) falls in the next window instead of being skipped for ever.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most review tasks one run creates; the rest are created by the next runs (oldest samples first).</summary>
    public int MaxTasksPerRun { get; set; } = 5000;

    /// <summary>Runs the workflow's sampling now: samples the window, records the run, creates the review tasks.</summary>
    public async Task<AuditRunResult> RunAsync(string workflowId, CancellationToken ct = default)
    {
        var now = _clock.GetUtcNow();
        var (definition, version) = await PublishedAsync(_db, workflowId, ct);
        if (definition?.AuditProtocol is not { } protocol)
            return new AuditRunResult(workflowId, null, now, now, 0, 0, definition is null ? "no published, non-retired version" : "no audit protocol");
        if (SamplingMath.Problem(protocol.Sampling) is { } problem)
            return new AuditRunResult(workflowId, null, now, now, 0, 0, problem);

        var end = now - SettleDelay;
        var (runId, start, sampled) = await SampleAsync(workflowId, version, protocol.Sampling, end, ct);
        var created = await CreateReviewTasksAsync(workflowId, definition, protocol, ct);
        return new AuditRunResult(workflowId, runId, start, end < start ? start : end, sampled, created);
    }

    /// <summary>Samples [previous run's end, <paramref name="now"/>) and records the run; returns the run id, window start and count.</summary>
    public async Task<(Guid RunId, DateTimeOffset WindowStart, long Sampled)> SampleAsync(string workflowId, int version, SamplingSpec spec, DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('audit-sampling:' || $1))", conn, tx))
        {
            lockCmd.Parameters.Add(InstanceStore.P(workflowId));
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        DateTimeOffset start;
        await using (var cmd = new NpgsqlCommand("SELECT max(window_end) FROM audit_runs WHERE workflow_id = $1", conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            start = await cmd.ExecuteScalarAsync(ct) switch
            {
                DateTime last => new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc)), // timestamptz reads as a UTC DateTime
                DateTimeOffset last => last,
                _ => DateTimeOffset.UnixEpoch, // first run: everything before now
            };
        }
        if (now < start) now = start; // a clock that went back never makes a negative window
        var runId = Guid.CreateVersion7(now);
        var specJson = JsonSerializer.Serialize(new { spec.Rate, spec.Size, spec.StratifyBy }, JsonSerializerOptions.Web);
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO audit_runs (id, workflow_id, workflow_version, window_start, window_end, sampled, spec, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $5)
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(runId));
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(version));
            cmd.Parameters.Add(InstanceStore.P(start));
            cmd.Parameters.Add(InstanceStore.P(now));
            cmd.Parameters.Add(InstanceStore.Jsonb(specJson));
            await cmd.ExecuteNonQueryAsync(ct);
        }

        long sampled;
        if (spec.Rate is { } rate && !SamplingMath.Stratified(spec))
        {
            sampled = await ExecAsync(conn, tx, $"""
                INSERT INTO audit_samples (decision_id, run_id, workflow_id, agent_id, outcome, status, sampled_at)
                SELECT d.id, $4, d.workflow_id, d.agent_id, d.outcome, 'pending', $6 FROM agent_decisions d
                 WHERE {Population} AND d.sample_key < $5
                ON CONFLICT (decision_id) DO NOTHING
                """, ct, workflowId, start, now, runId, rate, now);
        }
        else if (!SamplingMath.Stratified(spec))
        {
            sampled = await ExecAsync(conn, tx, $"""
                INSERT INTO audit_samples (decision_id, run_id, workflow_id, agent_id, outcome, status, sampled_at)
                SELECT x.id, $4, x.workflow_id, x.agent_id, x.outcome, 'pending', $6 FROM (
                  SELECT d.id, d.workflow_id, d.agent_id, d.outcome FROM agent_decisions d WHERE {Population}
                   ORDER BY d.sample_key, d.id LIMIT $5) x
                ON CONFLICT (decision_id) DO NOTHING
                """, ct, workflowId, start, now, runId, (long)spec.Size!.Value, now);
        }
        else
        {
            var agentKey = SamplingMath.ByAgent(spec) ? "d.agent_id" : "NULL::text";
            var outcomeKey = SamplingMath.ByOutcome(spec) ? "d.outcome::text" : "NULL::text";
            var strata = new List<Stratum>();
            await using (var cmd = new NpgsqlCommand($"SELECT {agentKey}, {outcomeKey}, count(*) FROM agent_decisions d WHERE {Population} GROUP BY 1, 2", conn, tx) { CommandTimeout = StatementTimeoutSeconds })
            {
                cmd.Parameters.Add(InstanceStore.P(workflowId));
                cmd.Parameters.Add(InstanceStore.P(start));
                cmd.Parameters.Add(InstanceStore.P(now));
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    strata.Add(new Stratum(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2)));
            }
            var quotas = SamplingMath.Quotas(spec, strata);
            // Quotas as one JSON object keyed by stratum: a lookup per row, no join for the planner to get wrong.
            var quotaMap = new JsonObject();
            for (var i = 0; i < strata.Count; i++) quotaMap[StratumKey(strata[i].AgentId, strata[i].Outcome)] = quotas[i];
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO audit_samples (decision_id, run_id, workflow_id, agent_id, outcome, status, sampled_at)
                SELECT x.id, $4, x.workflow_id, x.agent_id, x.outcome, 'pending', $6 FROM (
                  SELECT d.id, d.workflow_id, d.agent_id, d.outcome, coalesce({agentKey}, '') || chr(31) || coalesce({outcomeKey}, '') AS k,
                         row_number() OVER (PARTITION BY {agentKey}, {outcomeKey} ORDER BY d.sample_key, d.id) AS rn
                    FROM agent_decisions d WHERE {Population}) x
                 WHERE x.rn <= COALESCE(($5::jsonb ->> x.k)::bigint, 0)
                ON CONFLICT (decision_id) DO NOTHING
                """, conn, tx) { CommandTimeout = StatementTimeoutSeconds };
            insert.Parameters.Add(InstanceStore.P(workflowId));
            insert.Parameters.Add(InstanceStore.P(start));
            insert.Parameters.Add(InstanceStore.P(now));
            insert.Parameters.Add(InstanceStore.P(runId));
            insert.Parameters.Add(InstanceStore.Jsonb(quotaMap.ToJsonString()));
            insert.Parameters.Add(InstanceStore.P(now));
            sampled = await insert.ExecuteNonQueryAsync(ct);
        }
        await ExecAsync(conn, tx, "UPDATE audit_runs SET sampled = $2 WHERE id = $1", ct, runId, sampled);
        await tx.CommitAsync(ct);
        return (runId, start, sampled);
    }

    private static string StratumKey(string? agent, string? outcome) => (agent ?? "") + "\u001f" + (outcome ?? "");

    /// <summary>
    /// The window's population: this workflow's decisions in [$2, $3) not yet reviewed. No anti-join against
    /// <c>audit_samples</c>: windows never overlap, and the primary key with <c>ON CONFLICT DO NOTHING</c> is what guarantees
    /// once-only (an anti-join inside the INSERT re-reads the table it is filling, row by row: quadratic at 100,000 samples).
    /// </summary>
    private const string Population = """
        d.workflow_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND d.audit_result IS NULL
        """;

    /// <summary>Sampling statements run in a background job: allowed far longer than an API request's.</summary>
    private const int StatementTimeoutSeconds = 600;

    /// <summary>Creates the review task of every sample of <paramref name="workflowId"/> that has none yet (up to <see cref="MaxTasksPerRun"/>).</summary>
    public async Task<int> CreateReviewTasksAsync(string workflowId, WorkflowDefinition definition, AuditProtocolSpec protocol, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(protocol);

        // One creator per workflow at a time (a cron tick and a "run now", or two hosts): without it both would find a
        // sample without a task and both would create one, and a reviewer would judge the same decision twice. The
        // loser returns at once; the holder creates every pending task.
        await using var lockConn = await _db.OpenConnectionAsync(ct);
        await using var lockTx = await lockConn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtext('audit-review-tasks:' || $1))", lockConn, lockTx))
        {
            lockCmd.Parameters.Add(InstanceStore.P(workflowId));
            if (await lockCmd.ExecuteScalarAsync(ct) is not true) return 0;
        }

        var pending = new List<(Guid DecisionId, JsonObject Sample)>();
        await using (var cmd = _db.CreateCommand("""
            SELECT s.decision_id, d.agent_id, d.stage, d.instance_id, d.created_at, d.input::text, d.output::text, d.confidence, d.rationale, d.outcome,
                   d.human_decision, d.human_actor, d.human_output::text, d.edited, d.agreement, d.decided_at, d.node_id, d.workflow_version,
                   i.status, i.output::text, i.completed_at
              FROM audit_samples s JOIN agent_decisions d ON d.id = s.decision_id LEFT JOIN workflow_instances i ON i.id = d.instance_id
             WHERE s.workflow_id = $1 AND s.task_id IS NULL
             ORDER BY s.sampled_at, s.decision_id LIMIT $2
            """))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(MaxTasksPerRun));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                JsonNode? J(int i) => r.IsDBNull(i) ? null : JsonNode.Parse(r.GetString(i));
                string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
                var after = new JsonObject
                {
                    ["humanDecision"] = S(10),
                    ["humanActor"] = S(11),
                    ["humanOutput"] = J(12),
                    ["edited"] = r.IsDBNull(13) ? null : r.GetBoolean(13),
                    ["agreement"] = r.IsDBNull(14) ? null : r.GetBoolean(14),
                    ["humanDecidedAt"] = r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15).ToString("O"),
                    ["instanceStatus"] = S(18),
                    ["instanceOutput"] = J(19),
                    ["instanceCompletedAt"] = r.IsDBNull(20) ? null : r.GetFieldValue<DateTimeOffset>(20).ToString("O"),
                };
                var sample = new JsonObject
                {
                    ["decisionId"] = r.GetGuid(0).ToString(),
                    ["workflowId"] = workflowId,
                    ["agentId"] = r.GetString(1),
                    ["stage"] = r.GetString(2),
                    ["instanceId"] = r.GetGuid(3).ToString(),
                    ["decidedAt"] = r.GetFieldValue<DateTimeOffset>(4).ToString("O"),
                    ["input"] = J(5),
                    ["output"] = J(6),
                    ["confidence"] = r.IsDBNull(7) ? null : r.GetDouble(7),
                    ["rationale"] = S(8),
                    ["after"] = after,
                    // beyond the contract, for context: the agent's own outcome and where in the flow it decided
                    ["outcome"] = r.GetString(9),
                    ["nodeId"] = r.GetString(16),
                    ["workflowVersion"] = r.GetInt32(17),
                };
                pending.Add((r.GetGuid(0), sample));
            }
        }

        var criteria = new JsonArray(protocol.Criteria.Select(c => (JsonNode?)new JsonObject { ["id"] = c.Id, ["description"] = c.Description }).ToArray());
        var created = 0;
        foreach (var (decisionId, sample) in pending)
        {
            var taskId = await ExistingTaskAsync(decisionId, ct);
            if (taskId is null)
            {
                var task = await _tasks.CreateAsync(new HumanTaskRequest
                {
                    Kind = TaskKind,
                    Title = $"Audit review: {sample["agentId"]} in {definition.Name ?? workflowId}",
                    Instructions = "Judge the agent's decision against each criterion (pass or fail). Approve when every criterion passed; reject when any failed.",
                    Data = new JsonObject { ["sample"] = sample, ["criteria"] = criteria.DeepClone() },
                    Role = protocol.ReviewerRole,
                    Owner = definition.Owner?.Email ?? definition.Owner?.Id,
                    SubjectType = SubjectType,
                    SubjectId = decisionId.ToString(),
                }, Actor, ct);
                taskId = task.Id;
                created++;
            }
            await using var update = _db.CreateCommand("UPDATE audit_samples SET task_id = $2 WHERE decision_id = $1");
            update.Parameters.Add(InstanceStore.P(decisionId));
            update.Parameters.Add(InstanceStore.P(taskId.Value));
            await update.ExecuteNonQueryAsync(ct);
        }
        return created;
    }

    private async Task<Guid?> ExistingTaskAsync(Guid decisionId, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand("SELECT id FROM human_tasks WHERE kind = $1 AND subject_type = $2 AND subject_id = $3 LIMIT 1");
        cmd.Parameters.Add(InstanceStore.P(TaskKind));
        cmd.Parameters.Add(InstanceStore.P(SubjectType));
        cmd.Parameters.Add(InstanceStore.P(decisionId.ToString()));
        return await cmd.ExecuteScalarAsync(ct) is Guid id ? id : null;
    }

    /// <summary>The published definition of a non-retired workflow and its version (null when there is none).</summary>
    internal static async Task<(WorkflowDefinition? Definition, int Version)> PublishedAsync(NpgsqlDataSource db, string workflowId, CancellationToken ct,
        NpgsqlConnection? conn = null, NpgsqlTransaction? tx = null)
    {
        const string sql = """
            SELECT v.canonical_json::text, v.version FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.published_version
             WHERE w.id = $1 AND NOT w.retired
            """;
        await using var cmd = conn is null ? db.CreateCommand(sql) : new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return (null, 0);
        return (CompiledWorkflow.Parse(reader.GetString(0)), reader.GetInt32(1));
    }

    private static async Task<long> ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = StatementTimeoutSeconds };
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
