using System.Data.Common;
using AgentRuntime.Engine.Outcomes;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Dashboards;

/// <summary>
/// One bucket of a workflow's dashboard (or the whole window when <see cref="Start"/> is null). Every figure is computed
/// from the engine's own tables; a rate is null when its denominator is zero, so a chart shows "no data" rather than a
/// misleading 0 %.
/// </summary>
/// <param name="Started">Instances created in the bucket.</param>
/// <param name="Completed">Throughput: instances that completed in the bucket (by completion time).</param>
/// <param name="Failed">Instances that failed in the bucket.</param>
/// <param name="Cancelled">Instances cancelled in the bucket.</param>
/// <param name="CycleP50Seconds">Median start→completion time of the instances completed in the bucket.</param>
/// <param name="CycleP90Seconds">90th percentile of the same.</param>
/// <param name="Approvals">Human tasks of the workflow's instances decided in the bucket.</param>
/// <param name="ApprovalP50Seconds">Median task created→decided time of those.</param>
/// <param name="ApprovalP90Seconds">90th percentile of the same.</param>
/// <param name="DraftReviews">Agent drafts a human decided on in the bucket.</param>
/// <param name="DraftsEdited">… of which the human edited before approving.</param>
/// <param name="DraftsOverridden">… of which the human rejected (overrode the agent).</param>
/// <param name="EditRate">DraftsEdited / DraftReviews.</param>
/// <param name="OverrideRate">DraftsOverridden / DraftReviews.</param>
/// <param name="ShadowCompared">Shadow decisions compared with the human's decision in the bucket.</param>
/// <param name="ShadowAgreed">… of which the agent agreed.</param>
/// <param name="ShadowAgreement">ShadowAgreed / ShadowCompared.</param>
/// <param name="AuditReviewed">Agent decisions whose sampled audit review was recorded in the bucket.</param>
/// <param name="AuditPassed">… of which passed.</param>
/// <param name="AuditPassRate">AuditPassed / AuditReviewed.</param>
/// <param name="AgentCalls">Agent decisions made in the bucket.</param>
/// <param name="Cost">Sum of those decisions' cost (the agents' own currency unit, e.g. USD).</param>
public sealed record DashboardBucket(DateTimeOffset? Start, DateTimeOffset? End,
    long Started, long Completed, long Failed, long Cancelled, double? CycleP50Seconds, double? CycleP90Seconds,
    long Approvals, double? ApprovalP50Seconds, double? ApprovalP90Seconds,
    long DraftReviews, long DraftsEdited, long DraftsOverridden, double? EditRate, double? OverrideRate,
    long ShadowCompared, long ShadowAgreed, double? ShadowAgreement,
    long AuditReviewed, long AuditPassed, double? AuditPassRate,
    long AgentCalls, decimal Cost);

/// <summary>A workflow's operational figures over time: every bucket of the window (empty ones included) and the total.</summary>
public sealed record DashboardReport(string WorkflowId, DateTimeOffset From, DateTimeOffset To, string Bucket,
    DashboardBucket Summary, IReadOnlyList<DashboardBucket> Buckets);

/// <summary>
/// Computes <see cref="DashboardReport"/>s from <c>workflow_instances</c>, <c>human_tasks</c> and <c>agent_decisions</c>
/// (indexed by workflow, agent and time). The outcome-vs-target series is <see cref="OutcomeReports"/>' and is not repeated here.
/// </summary>
public static class DashboardReports
{
    // Each query returns: bucket start, GROUPING(bucket) (1 = the window's total), then its figures in a fixed order.
    private const string Instances = """
        SELECT b, GROUPING(b), count(*) FILTER (WHERE kind = 'started'), count(*) FILTER (WHERE kind = 'completed'),
               count(*) FILTER (WHERE kind = 'failed'), count(*) FILTER (WHERE kind = 'cancelled'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle) FILTER (WHERE kind = 'completed'),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY cycle) FILTER (WHERE kind = 'completed')
          FROM (SELECT date_trunc($4, created_at, 'UTC') AS b, 'started' AS kind, NULL::double precision AS cycle
                  FROM workflow_instances WHERE workflow_id = $1 AND created_at >= $2 AND created_at < $3
                UNION ALL
                SELECT date_trunc($4, completed_at, 'UTC'), status, extract(epoch FROM completed_at - created_at)::double precision
                  FROM workflow_instances
                 WHERE workflow_id = $1 AND completed_at >= $2 AND completed_at < $3 AND status IN ('completed', 'failed', 'cancelled')) x
         GROUP BY GROUPING SETS ((b), ())
        """;

    private const string Approvals = """
        SELECT b, GROUPING(b), count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency), percentile_cont(0.9) WITHIN GROUP (ORDER BY latency)
          FROM (SELECT date_trunc($4, decided_at, 'UTC') AS b, extract(epoch FROM decided_at - created_at)::double precision AS latency
                  FROM human_tasks
                 WHERE workflow_id = $1 AND instance_id IS NOT NULL AND decided_at >= $2 AND decided_at < $3) x
         GROUP BY GROUPING SETS ((b), ())
        """;

    private const string Drafts = """
        SELECT b, GROUPING(b), count(*), count(*) FILTER (WHERE human_decision = 'edited'), count(*) FILTER (WHERE human_decision = 'rejected')
          FROM (SELECT date_trunc($4, decided_at, 'UTC') AS b, human_decision
                  FROM agent_decisions
                 WHERE workflow_id = $1 AND stage = 'draft' AND human_decision IS NOT NULL AND decided_at >= $2 AND decided_at < $3) x
         GROUP BY GROUPING SETS ((b), ())
        """;

    private const string Shadow = """
        SELECT b, GROUPING(b), count(*), count(*) FILTER (WHERE agreement)
          FROM (SELECT date_trunc($4, decided_at, 'UTC') AS b, agreement
                  FROM agent_decisions
                 WHERE workflow_id = $1 AND stage = 'shadow' AND agreement IS NOT NULL AND decided_at >= $2 AND decided_at < $3) x
         GROUP BY GROUPING SETS ((b), ())
        """;

    // Audit sampling writes audit_result ('pass' / 'fail') and audited_at; rows reviewed without a time count at creation.
    private const string Audits = """
        SELECT b, GROUPING(b), count(*), count(*) FILTER (WHERE audit_result = 'pass')
          FROM (SELECT date_trunc($4, coalesce(audited_at, created_at), 'UTC') AS b, audit_result
                  FROM agent_decisions
                 WHERE workflow_id = $1 AND audit_result IS NOT NULL
                   AND coalesce(audited_at, created_at) >= $2 AND coalesce(audited_at, created_at) < $3) x
         GROUP BY GROUPING SETS ((b), ())
        """;

    private const string Costs = """
        SELECT b, GROUPING(b), count(*), coalesce(sum(cost), 0)
          FROM (SELECT date_trunc($4, created_at, 'UTC') AS b, cost
                  FROM agent_decisions WHERE workflow_id = $1 AND created_at >= $2 AND created_at < $3) x
         GROUP BY GROUPING SETS ((b), ())
        """;

    /// <summary>
    /// Aggregates the figures of <paramref name="workflowId"/> in [<paramref name="from"/>, <paramref name="to"/>) per bucket
    /// (UTC, see <see cref="OutcomeBuckets"/>), in one round trip. Every bucket of the window is returned, so a chart has no gaps.
    /// </summary>
    public static async Task<DashboardReport> QueryAsync(DbConnection connection, string workflowId, DateTimeOffset from, DateTimeOffset to,
        string bucket, CancellationToken ct = default)
    {
        if (!OutcomeBuckets.All.Contains(bucket)) throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "hour, day, week or month");
        if (connection is not NpgsqlConnection conn) throw new ArgumentException("A PostgreSQL connection is required.", nameof(connection));
        var opened = conn.State != System.Data.ConnectionState.Open;
        if (opened) await conn.OpenAsync(ct);
        try
        {
            string[] queries = [Instances, Approvals, Drafts, Shadow, Audits, Costs];
            await using var batch = new NpgsqlBatch(conn);
            foreach (var sql in queries)
            {
                var cmd = new NpgsqlBatchCommand(sql);
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workflowId });
                cmd.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                cmd.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bucket });
                batch.BatchCommands.Add(cmd);
            }

            // rows[query][bucket start or DateTimeOffset.MinValue for the total] = figures
            var rows = queries.Select(_ => new Dictionary<DateTimeOffset, object?[]>()).ToArray();
            await using (var r = await batch.ExecuteReaderAsync(ct))
            {
                for (var q = 0; q < queries.Length; q++)
                {
                    if (q > 0 && !await r.NextResultAsync(ct)) break;
                    while (await r.ReadAsync(ct))
                    {
                        var key = r.GetInt32(1) == 1 ? DateTimeOffset.MinValue : r.GetFieldValue<DateTimeOffset>(0);
                        var values = new object?[r.FieldCount - 2];
                        for (var i = 2; i < r.FieldCount; i++) values[i - 2] = r.IsDBNull(i) ? null : r.GetValue(i);
                        rows[q][key] = values;
                    }
                }
            }

            DashboardBucket Build(DateTimeOffset? start, DateTimeOffset? end)
            {
                var key = start ?? DateTimeOffset.MinValue;
                object?[] Get(int q, int n) => rows[q].TryGetValue(key, out var v) ? v : new object?[n];
                var i = Get(0, 6);
                var a = Get(1, 3);
                var d = Get(2, 3);
                var s = Get(3, 2);
                var au = Get(4, 2);
                var c = Get(5, 2);
                long drafts = L(d[0]), edited = L(d[1]), overridden = L(d[2]), compared = L(s[0]), agreed = L(s[1]), reviewed = L(au[0]), passed = L(au[1]);
                return new DashboardBucket(start, end, L(i[0]), L(i[1]), L(i[2]), L(i[3]), D(i[4]), D(i[5]),
                    L(a[0]), D(a[1]), D(a[2]),
                    drafts, edited, overridden, Ratio(edited, drafts), Ratio(overridden, drafts),
                    compared, agreed, Ratio(agreed, compared),
                    reviewed, passed, Ratio(passed, reviewed),
                    L(c[0]), c[1] is null ? 0m : Convert.ToDecimal(c[1], System.Globalization.CultureInfo.InvariantCulture));
            }

            var buckets = new List<DashboardBucket>();
            for (var s = OutcomeBuckets.Truncate(from, bucket); s < to; s = OutcomeBuckets.Next(s, bucket))
                buckets.Add(Build(s, OutcomeBuckets.Next(s, bucket)));
            var summary = Build(null, null) with { Start = from, End = to };
            return new DashboardReport(workflowId, from, to, bucket, summary, buckets);
        }
        finally
        {
            if (opened) await conn.CloseAsync();
        }
    }

    private static long L(object? v) => v is null ? 0 : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
    private static double? D(object? v) => v is null ? null : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
    private static double? Ratio(long part, long whole) => whole == 0 ? null : (double)part / whole;
}
