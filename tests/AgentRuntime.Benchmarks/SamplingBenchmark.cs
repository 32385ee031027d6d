using System.Diagnostics;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// Audit sampling at scale: seeds <c>--decisions</c> + <c>--history</c> agent decisions of one workflow, evenly over the last
/// 30 days (one <c>INSERT … SELECT generate_series</c>, so the tally trigger aggregates the whole statement once; indexes dropped
/// and rebuilt from their own definitions afterwards, then <c>VACUUM ANALYZE</c>), then times sampling runs: choosing the sample
/// and recording it (<c>audit_samples</c> rows and the run row, one transaction), at rate r, stratified by agent and outcome
/// (quotas per stratum from the tallies) and a size split by agent and outcome; the first attempt of each also reports the
/// <c>agent_decisions</c> index entries read (statistics deltas).
/// <list type="bullet">
/// <item>The first run's window: every decision (no history before it; end not on a tally bucket).</item>
/// <item>With <c>--history N</c>: the first run again after the telemetry job folded the tallies into days, then a later
/// run whose previous window ended after the N oldest decisions, so its window holds <c>--decisions</c> decisions after N of
/// history (its tallies pruned as a run prunes them). Its cost should be its window's, not the history's.</item>
/// </list>
/// <c>--check</c> compares each rate and stratified sample with the brute-force definition over its window. Then the tally
/// pruning after a run, the review-task creation rate for a batch of samples, and the tally trigger's cost on single-row
/// decision inserts (one connection, and eight at once; with the trigger and with it disabled; <c>--inserts 0</c> skips it).
/// The issue's bar: 1% of 10,000,000 decisions in under 2 s, whatever the history before them.
/// </summary>
internal static class SamplingBenchmark
{
    private const string Workflow = """
        id: sampling-bench
        owner: { name: Dana Whitfield, email: dana@example.com }
        auditProtocol:
          cron: 0 0 9 ? * MON-FRI
          sampling: { rate: 0.01 }
          reviewerRole: auditor
          criteria:
            - { id: sound, description: The decision is sound. }
        flowchart:
          nodes:
            - { id: done, type: end }
        """;

    public static async Task<int> RunAsync(Arguments args)
    {
        var decisions = args.Int("decisions", 10_000_000);
        var history = args.Int("history", 0);
        var rate = double.Parse(args.Get("rate") ?? "0.01", System.Globalization.CultureInfo.InvariantCulture);
        var tasks = args.Int("tasks", 1000);
        var cs = args.Get("connection") ?? await TestPostgres.CreateDatabaseAsync("samplingbench");
        var services = new ServiceCollection();
        services.AddAgentRuntimeEngine(o =>
        {
            o.ConnectionString = cs;
            o.RunWorkers = false;
        });
        await using var provider = services.BuildServiceProvider();
        var version = await CountAsync(cs, "SELECT count(*) FROM workflows WHERE id = 'sampling-bench'") > 0
            ? (int)await CountAsync(cs, "SELECT published_version FROM workflows WHERE id = 'sampling-bench'")
            : await EngineTestHost.PublishAsync(cs, Workflow, provider.GetRequiredService<ActivityRegistry>());
        var sampler = provider.GetRequiredService<AuditSampler>();
        var samplerDb = provider.GetRequiredService<EngineDatabase>().DataSource;
        var total = (long)decisions + history;
        Console.WriteLine($"decisions={decisions:N0} history={history:N0} rate={rate} cores={Environment.ProcessorCount}");

        var existing = await CountAsync(cs, "SELECT count(*) FROM agent_decisions WHERE workflow_id = 'sampling-bench'");
        if (existing >= total)
        {
            Console.WriteLine($"reusing {existing:N0} seeded decisions (--connection to a database seeded before)");
            // An earlier run pruned the tallies: count them again (as the migration's backfill does).
            await ExecAsync(cs, """
                DELETE FROM agent_decision_tallies WHERE workflow_id = 'sampling-bench';
                INSERT INTO agent_decision_tallies (workflow_id, bucket, agent_id, outcome, shard, n)
                SELECT workflow_id, date_bin('10 minutes', created_at, timestamptz '1970-01-01 00:00:00+00'), agent_id, outcome, 0, count(*)
                  FROM agent_decisions WHERE workflow_id = 'sampling-bench' GROUP BY 1, 2, 3, 4;
                """);
            await ExecAsync(cs, "VACUUM ANALYZE agent_decisions");
            await ExecAsync(cs, "VACUUM ANALYZE agent_decision_tallies");
        }
        else
        {
        var seed = Stopwatch.StartNew();
        // The indexes are dropped for the bulk insert and rebuilt from their own definitions afterwards (so the benchmark
        // builds whatever indexes the migrated schema has).
        var indexes = await TextsAsync(cs, "SELECT indexdef FROM pg_indexes WHERE tablename = 'agent_decisions' AND indexname LIKE 'ix\\_%' ORDER BY indexname");
        foreach (var name in await TextsAsync(cs, "SELECT indexname FROM pg_indexes WHERE tablename = 'agent_decisions' AND indexname LIKE 'ix\\_%'"))
            await ExecAsync(cs, $"DROP INDEX {name}");
        // decisions + history rows, evenly over the last 30 days, oldest first (g = 1): the first `history` of them are the
        // history (node 'history'), the rest the window that a run whose previous run ended at the first window row's bucket reads.
        await ExecAsync(cs, """
            INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                                         confidence, rationale, outcome, input_tokens, output_tokens, cost, duration_ms, created_at)
            SELECT gen_random_uuid(), 'agent-' || (g % 4), 1, 'sampling-bench', 1, gen_random_uuid(), CASE WHEN g <= $2 THEN 'history' ELSE 'propose' END, 1, 'execute',
                   '{"orderId": "o"}', '{"amount": 1}', 0.9, NULL,
                   (ARRAY['done', 'done', 'done', 'done', 'done', 'done', 'low-confidence', 'low-confidence', 'failed', 'invalid-output'])[1 + (g % 10)],
                   10, 5, 0.001, 12, now() - interval '30 days' + make_interval(secs => g * (2592000.0 / $1))
              FROM generate_series(1, $1) g
            """, total, (long)history);
        Console.WriteLine($"seed: {total:N0} rows in {seed.Elapsed.TotalSeconds:F1} s (tally trigger included: {await CountAsync(cs, "SELECT count(*) FROM agent_decision_tallies"):N0} tally rows)");
        var index = Stopwatch.StartNew();
        foreach (var ddl in indexes) await ExecAsync(cs, ddl);
        await ExecAsync(cs, "VACUUM ANALYZE agent_decisions");
        await ExecAsync(cs, "VACUUM ANALYZE agent_decision_tallies");
        Console.WriteLine($"indexes + vacuum analyze: {index.Elapsed.TotalSeconds:F1} s");
        }

        var now = DateTimeOffset.UtcNow;
        var all = await CountAsync(cs, $"SELECT count(*) FROM agent_decisions WHERE workflow_id = 'sampling-bench' AND created_at < {Sql(now)}");
        // The first run's window: every decision (there is no history before it).
        await RunScenarioAsync(cs, samplerDb, sampler, version, rate, now, null, all, "first run, all decisions", args.Get("check") is not null);

        if (history > 0)
        {
            // The first run after the telemetry job folded the never-sampled workflow's tallies into days (as it does daily).
            await ExecAsync(cs, "TRUNCATE audit_samples, audit_runs");
            var folded = await DecisionTallies.CompactUnsampledAsync(samplerDb, "sampling-bench", now, CancellationToken.None);
            await ExecAsync(cs, "VACUUM ANALYZE agent_decision_tallies");
            Console.WriteLine($"tallies folded into days: {folded:N0} rows folded");
            await TimedAsync(cs, samplerDb, sampler, version, new SamplingSpec { Rate = rate }, now, null, $"[first run, folded tallies] sample rate {rate}", 2);
            await TimedAsync(cs, samplerDb, sampler, version, new SamplingSpec { Rate = rate, StratifyBy = ["agent", "outcome"] }, now, null, $"[first run, folded tallies] sample rate {rate} stratified by agent and outcome", 2);

            // A later run: the previous run ended where the history ends; its window holds `decisions` decisions after `history`.
            var boundary = DecisionTallies.Ceiling(new DateTimeOffset(DateTime.SpecifyKind(
                (DateTime)(await ScalarAsync(cs, "SELECT max(created_at) FROM agent_decisions WHERE workflow_id = 'sampling-bench' AND node_id = 'history'"))!, DateTimeKind.Utc)));
            var inWindow = await CountAsync(cs, $"SELECT count(*) FROM agent_decisions WHERE workflow_id = 'sampling-bench' AND created_at >= {Sql(boundary)} AND created_at < {Sql(now)}");
            // Recount the tallies (the fold above), then prune them as the previous run did.
            await ExecAsync(cs, """
                DELETE FROM agent_decision_tallies WHERE workflow_id = 'sampling-bench';
                INSERT INTO agent_decision_tallies (workflow_id, bucket, agent_id, outcome, shard, n)
                SELECT workflow_id, date_bin('10 minutes', created_at, timestamptz '1970-01-01 00:00:00+00'), agent_id, outcome, 0, count(*)
                  FROM agent_decisions WHERE workflow_id = 'sampling-bench' GROUP BY 1, 2, 3, 4;
                """);
            await ExecAsync(cs, "TRUNCATE audit_samples, audit_runs");
            await PreviousRunAsync(cs, version, boundary);
            await sampler.PruneTalliesAsync("sampling-bench");
            await ExecAsync(cs, "VACUUM ANALYZE agent_decision_tallies");
            await RunScenarioAsync(cs, samplerDb, sampler, version, rate, now, boundary, inWindow, $"window after {all - inWindow:N0} decisions of history", args.Get("check") is not null);
        }

        var tallies = await CountAsync(cs, "SELECT count(*) FROM agent_decision_tallies WHERE workflow_id = 'sampling-bench'");
        var prune = Stopwatch.StartNew();
        var pruned = await sampler.PruneTalliesAsync("sampling-bench");
        Console.WriteLine($"prune tallies after the run: {pruned:N0} of {tallies:N0} rows in {prune.Elapsed.TotalMilliseconds:F0} ms (once per run; a daily run prunes a day's)");
        var definition = new WorkflowDefinition { Id = "sampling-bench", AuditProtocol = new AuditProtocolSpec { ReviewerRole = "auditor", Criteria = [new() { Id = "sound", Description = "sound" }] } };
        sampler.MaxTasksPerRun = tasks;
        var create = Stopwatch.StartNew();
        var created = await sampler.CreateReviewTasksAsync("sampling-bench", definition, definition.AuditProtocol);
        Console.WriteLine($"review tasks: {created:N0} created in {create.Elapsed.TotalSeconds:F2} s ({created / create.Elapsed.TotalSeconds:F0}/s)");

        var inserts = args.Int("inserts", 4000);
        foreach (var round in inserts > 0 ? new[] { 1, 2 } : [])
            foreach (var trigger in new[] { false, true })
                foreach (var connections in new[] { 1, 8 })
                {
                    await ExecAsync(cs, $"ALTER TABLE agent_decisions {(trigger ? "ENABLE" : "DISABLE")} TRIGGER agent_decisions_tally_insert");
                    var perSecond = await InsertRateAsync(cs, inserts, connections);
                    Console.WriteLine($"single-row decision inserts (round {round}), {connections} connection(s), tally trigger {(trigger ? "on " : "off")}: {perSecond:F0}/s");
                }
        await ExecAsync(cs, "ALTER TABLE agent_decisions ENABLE TRIGGER agent_decisions_tally_insert");
        return 0;
    }

    /// <summary>
    /// One window: [<paramref name="windowStart"/> (null: the first run, from the beginning), <paramref name="now"/>) holding
    /// <paramref name="inWindow"/> decisions. Rate, stratified rate (with --check: both compared with brute force over the
    /// window) and size split by agent and outcome, each timed; the first attempt of each also reports the
    /// <c>agent_decisions</c> index entries and table rows read (pg_stat_user_indexes / pg_stat_user_tables deltas).
    /// </summary>
    private static async Task RunScenarioAsync(string cs, NpgsqlDataSource samplerDb, AuditSampler sampler, int version, double rate, DateTimeOffset now, DateTimeOffset? windowStart,
        long inWindow, string label, bool check)
    {
        Console.WriteLine($"--- {label}: window [{(windowStart is { } s ? s.ToString("O") : "beginning")}, {now:O}) holds {inWindow:N0} decisions");
        await TimedAsync(cs, samplerDb, sampler, version, new SamplingSpec { Rate = rate }, now, windowStart, $"[{label}] sample rate {rate}", 3);
        if (check)
        {
            var c = Stopwatch.StartNew();
            var bad = await CountAsync(cs, $"""
                WITH e AS (SELECT id FROM agent_decisions WHERE workflow_id = 'sampling-bench' AND {WindowSql(windowStart, now)} AND audit_result IS NULL AND sample_key < {Sql(rate)})
                SELECT (SELECT count(*) FROM e WHERE NOT EXISTS (SELECT 1 FROM audit_samples s WHERE s.decision_id = e.id))
                     + (SELECT count(*) FROM audit_samples s WHERE NOT EXISTS (SELECT 1 FROM e WHERE e.id = s.decision_id))
                """);
            Console.WriteLine($"check: rate sample vs brute force (the window's keys below the rate): {bad} mismatches ({c.Elapsed.TotalSeconds:F1} s)");
        }
        await TimedAsync(cs, samplerDb, sampler, version, new SamplingSpec { Rate = rate, StratifyBy = ["agent", "outcome"] }, now, windowStart, $"[{label}] sample rate {rate} stratified by agent and outcome", 3);
        if (check)
        {
            // The sample against the definition, by brute force (counts and row_number over the whole window).
            var c = Stopwatch.StartNew();
            var mismatches = await CountAsync(cs, $"""
                WITH w AS (SELECT id, agent_id, outcome, sample_key FROM agent_decisions
                            WHERE workflow_id = 'sampling-bench' AND {WindowSql(windowStart, now)} AND audit_result IS NULL),
                     n AS (SELECT agent_id, outcome, count(*) AS n FROM w GROUP BY 1, 2),
                     e AS (SELECT r.id FROM (SELECT id, agent_id, outcome, row_number() OVER (PARTITION BY agent_id, outcome ORDER BY sample_key, id) AS rn FROM w) r
                             JOIN n USING (agent_id, outcome) WHERE r.rn <= ceil({Sql(rate)}::numeric * n.n))
                SELECT (SELECT count(*) FROM e WHERE NOT EXISTS (SELECT 1 FROM audit_samples s WHERE s.decision_id = e.id))
                     + (SELECT count(*) FROM audit_samples s WHERE NOT EXISTS (SELECT 1 FROM e WHERE e.id = s.decision_id))
                """);
            Console.WriteLine($"check: stratified sample vs brute force (⌈r·n⌉ lowest keys per stratum): {mismatches} mismatches ({c.Elapsed.TotalSeconds:F1} s)");
        }
        var size = (int)Math.Min(int.MaxValue, Math.Ceiling(inWindow * rate));
        await TimedAsync(cs, samplerDb, sampler, version, new SamplingSpec { Size = size, StratifyBy = ["agent", "outcome"] }, now, windowStart, $"[{label}] sample size {size:N0} split by agent and outcome", 2);
    }

    private static async Task TimedAsync(string cs, NpgsqlDataSource samplerDb, AuditSampler sampler, int version, SamplingSpec spec, DateTimeOffset now, DateTimeOffset? windowStart, string label, int attempts)
    {
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            await ExecAsync(cs, "TRUNCATE audit_samples, audit_runs");
            if (windowStart is { } s) await PreviousRunAsync(cs, version, s);
            var before = attempt == 1 ? await StableReadsAsync(cs, samplerDb, null) : default;
            var sw = Stopwatch.StartNew();
            var (_, _, sampled) = await sampler.SampleAsync("sampling-bench", version, spec, now);
            var ms = sw.Elapsed.TotalMilliseconds;
            var reads = "";
            if (attempt == 1)
            {
                var after = await StableReadsAsync(cs, samplerDb, before);
                reads = $"; agent_decisions index entries read {after.Index - before.Index:N0}, table rows read {after.Table - before.Table:N0}";
            }
            Console.WriteLine($"{label} (attempt {attempt}): {sampled:N0} sampled and recorded in {ms:F0} ms{reads}");
        }
    }

    /// <summary>The run before: its window ended at <paramref name="end"/>, where the next window starts.</summary>
    private static Task PreviousRunAsync(string cs, int version, DateTimeOffset end) => ExecAsync(cs, $"""
        INSERT INTO audit_runs (id, workflow_id, workflow_version, window_start, window_end, sampled, spec, created_at)
        VALUES (gen_random_uuid(), 'sampling-bench', {version}, timestamptz '1970-01-01 00:00:00+00', {Sql(end)}, 0, '{"{}"}', {Sql(end)})
        """);

    /// <summary>
    /// The counters once every backend has reported its reads: a backend flushes its statistics when it exits, or up to ten
    /// seconds after it goes idle; so the idle connections are closed, then the counters are read until they hold still for over a second (and, with <paramref name="changedFrom"/>, differ from it).
    /// </summary>
    private static async Task<(long Index, long Table)> StableReadsAsync(string cs, NpgsqlDataSource samplerDb, (long Index, long Table)? changedFrom)
    {
        // Idle backends report at once when they exit: the benchmark's own (its checks read the whole table) and the sampler's.
        NpgsqlConnection.ClearAllPools();
        samplerDb.Clear();
        var last = await TableReads.ReadAsync(cs, "agent_decisions");
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(1200);
            var next = await TableReads.ReadAsync(cs, "agent_decisions");
            if (next == last && next != changedFrom) break;
            last = next;
        }
        return last;
    }

    private static string WindowSql(DateTimeOffset? start, DateTimeOffset end) =>
        (start is { } s ? $"created_at >= {Sql(s)} AND " : "") + $"created_at < {Sql(end)}";

    private static string Sql(DateTimeOffset t) => $"'{t.UtcDateTime:O}'::timestamptz";

    private static string Sql(double d) => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Single-row decision inserts as the agent node writes them (one statement, autocommit, <c>now()</c>: one hot bucket), of
    /// one other workflow and one agent and outcome — the worst case for the tally rows: every insert updates the same stratum.
    /// </summary>
    private static async Task<double> InsertRateAsync(string cs, int total, int connections)
    {
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                                             confidence, rationale, outcome, input_tokens, output_tokens, cost, duration_ms, created_at)
                VALUES (gen_random_uuid(), 'agent-hot', 1, 'insert-bench', 1, gen_random_uuid(), 'propose', 1, 'execute', '{"orderId": "o"}', '{"amount": 1}',
                        0.9, NULL, 'done', 10, 5, 0.001, 12, now())
                """, conn);
            await cmd.PrepareAsync();
            for (var i = 0; i < total / connections; i++) await cmd.ExecuteNonQueryAsync();
        }));
        return total / sw.Elapsed.TotalSeconds;
    }

    private static async Task<long> CountAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<object?> ScalarAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return await cmd.ExecuteScalarAsync();
    }

    private static async Task<List<string>> TextsAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        var texts = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) texts.Add(r.GetString(0));
        return texts;
    }

    private static async Task ExecAsync(string cs, string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }
}
