using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Scheduling;

/// <summary>
/// Tier: integration — quota sampling (a size, or strata by agent and/or outcome) on a real PostgreSQL database. The sampler
/// no longer counts or sorts the window: strata sizes come from the decision tallies kept by a trigger, and each stratum's
/// sample from the decisions below a key bound, topped up per stratum. Why: an auditor must get exactly the sample the
/// protocol defines — for each stratum, its quota (⌈r·n⌉, or its share of the size) of the lowest sample keys in the window —
/// whatever the strata look like (tiny ones, unlucky keys), whatever the window's edges (a run recorded before the tallies,
/// an end inside a tally bucket), and however many engine connections write decisions at once.
/// </summary>
public sealed class StratifiedSamplingTests
{
    internal sealed record Row(Guid Id, string Agent, string Outcome, double Key, DateTimeOffset CreatedAt);

    /// <summary>Many strata, from thousands of decisions to one, interleaved in time over ~50 minutes from <paramref name="t0"/>.</summary>
    private static async Task SeedManyStrataAsync(string cs, DateTimeOffset t0)
    {
        await AuditSamplingTests.SeedAsync(cs, "agent-a", "done", 3000, t0);
        await AuditSamplingTests.SeedAsync(cs, "agent-a", "low-confidence", 600, t0.AddSeconds(100.5));
        await AuditSamplingTests.SeedAsync(cs, "agent-b", "done", 1200, t0.AddSeconds(7.25));
        await AuditSamplingTests.SeedAsync(cs, "agent-b", "failed", 3, t0.AddSeconds(500));
        await AuditSamplingTests.SeedAsync(cs, "agent-c", "done", 80, t0.AddSeconds(50));
        await AuditSamplingTests.SeedAsync(cs, "agent-c", "invalid-output", 1, t0.AddSeconds(2000));
        await AuditSamplingTests.SeedAsync(cs, "agent-d", "failed", 7, t0.AddSeconds(10));
        await AuditSamplingTests.SeedAsync(cs, "agent-e", "done", 1, t0.AddSeconds(1499.9));
        await AuditSamplingTests.SeedAsync(cs, "agent-e", "low-confidence", 2, t0.AddSeconds(1500.1));
    }

    internal static async Task<List<Row>> DecisionsAsync(string cs)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, agent_id, outcome, sample_key, created_at FROM agent_decisions WHERE workflow_id = 'audited'", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await r.ReadAsync()) rows.Add(new Row(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetFieldValue<DateTimeOffset>(4)));
        return rows;
    }

    internal static void AssertSameDecisions(HashSet<Guid> expected, HashSet<Guid> actual)
    {
        Assert.Empty(expected.Except(actual)); // a decision the protocol's sample holds was not sampled
        Assert.Empty(actual.Except(expected)); // a decision was sampled that the protocol's sample does not hold
    }

    internal static async Task<HashSet<Guid>> SampledAsync(string cs, Guid runId)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT decision_id FROM audit_samples WHERE run_id = $1", conn);
        cmd.Parameters.Add(new() { Value = runId });
        await using var r = await cmd.ExecuteReaderAsync();
        var ids = new HashSet<Guid>();
        while (await r.ReadAsync()) ids.Add(r.GetGuid(0));
        return ids;
    }

    /// <summary>
    /// The reference, by brute force in C#: the window's decisions grouped into strata (ordered by agent, then outcome, as the
    /// sampler orders them for the size split's ties), quotas from <see cref="SamplingMath"/>, then each stratum's lowest
    /// (sample_key, id) — ids compared as PostgreSQL compares uuids (their text, byte by byte).
    /// </summary>
    internal static HashSet<Guid> Reference(IEnumerable<Row> rows, SamplingSpec spec, DateTimeOffset start, DateTimeOffset end)
    {
        var byAgent = SamplingMath.ByAgent(spec);
        var byOutcome = SamplingMath.ByOutcome(spec);
        var strata = rows.Where(r => r.CreatedAt >= start && r.CreatedAt < end)
            .GroupBy(r => (Agent: byAgent ? r.Agent : null, Outcome: byOutcome ? r.Outcome : null))
            .OrderBy(g => g.Key.Agent ?? "", StringComparer.Ordinal).ThenBy(g => g.Key.Outcome ?? "", StringComparer.Ordinal)
            .ToList();
        var quotas = SamplingMath.Quotas(spec, strata.Select(g => new Stratum(g.Key.Agent, g.Key.Outcome, g.Count())).ToList());
        return strata.SelectMany((g, i) => g.OrderBy(r => r.Key).ThenBy(r => r.Id.ToString(), StringComparer.Ordinal).Take((int)quotas[i]))
            .Select(r => r.Id).ToHashSet();
    }

    [Theory]
    [InlineData(0.05, 0, "agent,outcome")]
    [InlineData(0.1, 0, "outcome")]
    [InlineData(0.03, 0, "agent")]
    [InlineData(0.5, 0, "agent,outcome")]
    [InlineData(0, 137, "agent,outcome")]
    [InlineData(0, 9, "agent,outcome")] // fewer than the strata: the largest strata get one each
    [InlineData(0, 60, "")]
    public async Task Each_stratum_gets_exactly_its_quota_of_its_lowest_sample_keys(double rate, int size, string stratify)
    {
        await using var host = await EngineTestHost.StartAsync("sampling-reference");
        var spec = new SamplingSpec { Rate = rate > 0 ? rate : null, Size = size > 0 ? size : null, StratifyBy = stratify.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList() };
        var t0 = host.Clock.GetUtcNow().AddDays(-2).AddSeconds(17.25);
        await SeedManyStrataAsync(host.ConnectionString, t0);
        var rows = await DecisionsAsync(host.ConnectionString);
        var sampler = host.Services.GetRequiredService<AuditSampler>();

        // Two windows, both edges inside a tally bucket (ten minutes): [epoch, t0 + 1500.5 s) then [t0 + 1500.5 s, t0 + 4000.3 s) — the second
        // starts where the first ended, mid-bucket, with decisions of that bucket on both sides (agent-e).
        DateTimeOffset[] ends = [t0.AddSeconds(1500.5), t0.AddSeconds(4000.3)];
        var start = DateTimeOffset.UnixEpoch;
        var total = 0;
        foreach (var end in ends)
        {
            var (runId, windowStart, sampled) = await sampler.SampleAsync("audited", 1, spec, end);
            Assert.Equal(start, windowStart);
            var expected = Reference(rows, spec, start, end);
            var actual = await SampledAsync(host.ConnectionString, runId);
            Assert.Equal(expected.Count, (int)sampled);
            AssertSameDecisions(expected, actual);
            total += actual.Count;
            start = end;
        }
        Assert.True(total > 0);
        // Every small stratum with a decision in a window got a review: a rate never leaves a stratum out.
        if (rate > 0 && SamplingMath.ByOutcome(spec))
            Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_samples WHERE outcome = 'invalid-output'"));
    }

    [Fact]
    public async Task A_large_stratum_whose_keys_all_lie_above_the_candidate_bound_still_gets_its_lowest_keys()
    {
        await using var host = await EngineTestHost.StartAsync("sampling-unlucky");
        var t0 = host.Clock.GetUtcNow().AddDays(-1);
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-a", "done", 2000, t0);
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-b", "done", 2000, t0);
        // agent-b's keys all in [0.6, 1): at 5%, the candidates (keys a little above 0.05) hold none of them.
        await host.CountAsync("UPDATE agent_decisions SET sample_key = 0.6 + sample_key * 0.4 WHERE agent_id = 'agent-b'");
        var rows = await DecisionsAsync(host.ConnectionString);
        var spec = new SamplingSpec { Rate = 0.05, StratifyBy = ["agent"] };

        var (runId, _, sampled) = await host.Services.GetRequiredService<AuditSampler>().SampleAsync("audited", 1, spec, host.Clock.GetUtcNow());

        Assert.Equal(200, sampled);
        AssertSameDecisions(Reference(rows, spec, DateTimeOffset.UnixEpoch, host.Clock.GetUtcNow()), await SampledAsync(host.ConnectionString, runId));
        Assert.Equal(100, await host.CountAsync("SELECT count(*) FROM audit_samples WHERE agent_id = 'agent-b'"));
    }

    [Fact]
    public async Task A_window_starting_inside_a_tally_bucket_counts_only_that_buckets_decisions_after_its_start()
    {
        // A run recorded before the tallies existed ended at 10:20:30.5; the next window starts there. Its first bucket (10:20–10:30) holds
        // 25 failed decisions before the start (already covered) and 5 after: the stratum is 5 (quota 1), not 30 (quota 3).
        await using var host = await EngineTestHost.StartAsync("sampling-legacy");
        await host.PublishAsync(AuditSamplingTests.Workflow("notify-owner", rate: 0.1));
        var legacyEnd = new DateTimeOffset(host.Clock.GetUtcNow().AddDays(-1).Date, TimeSpan.Zero).AddHours(10).AddMinutes(20).AddSeconds(30.5);
        await host.CountAsync("""
            INSERT INTO audit_runs (id, workflow_id, workflow_version, window_start, window_end, sampled, created_at)
            VALUES (gen_random_uuid(), 'audited', 1, $1, $2, 0, $2)
            """, DateTimeOffset.UnixEpoch, legacyEnd);
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-b", "failed", 25, legacyEnd.AddSeconds(-30)); // 10:20:00.5 … 10:20:24.5
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-b", "failed", 5, legacyEnd.AddSeconds(1)); // 10:20:31.5 … 10:20:35.5
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-a", "done", 95, legacyEnd.AddSeconds(-20)); // 20 before, 75 after
        var rows = await DecisionsAsync(host.ConnectionString);

        var run = await host.Services.GetRequiredService<AuditSampler>().RunAsync("audited");

        Assert.Equal(legacyEnd, run.WindowStart);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_samples WHERE outcome = 'failed'"));
        Assert.Equal(8, await host.CountAsync("SELECT count(*) FROM audit_samples WHERE outcome = 'done'")); // ⌈10% of 75⌉
        var spec = new SamplingSpec { Rate = 0.1, StratifyBy = ["agent", "outcome"] };
        AssertSameDecisions(Reference(rows, spec, legacyEnd, run.WindowEnd), await SampledAsync(host.ConnectionString, run.RunId!.Value));
    }

    [Fact]
    public async Task Tallies_stay_exact_under_concurrent_inserts_rollbacks_and_deletes_and_a_run_prunes_only_what_no_window_reads_again()
    {
        await using var host = await EngineTestHost.StartAsync("sampling-tallies");
        await host.PublishAsync(AuditSamplingTests.Workflow("notify-owner", rate: 0.1));
        var from = host.Clock.GetUtcNow().AddMinutes(-15);
        string[] agents = ["agent-a", "agent-b", "agent-c"];
        string[] outcomes = ["done", "failed"];

        // Eight connections at once, as eight engine workers: single-row inserts, three-row statements, and transactions
        // that roll back (their decisions never existed, so neither may their counts). All within ~10 minutes.
        var committed = await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            var random = new Random(worker);
            await using var conn = new NpgsqlConnection(host.ConnectionString);
            await conn.OpenAsync();
            var count = 0;
            for (var i = 0; i < 60; i++)
            {
                var rows = i % 3 == 0 ? 3 : 1;
                var rollback = i % 7 == 6;
                await using var tx = await conn.BeginTransactionAsync();
                await using (var cmd = new NpgsqlCommand("""
                    INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                                                 confidence, rationale, outcome, input_tokens, output_tokens, cost, duration_ms, created_at)
                    SELECT gen_random_uuid(), $1, 1, 'audited', 1, gen_random_uuid(), 'propose', 1, 'execute', '{}', '{}', 0.9, NULL, $2, 1, 1, 0, 1,
                           $3 + make_interval(secs => g * 7)
                      FROM generate_series(1, $4) g
                    """, conn, tx))
                {
                    cmd.Parameters.Add(new() { Value = agents[random.Next(agents.Length)] });
                    cmd.Parameters.Add(new() { Value = outcomes[random.Next(outcomes.Length)] });
                    cmd.Parameters.Add(new() { Value = from.AddSeconds(random.NextDouble() * 600) });
                    cmd.Parameters.Add(new() { Value = rows });
                    await cmd.ExecuteNonQueryAsync();
                }
                if (rollback) await tx.RollbackAsync();
                else
                {
                    await tx.CommitAsync();
                    count += rows;
                }
            }
            return count;
        }));
        Assert.Equal(committed.Sum(), await host.CountAsync("SELECT count(*) FROM agent_decisions"));
        Assert.Equal(committed.Sum(), await host.CountAsync("SELECT coalesce(sum(n), 0) FROM agent_decision_tallies"));
        Assert.Equal(0, await MismatchesAsync(host));
        Assert.True(await host.CountAsync("SELECT count(DISTINCT shard) FROM agent_decision_tallies") > 1); // the workers did not share rows

        // Deleted decisions (a retention job) leave the counts.
        await host.CountAsync("DELETE FROM agent_decisions WHERE id IN (SELECT id FROM agent_decisions ORDER BY id LIMIT 40)");
        Assert.Equal(0, await MismatchesAsync(host));

        // A run whose window ends mid-history: tallies of buckets before its end are gone, the rest still exact; the quotas
        // it took were those of the decisions in its window.
        // The run's window ends at now − 5 min = from + 5 min, inside the inserts.
        var run = await host.Services.GetRequiredService<AuditSampler>().RunAsync("audited");
        Assert.Equal(from.AddMinutes(5), run.WindowEnd); // now − 5 min = 08:55, floored to the bucket: 08:50
        var expected = await host.CountAsync("""
            SELECT coalesce(sum(ceil(0.1 * n)), 0) FROM (SELECT agent_id, outcome, count(*) AS n FROM agent_decisions WHERE created_at < $1 GROUP BY 1, 2) s
            """, run.WindowEnd);
        Assert.Equal(expected, run.Sampled);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM agent_decision_tallies WHERE bucket < $1", run.WindowEnd));
        Assert.True(await host.CountAsync("SELECT count(*) FROM agent_decision_tallies") > 0);
        Assert.Equal(0, await MismatchesAsync(host, run.WindowEnd));
    }

    /// <summary>(agent, outcome, bucket) cells where the tallies and the decisions disagree, from <paramref name="from"/> on.</summary>
    private static Task<long> MismatchesAsync(EngineTestHost host, DateTimeOffset? from = null) => host.CountAsync("""
        SELECT count(*) FROM (
          SELECT agent_id, outcome, bucket, sum(n) AS n FROM agent_decision_tallies WHERE bucket >= $1 GROUP BY 1, 2, 3 HAVING sum(n) <> 0) t
        FULL JOIN (
          SELECT agent_id, outcome, date_bin('10 minutes', created_at, timestamptz '1970-01-01 00:00:00+00') AS bucket, count(*) AS n
            FROM agent_decisions WHERE created_at >= $1 GROUP BY 1, 2, 3) d USING (agent_id, outcome, bucket)
         WHERE t.n IS DISTINCT FROM d.n
        """, from ?? DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task The_migration_counts_the_decisions_a_future_window_can_hold()
    {
        // A database from before the tallies: 'audited' was sampled up to 10:20:30.5 (a mid-bucket end), 'other' never.
        // After the migration, the tallies hold every decision from the bucket of that end on (the next window's first,
        // partial bucket is counted exactly from them), all of 'other', and nothing older of 'audited'.
        var cs = await TestPostgres.CreateEmptyDatabaseAsync();
        await using (var db = new AgentRuntimeDbContext(PersistenceSetup.OptionsFor(cs)))
            await db.GetService<IMigrator>().MigrateAsync("20261121092546_GovernanceJobs");
        var lastEnd = new DateTimeOffset(2026, 1, 4, 10, 20, 30, 500, TimeSpan.Zero);
        await AuditSamplingTests.SeedAsync(cs, "agent-a", "done", 300, lastEnd.AddMinutes(-2)); // 10:18:30.5 … 10:23:29.5
        await AuditSamplingTests.SeedAsync(cs, "agent-b", "failed", 90, lastEnd.AddSeconds(-45));
        await ScalarAsync(cs, "UPDATE agent_decisions SET workflow_id = 'other' WHERE agent_id = 'agent-b'");
        await ScalarAsync(cs, """
            INSERT INTO audit_runs (id, workflow_id, workflow_version, window_start, window_end, sampled, created_at)
            VALUES (gen_random_uuid(), 'audited', 1, $1, $2, 0, $2)
            """, DateTimeOffset.UnixEpoch, lastEnd);

        await PersistenceSetup.MigrateAsync(cs);

        var minute = new DateTimeOffset(2026, 1, 4, 10, 20, 0, TimeSpan.Zero);
        Assert.Equal(300 - 90, await ScalarAsync(cs, "SELECT sum(n) FROM agent_decision_tallies WHERE workflow_id = 'audited'")); // from 10:20:00 on
        Assert.Equal(0, await ScalarAsync(cs, "SELECT count(*) FROM agent_decision_tallies WHERE workflow_id = 'audited' AND bucket < $1", minute));
        Assert.Equal(90, await ScalarAsync(cs, "SELECT sum(n) FROM agent_decision_tallies WHERE workflow_id = 'other'"));
        Assert.Equal(0, await ScalarAsync(cs, """
            SELECT count(*) FROM (
              SELECT workflow_id, agent_id, outcome, bucket, sum(n) AS n FROM agent_decision_tallies GROUP BY 1, 2, 3, 4) t
            FULL JOIN (
              SELECT workflow_id, agent_id, outcome, date_bin('10 minutes', created_at, timestamptz '1970-01-01 00:00:00+00') AS bucket, count(*) AS n
                FROM agent_decisions WHERE workflow_id = 'other' OR created_at >= $1 GROUP BY 1, 2, 3, 4) d USING (workflow_id, agent_id, outcome, bucket)
             WHERE t.n IS DISTINCT FROM d.n
            """, minute));
        // And the trigger counts what comes next.
        await AuditSamplingTests.SeedAsync(cs, "agent-a", "done", 10, lastEnd.AddHours(1));
        Assert.Equal(300 - 90 + 10, await ScalarAsync(cs, "SELECT sum(n) FROM agent_decision_tallies WHERE workflow_id = 'audited'"));
        // A TRUNCATE of the decisions leaves no counts behind.
        await ScalarAsync(cs, "TRUNCATE agent_decisions");
        Assert.Equal(0, await ScalarAsync(cs, "SELECT count(*) FROM agent_decision_tallies"));
        // And the migration rolls back (triggers, functions, table, index) for a downgrade.
        await using (var db = new AgentRuntimeDbContext(PersistenceSetup.OptionsFor(cs)))
            await db.GetService<IMigrator>().MigrateAsync("20261121092546_GovernanceJobs");
        Assert.Equal(0, await ScalarAsync(cs, "SELECT count(*) FROM pg_class WHERE relname = 'agent_decision_tallies'"));
        Assert.Equal(0, await ScalarAsync(cs, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'agent_decisions_tally%'"));
        await AuditSamplingTests.SeedAsync(cs, "agent-a", "done", 1, lastEnd); // decisions still insert without the trigger
    }

    private static async Task<long> ScalarAsync(string cs, string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void The_candidate_bound_covers_the_large_strata_and_leaves_the_tiny_ones_to_be_read_whole()
    {
        // 1% of 1,000,000 in strata of 600,000, 399,000, 995 and 5: the bound sits a little above 1% (the two large strata find
        // their quota below it), far below the 1/5 the five-decision stratum would need.
        Stratum[] strata = [new("a", "done", 600_000), new("b", "done", 399_000), new("c", "done", 995), new("d", "failed", 5)];
        var quotas = SamplingMath.Quotas(new SamplingSpec { Rate = 0.01, StratifyBy = ["agent", "outcome"] }, strata);
        var bound = DecisionTallies.CandidateThreshold(strata, quotas);
        Assert.InRange(bound, 0.0101, 0.0115);
        // A window of only small strata: reading all its keys costs less than reading each stratum whole.
        Assert.Equal(1, DecisionTallies.CandidateThreshold([new("a", "done", 3), new("b", "done", 40)], [1, 4]));
    }
}
