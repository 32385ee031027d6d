using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Governance.AuditSampling;

/// <summary>Review results of one agent in one workflow (or over all its workflows).</summary>
/// <param name="PassRate">passed / reviews; null before the first review.</param>
/// <param name="Criteria">Per criterion id: how many reviews passed and failed it.</param>
public sealed record AuditTally(string? WorkflowId, long Sampled, long Pending, long Reviews, long Passed, long Failed, double? PassRate,
    DateTimeOffset? LastReviewedAt, IReadOnlyDictionary<string, CriterionTally> Criteria);

public sealed record CriterionTally(long Passed, long Failed);

public sealed record AuditEscalationView(Guid Id, string WorkflowId, string Action, double FailureRate, long Reviews, double Threshold, string? Detail, DateTimeOffset At);

/// <summary>An agent's audit results: totals, per workflow, and the escalations they caused.</summary>
public sealed record AgentAuditResults(string AgentId, AuditTally Total, IReadOnlyList<AuditTally> Workflows, IReadOnlyList<AuditEscalationView> Escalations);

/// <summary>Aggregates of audit reviews per agent and workflow (read by <c>GET /api/v1/agents/{id}/audit</c>).</summary>
public sealed class AuditResults
{
    private readonly NpgsqlDataSource _db;

    internal AuditResults(EngineDatabase db) => _db = db.DataSource;

    public async Task<AgentAuditResults> ForAgentAsync(string agentId, CancellationToken ct = default)
    {
        var rows = new List<AuditTally>();
        await using (var cmd = _db.CreateCommand("""
            SELECT workflow_id, count(*), count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'passed'),
                   count(*) FILTER (WHERE status = 'failed'), max(reviewed_at)
              FROM audit_samples WHERE agent_id = $1 GROUP BY workflow_id ORDER BY workflow_id
            """))
        {
            cmd.Parameters.Add(InstanceStore.P(agentId));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows.Add(Tally(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), new Dictionary<string, CriterionTally>()));
        }
        var criteria = new Dictionary<string, Dictionary<string, CriterionTally>>(StringComparer.Ordinal);
        await using (var cmd = _db.CreateCommand("""
            SELECT s.workflow_id, c.key, count(*) FILTER (WHERE c.value = 'pass'), count(*) FILTER (WHERE c.value = 'fail')
              FROM audit_samples s, jsonb_each_text(s.results) c
             WHERE s.agent_id = $1 AND s.status IN ('passed', 'failed') AND jsonb_typeof(s.results) = 'object'
             GROUP BY 1, 2 ORDER BY 1, 2
            """))
        {
            cmd.Parameters.Add(InstanceStore.P(agentId));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                if (!criteria.TryGetValue(r.GetString(0), out var m)) criteria[r.GetString(0)] = m = new Dictionary<string, CriterionTally>(StringComparer.Ordinal);
                m[r.GetString(1)] = new CriterionTally(r.GetInt64(2), r.GetInt64(3));
            }
        }
        rows = rows.Select(t => t with { Criteria = criteria.GetValueOrDefault(t.WorkflowId!) ?? new Dictionary<string, CriterionTally>() }).ToList();
        var total = Tally(null, rows.Sum(t => t.Sampled), rows.Sum(t => t.Pending), rows.Sum(t => t.Passed), rows.Sum(t => t.Failed),
            rows.Max(t => t.LastReviewedAt), rows.SelectMany(t => t.Criteria).GroupBy(kv => kv.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new CriterionTally(g.Sum(x => x.Value.Passed), g.Sum(x => x.Value.Failed)), StringComparer.Ordinal));

        var escalations = new List<AuditEscalationView>();
        await using (var cmd = _db.CreateCommand("SELECT id, workflow_id, action, failure_rate, reviews, threshold, detail, created_at FROM audit_escalations WHERE agent_id = $1 ORDER BY created_at DESC LIMIT 100"))
        {
            cmd.Parameters.Add(InstanceStore.P(agentId));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                escalations.Add(new AuditEscalationView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetInt64(4), r.GetDouble(5),
                    r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7)));
        }
        return new AgentAuditResults(agentId, total, rows, escalations);
    }

    private static AuditTally Tally(string? workflowId, long sampled, long pending, long passed, long failed, DateTimeOffset? last, IReadOnlyDictionary<string, CriterionTally> criteria)
    {
        var reviews = passed + failed;
        return new AuditTally(workflowId, sampled, pending, reviews, passed, failed, reviews == 0 ? null : (double)passed / reviews, last, criteria);
    }

    /// <summary>Evidence of the audit protocol's schedule for readiness checkpoint 6 (detail of <c>audit-schedule</c> rows).</summary>
    public static JsonObject ScheduleEvidence(AuditRunResult? run, DateTimeOffset? nextFireAt, string cron) => new()
    {
        ["job"] = "audit-sampling",
        ["cron"] = cron,
        ["nextFireAt"] = nextFireAt?.ToString("O"),
        ["lastRun"] = run?.ToJson(),
    };
}
