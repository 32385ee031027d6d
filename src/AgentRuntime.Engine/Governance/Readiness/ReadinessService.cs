using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Definitions.Validation;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Readiness;

public static class CheckStatus
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    /// <summary>The job that would evidence it has not written (recent) evidence: never counts as passed.</summary>
    public const string NotEvidenced = "not-evidenced";
}

/// <param name="Number">1..7, as in the design's readiness checklist.</param>
/// <param name="LastTrueAt">When it was last known true: now for a check that holds, else the last passing evidence (if any).</param>
public sealed record ReadinessCheck(int Number, string Id, string Title, string Status, string Evidence, DateTimeOffset? LastTrueAt, JsonNode? Detail = null)
{
    public bool Passed => Status == CheckStatus.Passed;
}

public sealed record AgentReadiness(string AgentId, string? Stage, bool? Paused, bool Registered, IReadOnlyList<ReadinessCheck> Checks)
{
    public bool Ready => Registered && Checks.All(c => c.Passed);
}

public sealed record WorkflowReadiness(string WorkflowId, int? PublishedVersion, DateTimeOffset EvaluatedAt, IReadOnlyList<ReadinessCheck> Checks, IReadOnlyList<AgentReadiness> Agents)
{
    public bool Ready => Checks.All(c => c.Passed);
}

/// <summary>
/// The seven readiness checkpoints, per workflow and per (workflow, agent), each with its evidence and when it was last
/// true. 1–3 and 7 read the published definition (and its version history); 4 (data readiness), 5 (telemetry) and 6 (audit
/// protocol: valid in the definition and its sampling job scheduled) read <c>readiness_evidence</c>, which the scheduled probe,
/// telemetry and audit jobs write: until a job has written passing evidence within its window, the checkpoint is
/// <see cref="CheckStatus.NotEvidenced"/>, never passed.
/// </summary>
public sealed class ReadinessService
{
    private readonly NpgsqlDataSource _db;
    private readonly GovernanceOptions _options;
    private readonly TimeProvider _clock;

    internal ReadinessService(EngineDatabase db, GovernanceOptions options, TimeProvider clock)
    {
        _db = db.DataSource;
        _options = options;
        _clock = clock;
    }

    public async Task<WorkflowReadiness?> EvaluateAsync(string workflowId, CancellationToken ct = default)
    {
        var now = _clock.GetUtcNow();
        WorkflowDefinition? definition = null;
        int? published = null;
        DateTimeOffset? publishedAt = null;
        var publishedCount = 0;
        await using (var cmd = _db.CreateCommand("""
            SELECT w.published_version, v.canonical_json::text, v.published_at,
                   (SELECT count(*) FROM workflow_versions p WHERE p.workflow_id = w.id AND p.published_at IS NOT NULL)
              FROM workflows w LEFT JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.published_version
             WHERE w.id = $1
            """))
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            published = reader.IsDBNull(0) ? null : reader.GetInt32(0);
            definition = reader.IsDBNull(1) ? null : CompiledWorkflow.Parse(reader.GetString(1));
            publishedAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
            publishedCount = (int)reader.GetInt64(3);
        }
        var evidence = await LoadEvidenceAsync(workflowId, ct);
        var agentIds = definition is null ? [] : AgentsOf(definition);
        var agents = await LoadAgentsAsync(agentIds, ct);

        var workflowChecks = Checks(definition, published, publishedAt, publishedCount, evidence, null, null, now);
        var perAgent = agentIds.Select(id =>
        {
            agents.TryGetValue(id, out var a);
            return new AgentReadiness(id, a?.Stage, a?.Paused, a is not null, Checks(definition, published, publishedAt, publishedCount, evidence, id, a, now));
        }).ToList();
        return new WorkflowReadiness(workflowId, published, now, workflowChecks, perAgent);
    }

    /// <summary>Agents a definition uses: its <c>agents</c> list plus every agent node's agent.</summary>
    public static List<string> AgentsOf(WorkflowDefinition d) =>
        d.Agents.Concat(d.Flowchart.Nodes.Where(n => n.Type == "agent")
                .Select(n => n.Inputs.GetValueOrDefault("agent") is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null)
                .OfType<string>())
            .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Published, non-retired workflows that use <paramref name="agentId"/>.</summary>
    public async Task<List<string>> WorkflowsUsingAsync(string agentId, CancellationToken ct = default)
    {
        var result = new List<string>();
        await using var cmd = _db.CreateCommand("""
            SELECT w.id, v.canonical_json::text FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.published_version
             WHERE NOT w.retired AND position($1 in v.canonical_json::text) > 0
            """);
        cmd.Parameters.Add(InstanceStore.P(agentId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (AgentsOf(CompiledWorkflow.Parse(reader.GetString(1))).Contains(agentId)) result.Add(reader.GetString(0));
        }
        return result;
    }

    private sealed record AgentInfo(string Stage, bool Paused, string? OwnerName, int Versions);

    private sealed record EvidenceRow(string Checkpoint, string? Subject, string? AgentId, bool Passed, JsonNode? Detail, DateTimeOffset ObservedAt, DateTimeOffset? ValidUntil);

    private List<ReadinessCheck> Checks(WorkflowDefinition? d, int? published, DateTimeOffset? publishedAt, int publishedCount, List<EvidenceRow> evidence,
        string? agentId, AgentInfo? agent, DateTimeOffset now)
    {
        ReadinessCheck Make(int n, string id, string title, bool ok, string why) =>
            new(n, id, title, ok ? CheckStatus.Passed : CheckStatus.Failed, why, ok ? now : null);

        var checks = new List<ReadinessCheck>();
        if (d is null)
        {
            const string none = "no published version";
            checks.Add(Make(1, "outcome", "Outcome defined", false, none));
            checks.Add(Make(2, "owner", "Named owner", false, none));
            checks.Add(Make(3, "published", "Documented and published workflow", false, "nothing is published"));
            checks.Add(Make(4, "data-readiness", "Data readiness audit passed within its window", false, none));
            checks.Add(Make(5, "telemetry", "Telemetry flowing", false, none));
            checks.Add(Make(6, "audit-protocol", "Audit protocol scheduled with reviewers", false, none));
            checks.Add(Make(7, "rollback", "Rollback path", false, none));
            return checks;
        }

        // 1 outcome
        var o = d.Outcome;
        var outcomeOk = o is not null && !string.IsNullOrWhiteSpace(o.Metric) && o.Target is not null && !string.IsNullOrWhiteSpace(o.Measure);
        checks.Add(Make(1, "outcome", "Outcome defined", outcomeOk, outcomeOk
            ? $"metric {o!.Metric}, target {o.Target} {o.Unit} ({o.Direction ?? "direction unstated"}), measured by '{o.Measure}'"
            : "the outcome needs a metric, a target and a measure expression"));

        // 2 owner (workflow's, and the agent's for an agent)
        var ownerOk = d.Owner is { } ow && !string.IsNullOrWhiteSpace(ow.Name) && (!string.IsNullOrWhiteSpace(ow.Email) || !string.IsNullOrWhiteSpace(ow.Id));
        var ownerWhy = ownerOk ? $"workflow owner {d.Owner!.Name} <{d.Owner.Email ?? d.Owner.Id}>" : "the workflow needs one named owner with an e-mail or id";
        if (agentId is not null)
        {
            var agentOwnerOk = !string.IsNullOrWhiteSpace(agent?.OwnerName);
            ownerWhy += agentOwnerOk ? $"; agent owner {agent!.OwnerName}" : "; the agent is not registered with an owner";
            ownerOk &= agentOwnerOk;
        }
        checks.Add(Make(2, "owner", "Named owner", ownerOk, ownerWhy));

        // 3 documented and published
        var documented = !string.IsNullOrWhiteSpace(d.Description) && d.Boundary is not null && !string.IsNullOrWhiteSpace(d.Boundary.Trigger);
        var publishedOk = documented && published is not null;
        checks.Add(new ReadinessCheck(3, "published", "Documented and published workflow", publishedOk ? CheckStatus.Passed : CheckStatus.Failed,
            publishedOk ? $"version {published} published {publishedAt:O}, with a description and a boundary"
                : published is null ? "nothing is published" : "the published version needs a description and a boundary with its trigger",
            publishedOk ? now : null));

        // 4 data readiness, per data source, from the probes' evidence
        checks.Add(DataReadiness(d, evidence, now));

        // 5 telemetry, from the telemetry job's evidence
        var telemetry = evidence.Where(e => e.Checkpoint == "telemetry" && (e.AgentId is null || e.AgentId == agentId)).ToList();
        checks.Add(EvidenceCheck(5, "telemetry", "Telemetry flowing", telemetry, _options.TelemetryWindow, now, "no telemetry evidence yet (the telemetry job has not reported)"));

        // 6 audit protocol with reviewers
        var ap = d.AuditProtocol;
        var auditOk = ap is not null && CronFormat.Check(ap.Cron) is null && !string.IsNullOrWhiteSpace(ap.ReviewerRole) && ap.Criteria.Count > 0
                      && (ap.Sampling.Rate is > 0 || ap.Sampling.Size is > 0);
        if (!auditOk)
        {
            checks.Add(Make(6, "audit-protocol", "Audit protocol scheduled with reviewers", false,
                "the audit protocol needs a valid cron, a reviewer role, criteria and a sampling rate or size"));
        }
        else
        {
            // Written, not just declared: the scheduler's evidence that the sampling job is registered and firing (written when it
            // is scheduled and after each run, valid until a grace period after its next tick).
            var protocol = $"cron '{ap!.Cron}', reviewers: role {ap.ReviewerRole}, {ap.Criteria.Count} criteria, sampling {(ap.Sampling.Rate is { } r ? $"rate {r}" : $"size {ap.Sampling.Size}")}";
            var scheduled = EvidenceCheck(6, "audit-protocol", "Audit protocol scheduled with reviewers",
                evidence.Where(e => e.Checkpoint == "audit-schedule").ToList(), TimeSpan.MaxValue, now, "the audit sampling job has not been scheduled yet");
            checks.Add(scheduled with { Evidence = $"{protocol}; job: {scheduled.Evidence}" });
        }

        // 7 rollback: procedure + a compensation for every action + somewhere to return to
        var actions = d.Flowchart.Nodes.Where(n => n.Type == "action").ToList();
        var uncompensated = actions.Where(n => n.Inputs.GetValueOrDefault("compensation") is not JsonObject).Select(n => n.Id).ToList();
        var procedure = !string.IsNullOrWhiteSpace(d.Rollback?.Procedure);
        var returnTo = publishedCount > 1 ? $"prior version {published - 1}"
            : d.Rollback?.FallbackStage is { } fs ? $"fallback stage {fs}"
            : agent is not null && AgentStages.Rank(agent.Stage) > 0 ? $"stage {AgentStages.All[AgentStages.Rank(agent.Stage) - 1]}"
            : null;
        var rollbackOk = procedure && uncompensated.Count == 0 && returnTo is not null;
        checks.Add(Make(7, "rollback", "Rollback path", rollbackOk, rollbackOk
            ? $"procedure written; {actions.Count} action(s), each with a compensation; return to {returnTo}"
            : string.Join("; ", new[]
            {
                procedure ? null : "no rollback procedure",
                uncompensated.Count == 0 ? null : $"actions without a compensation: {string.Join(", ", uncompensated)}",
                returnTo is null ? "no prior version or stage to return to" : null,
            }.OfType<string>())));
        return checks;
    }

    private ReadinessCheck DataReadiness(WorkflowDefinition d, List<EvidenceRow> evidence, DateTimeOffset now)
    {
        if (d.DataSources.Count == 0)
            return new ReadinessCheck(4, "data-readiness", "Data readiness audit passed within its window", CheckStatus.Failed, "no data sources declared", null);
        var detail = new JsonArray();
        var status = CheckStatus.Passed;
        DateTimeOffset? lastTrue = now;
        foreach (var ds in d.DataSources)
        {
            var window = Durations.TryParse(ds.Freshness, out var w) && w > TimeSpan.Zero ? w : _options.DefaultDataWindow;
            var rows = evidence.Where(e => e.Checkpoint == "data-readiness" && e.Subject == ds.Id).ToList();
            var c = EvidenceCheck(4, "data-readiness", ds.Id, rows, window, now, "never probed");
            detail.Add(new JsonObject { ["dataSource"] = ds.Id, ["status"] = c.Status, ["evidence"] = c.Evidence, ["lastTrueAt"] = c.LastTrueAt?.ToString("O"), ["probe"] = c.Detail });
            if (c.Status == CheckStatus.Failed) status = CheckStatus.Failed;
            else if (c.Status == CheckStatus.NotEvidenced && status == CheckStatus.Passed) status = CheckStatus.NotEvidenced;
            lastTrue = c.LastTrueAt is null || lastTrue is null ? null : (c.LastTrueAt < lastTrue ? c.LastTrueAt : lastTrue);
        }
        var summary = string.Join("; ", detail.Select(x => $"{x!["dataSource"]}: {x["status"]} ({x["evidence"]})"));
        return new ReadinessCheck(4, "data-readiness", "Data readiness audit passed within its window", status, summary, status == CheckStatus.Passed ? now : lastTrue, detail);
    }

    private static string DescribeWindow(TimeSpan window) =>
        window == TimeSpan.MaxValue ? "no time limit" : Probes.ProbeEvaluation.Format(window);

    private static ReadinessCheck EvidenceCheck(int n, string id, string title, List<EvidenceRow> rows, TimeSpan window, DateTimeOffset now, string none)
    {
        var lastPass = rows.Where(r => r.Passed).MaxBy(r => r.ObservedAt);
        var latest = rows.MaxBy(r => r.ObservedAt);
        if (latest is null) return new ReadinessCheck(n, id, title, CheckStatus.NotEvidenced, none, null);
        var fresh = now - latest.ObservedAt <= window && (latest.ValidUntil is null || latest.ValidUntil >= now);
        if (!latest.Passed)
        {
            // The job's own reasons (e.g. a probe's "stale: last updated …"), when it gave any.
            var reasons = latest.Detail?["reasons"] is JsonArray list ? string.Join("; ", list.Select(r => r?.ToString())) : latest.Detail?["reason"]?.ToString();
            return new ReadinessCheck(n, id, title, CheckStatus.Failed, $"last check failed at {latest.ObservedAt:O}{(string.IsNullOrEmpty(reasons) ? "" : ": " + reasons)}",
                lastPass?.ObservedAt, latest.Detail?.DeepClone());
        }
        if (!fresh)
            return new ReadinessCheck(n, id, title, CheckStatus.NotEvidenced, $"last passing evidence {latest.ObservedAt:O} is older than its window ({DescribeWindow(window)})", latest.ObservedAt, latest.Detail?.DeepClone());
        return new ReadinessCheck(n, id, title, CheckStatus.Passed, $"passed at {latest.ObservedAt:O} (window {DescribeWindow(window)})", now, latest.Detail?.DeepClone());
    }

    private async Task<List<EvidenceRow>> LoadEvidenceAsync(string workflowId, CancellationToken ct)
    {
        var rows = new List<EvidenceRow>();
        // The latest 20 rows per (checkpoint, subject, agent) are plenty to find the latest and the last passing one.
        await using var cmd = _db.CreateCommand("""
            SELECT checkpoint, subject, agent_id, passed, detail::text, observed_at, valid_until FROM (
              SELECT *, row_number() OVER (PARTITION BY checkpoint, subject, agent_id ORDER BY observed_at DESC) AS rn
                FROM readiness_evidence WHERE workflow_id = $1) x
             WHERE rn <= 20
            """);
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new EvidenceRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetBoolean(3), reader.IsDBNull(4) ? null : JsonNode.Parse(reader.GetString(4)), reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return rows;
    }

    private async Task<Dictionary<string, AgentInfo>> LoadAgentsAsync(List<string> ids, CancellationToken ct)
    {
        var result = new Dictionary<string, AgentInfo>(StringComparer.Ordinal);
        if (ids.Count == 0) return result;
        await using var cmd = _db.CreateCommand("SELECT id, stage, paused, owner_name, current_version FROM agents WHERE id = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result[reader.GetString(0)] = new AgentInfo(reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4));
        return result;
    }
}
