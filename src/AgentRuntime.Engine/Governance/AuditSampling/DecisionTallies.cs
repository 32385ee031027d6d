using AgentRuntime.Engine.Execution;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Governance.AuditSampling;

/// <summary>
/// Reads <c>agent_decision_tallies</c> (see <see cref="AgentDecisionTallyRecord"/>): the exact number of decisions per agent and
/// outcome in a sampling window, from the window's whole buckets (ten minutes; a sum over a few tally rows per bucket) plus an exact
/// count of the decisions in a partial first or last bucket (a window recorded before the tallies existed, or a caller's unaligned end),
/// read through <c>(workflow_id, agent_id, outcome, created_at)</c> — never a scan of the window.
/// </summary>
internal static class DecisionTallies
{
    /// <summary>
    /// The tally bucket: ten minutes, aligned to the Unix epoch in UTC (the trigger's <c>date_bin</c>). Ten, not one: a 30-day
    /// window sums ten times fewer rows (~50,000 for a dozen strata, at any decision rate), for a window end at most ten
    /// minutes earlier; a partial bucket (an unaligned window edge) is counted from at most ten minutes of decisions.
    /// </summary>
    public static readonly TimeSpan Bucket = TimeSpan.FromMinutes(10);

    /// <summary>A window's decisions of one agent with one outcome.</summary>
    public sealed record Cell(string AgentId, string Outcome, long Count);

    /// <summary>The SQL of the bucket holding <paramref name="expression"/> (a timestamptz).</summary>
    public static string BucketSql(string expression) => $"date_bin('10 minutes', {expression}, timestamptz '1970-01-01 00:00:00+00')";

    /// <summary>The start of the bucket holding <paramref name="t"/> (UTC).</summary>
    public static DateTimeOffset Floor(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var floor = ticks - (((ticks % Bucket.Ticks) + Bucket.Ticks) % Bucket.Ticks);
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + floor, TimeSpan.Zero);
    }

    /// <summary>The first bucket start at or after <paramref name="t"/> (UTC).</summary>
    public static DateTimeOffset Ceiling(DateTimeOffset t)
    {
        var floor = Floor(t);
        return floor == t ? floor : floor + Bucket;
    }

    /// <summary>The window [<paramref name="start"/>, <paramref name="end"/>)'s non-empty (agent, outcome) cells, in one snapshot of <paramref name="tx"/>.</summary>
    public static async Task<List<Cell>> CountAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string workflowId, DateTimeOffset start, DateTimeOffset end,
        int timeoutSeconds, CancellationToken ct)
    {
        var counts = new Dictionary<(string Agent, string Outcome), long>();
        if (end <= start) return [];
        start = start.ToUniversalTime();
        end = end.ToUniversalTime();
        // Whole buckets [first, last); partial ones at either edge are counted from the decisions themselves.
        var first = Ceiling(start);
        var last = Floor(end);
        var edges = new List<(DateTimeOffset From, DateTimeOffset To)>();
        if (first < last)
        {
            if (start < first) edges.Add((start, first));
            if (last < end) edges.Add((last, end));
        }
        else
        {
            (first, last) = (start, start); // no whole bucket: the window is counted row by row (at most two buckets of decisions)
            edges.Add((start, end));
        }

        var edgeAgents = new HashSet<string>(StringComparer.Ordinal);
        var edgeOutcomes = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("""
            SELECT agent_id, outcome, coalesce(sum(n) FILTER (WHERE bucket >= $3 AND bucket < $4), 0)::bigint, bool_or(bucket < $3 OR bucket >= $4)
              FROM agent_decision_tallies WHERE workflow_id = $1 AND bucket >= $2 AND bucket < $5
             GROUP BY agent_id, outcome
            """, conn, tx) { CommandTimeout = timeoutSeconds })
        {
            cmd.Parameters.Add(InstanceStore.P(workflowId));
            cmd.Parameters.Add(InstanceStore.P(Floor(start)));
            cmd.Parameters.Add(InstanceStore.P(first));
            cmd.Parameters.Add(InstanceStore.P(last));
            cmd.Parameters.Add(InstanceStore.P(Ceiling(end)));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var (agent, outcome) = (r.GetString(0), r.GetString(1));
                counts[(agent, outcome)] = r.GetInt64(2);
                if (r.GetBoolean(3))
                {
                    edgeAgents.Add(agent);
                    edgeOutcomes.Add(outcome);
                }
            }
        }

        if (edgeAgents.Count > 0)
        {
            foreach (var (from, to) in edges)
            {
                await using var cmd = new NpgsqlCommand("""
                    SELECT d.agent_id, d.outcome, count(*) FROM agent_decisions d
                     WHERE d.workflow_id = $1 AND d.agent_id = ANY($4) AND d.outcome = ANY($5) AND d.created_at >= $2 AND d.created_at < $3 AND d.audit_result IS NULL
                     GROUP BY 1, 2
                    """, conn, tx) { CommandTimeout = timeoutSeconds };
                cmd.Parameters.Add(InstanceStore.P(workflowId));
                cmd.Parameters.Add(InstanceStore.P(from));
                cmd.Parameters.Add(InstanceStore.P(to));
                cmd.Parameters.Add(new NpgsqlParameter { Value = edgeAgents.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter { Value = edgeOutcomes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    var key = (r.GetString(0), r.GetString(1));
                    counts[key] = counts.GetValueOrDefault(key) + r.GetInt64(2);
                }
            }
        }
        return counts.Where(c => c.Value > 0).Select(c => new Cell(c.Key.Agent, c.Key.Outcome, c.Value)).ToList();
    }

    /// <summary>
    /// The strata of a spec (agent and/or outcome; one stratum when neither) from the window's cells, in ordinal order of
    /// (agent, outcome) — the order <see cref="SamplingMath.Quotas"/> breaks a size's ties in, so a run is reproducible.
    /// </summary>
    public static List<Stratum> Strata(IEnumerable<Cell> cells, bool byAgent, bool byOutcome) =>
        cells.GroupBy(c => (Agent: byAgent ? c.AgentId : null, Outcome: byOutcome ? c.Outcome : null))
            .Select(g => new Stratum(g.Key.Agent, g.Key.Outcome, g.Sum(c => c.Count)))
            .OrderBy(s => s.AgentId ?? "", StringComparer.Ordinal).ThenBy(s => s.Outcome ?? "", StringComparer.Ordinal)
            .ToList();

    /// <summary>Relative cost of reading one decision of a small stratum in full (index + heap, then sorted) against one
    /// entry of the candidate range scan (index only, in key order).</summary>
    private const double TopUpCostPerRow = 10;

    /// <summary>
    /// The candidate key bound T. A stratum of n with quota q finds its quota below T with near certainty when
    /// T ≥ (q + 4√q + 8) / n (four standard deviations of the binomial count, plus a little); one that does not is read in full
    /// (correct either way: the bound only decides the cost). T is chosen to minimise the decisions read: the window's n·T
    /// candidates against the strata left to read in full (a stratum whose at-least-one quota needs T near 1 is cheaper read
    /// whole, as long as it is small).
    /// </summary>
    /// <summary>The key bound below which a stratum of <paramref name="n"/> holds its quota <paramref name="quota"/> with near certainty.</summary>
    public static double Need(long quota, long n) =>
        quota >= n ? 1.0 : Math.Min(1.0, (quota + 4 * Math.Sqrt(quota) + 8) / n);

    public static double CandidateThreshold(IReadOnlyList<Stratum> strata, IReadOnlyList<long> quotas)
    {
        var total = (double)strata.Sum(s => s.Count);
        var needs = new List<(double T, long N)>();
        for (var i = 0; i < strata.Count; i++)
        {
            if (quotas[i] <= 0) continue;
            needs.Add((Need(quotas[i], strata[i].Count), strata[i].Count));
        }
        needs.Sort((a, b) => a.T.CompareTo(b.T));
        // Cost of T = needs[k].T: every stratum up to k is served by candidates, the rest are read in full.
        var fullAbove = new double[needs.Count + 1];
        for (var k = needs.Count - 1; k >= 0; k--) fullAbove[k] = fullAbove[k + 1] + needs[k].N;
        var (best, bestCost) = (0.0, TopUpCostPerRow * fullAbove[0]);
        for (var k = 0; k < needs.Count; k++)
        {
            var cost = total * needs[k].T + TopUpCostPerRow * fullAbove[k + 1];
            if (cost < bestCost) (best, bestCost) = (needs[k].T, cost);
        }
        return best;
    }
    /// <summary>The shard of rows folded into a day by <see cref="CompactUnsampledAsync"/> (backend pids are positive; the migration's backfill used 0).</summary>
    public const int CompactedShard = -1;

    /// <summary>
    /// Folds the ten-minute tallies of a workflow that has never been sampled into one row per UTC day, agent and outcome, for
    /// whole days before the day of <paramref name="now"/> minus one day. Without it a workflow with no audit protocol
    /// would keep a row per ten minutes × agent × outcome × inserting backend for ever. Counting stays exact: a workflow's first
    /// window starts at the beginning of time and so holds every folded day whole; once it has a run, nothing of it is folded
    /// (each run prunes what lies before its window end instead). Called by the per-workflow telemetry job. Returns the rows folded.
    /// </summary>
    public static async Task<long> CompactUnsampledAsync(NpgsqlDataSource db, string workflowId, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("""
            WITH folded AS (
              DELETE FROM agent_decision_tallies t
               WHERE t.workflow_id = $1 AND t.bucket < date_bin('1 day', $2, timestamptz '1970-01-01 00:00:00+00') AND t.shard <> $3
                 AND NOT EXISTS (SELECT 1 FROM audit_runs r WHERE r.workflow_id = $1)
              RETURNING t.bucket, t.agent_id, t.outcome, t.n),
            days AS (
              INSERT INTO agent_decision_tallies AS t (workflow_id, bucket, agent_id, outcome, shard, n)
              SELECT $1, date_bin('1 day', bucket, timestamptz '1970-01-01 00:00:00+00'), agent_id, outcome, $3, sum(n) FROM folded GROUP BY 2, 3, 4
              ON CONFLICT (workflow_id, bucket, agent_id, outcome, shard) DO UPDATE SET n = t.n + excluded.n)
            SELECT count(*) FROM folded
            """);
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        cmd.Parameters.Add(InstanceStore.P(now - TimeSpan.FromDays(1)));
        cmd.Parameters.Add(InstanceStore.P(CompactedShard));
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
