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
/// <b>The window</b> is [previous run's end, now − <see cref="SettleDelay"/> floored to ten minutes, the tally bucket). Each decision carries a
/// uniform <c>sample_key</c> drawn when it was written; a sample is always "the lowest keys", so it is reproducible and unbiased.
/// </para>
/// <para>
/// <b>A rate without strata</b> takes every decision whose key is below the rate — an index-only scan of
/// <c>ix_agent_decisions_workflow_hour_sample_key</c>, <c>(workflow_id, hour of created_at, sample_key)</c> including the window
/// and stratum columns, one key range [0, rate) per hour of the window (<see cref="HourSql"/>, <see cref="WindowHoursAsync"/>):
/// 1% of ten million decisions reads one hundredth of the window's index entries plus one descent per hour, and never the
/// workflow's history before the window (decisions are kept for ever, as audit evidence: a daily run over a year of them
/// reads a day's entries, not a year's). Read in excess, and dropped by the window's time range: the part of its first hour
/// before its start (at most fifty minutes, already sampled) and of its last hour after its end (the few minutes written since).
/// </para>
/// <para>
/// <b>Quotas</b> (a size, or stratification by agent and/or outcome; see <see cref="SamplingMath"/>) take exactly each stratum's
/// quota of its lowest <c>(sample_key, id)</c> in the window, without counting or sorting the window (which took ~40 s for ten
/// million decisions): the strata sizes come from <c>agent_decision_tallies</c>, kept by a statement trigger on
/// <c>agent_decisions</c> per workflow, agent, outcome and ten minutes (<see cref="DecisionTallies"/>); the sample comes from the
/// decisions whose key is a little above the fraction needed (read per hour of the window, as the rate is), ranked per stratum, and a stratum short of its quota there (a
/// small one, whose at-least-one review needs far more than the fraction) is read whole through
/// <c>(workflow_id, agent_id, outcome, created_at)</c>. Counts, candidates and top-ups read one REPEATABLE READ snapshot.
/// </para>
/// <para>
/// <b>Once only.</b> The samples land in <c>audit_samples</c>, whose key is the decision id (<c>ON CONFLICT DO NOTHING</c>): a
/// decision is never sampled twice, and the run row, its window and its samples commit together under a per-workflow advisory
/// lock (taken before the transaction, so a second run's snapshot sees the first run's window). After a run, the workflow's
/// tallies before its window end are deleted (no later window reads them).
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

        // Whole tally buckets (ten minutes): the window's strata sizes are then sums of whole buckets, no partial one to count
        // (the window closes at most ten minutes earlier; what is left is the next run's).
        var end = DecisionTallies.Floor(now - SettleDelay);
        var (runId, start, sampled) = await SampleAsync(workflowId, version, protocol.Sampling, end, ct);
        await PruneTalliesAsync(workflowId, ct);
        var created = await CreateReviewTasksAsync(workflowId, definition, protocol, ct);
        return new AuditRunResult(workflowId, runId, start, end < start ? start : end, sampled, created);
    }

    /// <summary>
    /// Samples [previous run's end, <paramref name="now"/>) and records the run; returns the run id, window start and count.
    /// Any <paramref name="now"/> works (an unaligned window end costs one exact count of its partial tally bucket); <see cref="RunAsync"/>
    /// passes whole buckets. Tallies are not pruned here (see <see cref="PruneTalliesAsync"/>).
    /// </summary>
    public async Task<(Guid RunId, DateTimeOffset WindowStart, long Sampled)> SampleAsync(string workflowId, int version, SamplingSpec spec, DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await using var conn = await _db.OpenConnectionAsync(ct);
        // The per-workflow lock is taken before the transaction (a session lock) so that the transaction's snapshot, taken
        // at its first statement, already sees the previous holder's run and samples. The transaction is REPEATABLE READ:
        // the strata sizes, the candidates and the top-ups all read one snapshot, so each quota is computed from exactly the
        // population it is drawn from, even while decisions commit.
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext('audit-sampling:' || $1))", conn) { CommandTimeout = StatementTimeoutSeconds })
        {
            lockCmd.Parameters.Add(InstanceStore.P(workflowId));
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        try
        {
            return await SampleLockedAsync(conn, workflowId, version, spec, now, ct);
        }
        finally
        {
            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('audit-sampling:' || $1))", conn);
                unlock.Parameters.Add(InstanceStore.P(workflowId));
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // A broken connection: its session, and so the lock, is gone with it.
            }
        }
    }

    private async Task<(Guid RunId, DateTimeOffset WindowStart, long Sampled)> SampleLockedAsync(NpgsqlConnection conn, string workflowId, int version, SamplingSpec spec, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
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
        var hours = await WindowHoursAsync(conn, tx, workflowId, start, now, ct);
        if (spec.Rate is { } rate && !SamplingMath.Stratified(spec))
        {
            sampled = hours.Length == 0 ? 0 : await ExecAsync(conn, tx, $"""
                INSERT INTO audit_samples (decision_id, run_id, workflow_id, agent_id, outcome, status, sampled_at)
                SELECT d.id, $4, d.workflow_id, d.agent_id, d.outcome, 'pending', $6 FROM agent_decisions d
                 WHERE {Population} AND {HourSql("d.created_at")} = ANY($7) AND d.sample_key < $5
                ON CONFLICT (decision_id) DO NOTHING
                """, ct, workflowId, start, now, runId, rate, now, Hours(hours));
        }
        else
        {
            // Quotas: a size without strata is one stratum of min(size, n).
            sampled = await SampleQuotasAsync(conn, tx, workflowId, spec, start, now, runId, hours, ct);
        }
        await ExecAsync(conn, tx, "UPDATE audit_runs SET sampled = $2 WHERE id = $1", ct, runId, sampled);
        await tx.CommitAsync(ct);
        return (runId, start, sampled);
    }

    /// <summary>
    /// Quota sampling without counting or sorting the window: the lowest <c>(sample_key, id)</c> of each stratum, exactly its quota.
    /// <list type="number">
    /// <item>Strata sizes from <c>agent_decision_tallies</c> (whole ten-minute buckets) plus an exact count of a partial first or last bucket.</item>
    /// <item>Quotas from <see cref="SamplingMath.Quotas"/>, and a key bound T (<see cref="DecisionTallies.CandidateThreshold"/>).</item>
    /// <item>One statement. The candidates are the window's decisions with <c>sample_key &lt; T</c> (the <c>(workflow_id, hour,
    /// sample_key)</c> index, one key range per hour of the window: a little more than the fraction needed), ranked per stratum; a stratum holding at least its quota of
    /// candidates takes its lowest — every other decision of the stratum has a key ≥ T, so these are its lowest overall. A small
    /// stratum, whose at-least-one quota needs far more than T, is read whole through <c>(workflow_id, agent_id, outcome,
    /// created_at)</c>, <c>ORDER BY sample_key, id LIMIT quota</c>. The statement returns what it took per stratum.</item>
    /// <item>A large stratum that, by bad luck, holds fewer candidates than its quota took nothing: it is read whole in a second
    /// statement (rare: T leaves four standard deviations of room).</item>
    /// </list>
    /// </summary>
    private static async Task<long> SampleQuotasAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string workflowId, SamplingSpec spec,
        DateTimeOffset start, DateTimeOffset end, Guid runId, DateTimeOffset[] hours, CancellationToken ct)
    {
        var byAgent = SamplingMath.ByAgent(spec);
        var byOutcome = SamplingMath.ByOutcome(spec);
        var cells = await DecisionTallies.CountAsync(conn, tx, workflowId, start, end, StatementTimeoutSeconds, ct);
        var strata = DecisionTallies.Strata(cells, byAgent, byOutcome);
        var quotas = SamplingMath.Quotas(spec, strata);
        if (quotas.Sum() == 0) return 0;

        // Sorting ~1.05 × the sample by stratum and key: in memory, not in temporary files.
        await ExecAsync(conn, tx, "SET LOCAL work_mem = '64MB'", ct);
        var threshold = DecisionTallies.CandidateThreshold(strata, quotas);
        var wanted = Enumerable.Range(0, strata.Count).Where(i => quotas[i] > 0).ToList();
        var readWhole = wanted.Where(i => DecisionTallies.Need(quotas[i], strata[i].Count) > threshold).ToList();
        var fromCandidates = threshold > 0 ? wanted.Except(readWhole).ToList() : [];
        var taken = await InsertQuotasAsync(conn, tx, workflowId, byAgent, byOutcome, start, end, runId, threshold, fromCandidates, readWhole, strata, quotas, cells, hours, ct);
        var unlucky = fromCandidates.Where(i => taken.GetValueOrDefault(StratumKey(strata[i].AgentId, strata[i].Outcome)) < quotas[i]).ToList();
        if (unlucky.Count > 0)
            await InsertQuotasAsync(conn, tx, workflowId, byAgent, byOutcome, start, end, runId, 0, [], unlucky, strata, quotas, cells, hours, ct);
        return await CountSamplesAsync(conn, tx, runId, unlucky.Count > 0 ? null : taken.Values.Sum(), ct);
    }

    /// <summary>Inserts the samples of <paramref name="fromCandidates"/> (ranked below <paramref name="threshold"/>; a stratum
    /// short of its quota there takes nothing) and of <paramref name="readWhole"/>; returns the samples taken per stratum key.</summary>
    private static async Task<Dictionary<string, long>> InsertQuotasAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string workflowId, bool byAgent, bool byOutcome,
        DateTimeOffset start, DateTimeOffset end, Guid runId, double threshold, List<int> fromCandidates, List<int> readWhole,
        List<Stratum> strata, long[] quotas, List<DecisionTallies.Cell> cells, DateTimeOffset[] hours, CancellationToken ct)
    {
        var agentKey = byAgent ? "d.agent_id" : "NULL::text";
        var outcomeKey = byOutcome ? "d.outcome::text" : "NULL::text";
        var agentMatch = byAgent ? "d.agent_id = s.a" : "d.agent_id = ANY($11)";
        var outcomeMatch = byOutcome ? "d.outcome = s.o" : "d.outcome = ANY($12)";
        var candidates = fromCandidates.Count == 0 ? "" : $"""
            SELECT c.id, $4, c.workflow_id, c.agent_id, c.outcome, 'pending', $10
              FROM (SELECT d.id, d.workflow_id, d.agent_id, d.outcome, d.k, row_number() OVER w AS rn, count(*) OVER (PARTITION BY d.k) AS have
                      FROM (SELECT d.id, d.workflow_id, d.agent_id, d.outcome, d.sample_key,
                                   (coalesce({agentKey}, '') || chr(31) || coalesce({outcomeKey}, '')) COLLATE "C" AS k
                              FROM agent_decisions d WHERE {Population} AND {HourSql("d.created_at")} = ANY($14) AND d.sample_key < $9) d
                    WINDOW w AS (PARTITION BY d.k ORDER BY d.sample_key, d.id)) c
              JOIN unnest($5::text[], $8::bigint[]) AS q(k, n) ON q.k = c.k
             WHERE c.rn <= q.n AND c.have >= q.n
            """;
        var whole = readWhole.Count == 0 ? "" : $"""
            SELECT t.id, $4, t.workflow_id, t.agent_id, t.outcome, 'pending', $10
              FROM unnest($6::text[], $7::text[], $13::bigint[]) AS s(a, o, n) CROSS JOIN LATERAL (
                SELECT d.id, d.workflow_id, d.agent_id, d.outcome FROM agent_decisions d
                 WHERE {Population} AND {agentMatch} AND {outcomeMatch}
                 ORDER BY d.sample_key, d.id LIMIT s.n) t
            """;
        await using var insert = new NpgsqlCommand($"""
            WITH taken AS (
              INSERT INTO audit_samples (decision_id, run_id, workflow_id, agent_id, outcome, status, sampled_at)
              {candidates}
              {(candidates.Length > 0 && whole.Length > 0 ? "UNION ALL" : "")}
              {whole}
              ON CONFLICT (decision_id) DO NOTHING
              RETURNING agent_id, outcome)
            SELECT {agentKey.Replace("d.", "", StringComparison.Ordinal)}, {outcomeKey.Replace("d.", "", StringComparison.Ordinal)}, count(*) FROM taken GROUP BY 1, 2
            """, conn, tx) { CommandTimeout = StatementTimeoutSeconds };
        NpgsqlParameter Texts(IEnumerable<string?> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
        NpgsqlParameter Longs(IEnumerable<long> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
        insert.Parameters.Add(InstanceStore.P(workflowId));
        insert.Parameters.Add(InstanceStore.P(start));
        insert.Parameters.Add(InstanceStore.P(end));
        insert.Parameters.Add(InstanceStore.P(runId));
        insert.Parameters.Add(Texts(fromCandidates.Select(i => StratumKey(strata[i].AgentId, strata[i].Outcome))));
        insert.Parameters.Add(Texts(readWhole.Select(i => strata[i].AgentId)));
        insert.Parameters.Add(Texts(readWhole.Select(i => strata[i].Outcome)));
        insert.Parameters.Add(Longs(fromCandidates.Select(i => quotas[i])));
        insert.Parameters.Add(new NpgsqlParameter { Value = threshold, NpgsqlDbType = NpgsqlDbType.Double });
        insert.Parameters.Add(InstanceStore.P(end));
        insert.Parameters.Add(Texts(cells.Select(c => c.AgentId).Distinct()));
        insert.Parameters.Add(Texts(cells.Select(c => c.Outcome).Distinct()));
        insert.Parameters.Add(Longs(readWhole.Select(i => quotas[i])));
        insert.Parameters.Add(Hours(hours));
        var taken = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var r = await insert.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            taken[StratumKey(r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1))] = r.GetInt64(2);
        return taken;
    }

    private static async Task<long> CountSamplesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid runId, long? known, CancellationToken ct)
    {
        if (known is { } n) return n;
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM audit_samples WHERE run_id = $1", conn, tx);
        cmd.Parameters.Add(InstanceStore.P(runId));
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Deletes the workflow's decision tallies of buckets wholly before its last run's window end: no later window reads them
    /// (windows start where the last one ended). <see cref="RunAsync"/> calls it after each run.
    /// </summary>
    public async Task<long> PruneTalliesAsync(string workflowId, CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand($"""
            DELETE FROM agent_decision_tallies
             WHERE workflow_id = $1 AND bucket < (SELECT {DecisionTallies.BucketSql("max(window_end)")} FROM audit_runs WHERE workflow_id = $1)
            """);
        cmd.CommandTimeout = StatementTimeoutSeconds;
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string StratumKey(string? agent, string? outcome) => (agent ?? "") + "\u001f" + (outcome ?? "");

    /// <summary>
    /// The window's population: this workflow's decisions in [$2, $3) not yet reviewed. No anti-join against
    /// <c>audit_samples</c>: windows never overlap, and the primary key with <c>ON CONFLICT DO NOTHING</c> is what guarantees
    /// once-only (an anti-join inside the INSERT re-reads the table it is filling, row by row: quadratic at 100,000 samples).
    /// (Only sampled decisions get an <c>audit_result</c>, and they lie in earlier windows: the strata tallies, which count
    /// every decision, count exactly this population.)
    /// </summary>
    internal const string Population = """
        d.workflow_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND d.audit_result IS NULL
        """;

    /// <summary>
    /// The hour (UTC, aligned to the Unix epoch) of a decision's <c>created_at</c>: the second key column of
    /// <c>ix_agent_decisions_workflow_hour_sample_key</c> (migration <c>AuditSamplingWindowIndex</c>). It must stay this very
    /// expression: the planner uses an expression index only for the expression it was built on, and would otherwise read the
    /// workflow's whole history. An hour, not the tallies' ten minutes: six times fewer descents for a long window (a first run
    /// over years of decisions), for at most fifty minutes of already-sampled decisions read before a window's start.
    /// </summary>
    internal static string HourSql(string createdAt) => $"date_bin('1 hour', {createdAt}, timestamptz '1970-01-01 00:00:00+00')";

    /// <summary>The start of the hour holding <paramref name="t"/> (UTC), as <see cref="HourSql"/> computes it.</summary>
    internal static DateTimeOffset HourFloor(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var hour = TimeSpan.TicksPerHour;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ticks - (((ticks % hour) + hour) % hour), TimeSpan.Zero);
    }

    /// <summary>
    /// Every hour that can hold a decision of the window [<paramref name="start"/>, <paramref name="end"/>): from the hour of
    /// the workflow's first decision at or after <paramref name="start"/>'s hour (one index descent; a first run's window starts
    /// at the Unix epoch, decades before any decision) up to <paramref name="end"/>. Derived from the decisions themselves, not
    /// from the tallies (which a workflow never sampled keeps folded into days): a key-bound read restricted to these hours
    /// reads exactly the window's population, plus the parts of its first and last hours outside it, which
    /// <see cref="Population"/>'s time range then drops. An hour without decisions costs one empty descent (~10 µs): a year's
    /// first window, 8,760 of them.
    /// </summary>
    internal static async Task<DateTimeOffset[]> WindowHoursAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string workflowId, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        if (end <= start) return [];
        await using var cmd = new NpgsqlCommand($"""
            SELECT min({HourSql("created_at")}) FROM agent_decisions WHERE workflow_id = $1 AND {HourSql("created_at")} >= $2
            """, conn, tx) { CommandTimeout = StatementTimeoutSeconds };
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        cmd.Parameters.Add(InstanceStore.P(HourFloor(start)));
        DateTimeOffset? first = await cmd.ExecuteScalarAsync(ct) switch
        {
            DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)), // timestamptz reads as a UTC DateTime
            DateTimeOffset t => t.ToUniversalTime(),
            _ => null, // no decision at or after the window's first hour
        };
        var hours = new List<DateTimeOffset>();
        for (var h = first; h < end; h += TimeSpan.FromHours(1)) hours.Add(h.Value);
        return [.. hours];
    }

    private static NpgsqlParameter Hours(DateTimeOffset[] hours) => new() { Value = hours, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    /// <summary>Sampling statements run in a background job: allowed far longer than an API request's.</summary>
    internal const int StatementTimeoutSeconds = 600;

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
        foreach (var a in args) cmd.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a });
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
