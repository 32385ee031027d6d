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
/// Audit sampling at scale: seeds N agent decisions of one workflow (one <c>INSERT … SELECT generate_series</c>, so the tally
/// trigger aggregates the whole statement once; indexes built afterwards, then <c>VACUUM ANALYZE</c>), then times one sampling
/// run at rate r over the whole history (the first run's window, 30 days, end not on a tally bucket): choosing the sample and
/// recording it (<c>audit_samples</c> rows and the run row, one transaction), three attempts. Then the same with
/// stratification by agent and outcome (quotas per stratum from the tallies), a size split by agent and outcome, the tally
/// pruning after a run, the review-task creation rate for a batch of samples, and the tally trigger's cost on single-row
/// decision inserts (one connection, and eight at once; with the trigger and with it disabled).
/// The issue's bar: 1% of 10,000,000 decisions in under 2 s.
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
        Console.WriteLine($"decisions={decisions:N0} rate={rate} cores={Environment.ProcessorCount}");

        var existing = await CountAsync(cs, "SELECT count(*) FROM agent_decisions WHERE workflow_id = 'sampling-bench'");
        if (existing >= decisions)
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
        await ExecAsync(cs, """
            DROP INDEX IF EXISTS ix_agent_decisions_workflow_sample_key;
            DROP INDEX IF EXISTS ix_agent_decisions_workflow_agent_outcome_time;
            DROP INDEX IF EXISTS ix_agent_decisions_agent_time;
            DROP INDEX IF EXISTS ix_agent_decisions_instance;
            """);
        await ExecAsync(cs, """
            INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                                         confidence, rationale, outcome, input_tokens, output_tokens, cost, duration_ms, created_at)
            SELECT gen_random_uuid(), 'agent-' || (g % 4), 1, 'sampling-bench', 1, gen_random_uuid(), 'propose', 1, 'execute',
                   '{"orderId": "o"}', '{"amount": 1}', 0.9, NULL,
                   (ARRAY['done', 'done', 'done', 'done', 'done', 'done', 'low-confidence', 'low-confidence', 'failed', 'invalid-output'])[1 + (g % 10)],
                   10, 5, 0.001, 12, now() - interval '30 days' + make_interval(secs => g * (2592000.0 / $1))
              FROM generate_series(1, $1) g
            """, decisions);
        Console.WriteLine($"seed: {decisions:N0} rows in {seed.Elapsed.TotalSeconds:F1} s (tally trigger included: {await CountAsync(cs, "SELECT count(*) FROM agent_decision_tallies"):N0} tally rows)");
        var index = Stopwatch.StartNew();
        await ExecAsync(cs, """
            CREATE INDEX ix_agent_decisions_workflow_sample_key ON agent_decisions (workflow_id, sample_key) INCLUDE (created_at, agent_id, outcome, audit_result, id);
            CREATE INDEX ix_agent_decisions_workflow_agent_outcome_time ON agent_decisions (workflow_id, agent_id, outcome, created_at);
            CREATE INDEX ix_agent_decisions_agent_time ON agent_decisions (agent_id, created_at);
            CREATE INDEX ix_agent_decisions_instance ON agent_decisions (instance_id);
            """);
        await ExecAsync(cs, "VACUUM ANALYZE agent_decisions");
        await ExecAsync(cs, "VACUUM ANALYZE agent_decision_tallies");
        Console.WriteLine($"indexes + vacuum analyze: {index.Elapsed.TotalSeconds:F1} s");
        }

        var now = DateTimeOffset.UtcNow;
        var plain = new SamplingSpec { Rate = rate };
        foreach (var attempt in new[] { 1, 2, 3 })
        {
            await ExecAsync(cs, "TRUNCATE audit_samples, audit_runs");
            var sw = Stopwatch.StartNew();
            var (_, _, sampled) = await sampler.SampleAsync("sampling-bench", version, plain, now);
            Console.WriteLine($"sample rate {rate} (attempt {attempt}): {sampled:N0} of {decisions:N0} sampled and recorded in {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
        foreach (var attempt in new[] { 1, 2, 3 })
        {
            await ExecAsync(cs, "TRUNCATE audit_samples, audit_runs");
            var sw = Stopwatch.StartNew();
            var (_, _, sampled) = await sampler.SampleAsync("sampling-bench", version, new SamplingSpec { Rate = rate, StratifyBy = ["agent", "outcome"] }, now);
            Console.WriteLine($"sample rate {rate} stratified by agent and outcome (attempt {attempt}): {sampled:N0} in {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
        if (args.Get("check") is not null)
        {
            // The sample against the old definition, by brute force (counts and row_number over the whole window).
            var check = Stopwatch.StartNew();
            var mismatches = await CountAsync(cs, $"""
                WITH w AS (SELECT id, agent_id, outcome, sample_key FROM agent_decisions
                            WHERE workflow_id = 'sampling-bench' AND created_at < '{now.UtcDateTime:O}'::timestamptz AND audit_result IS NULL),
                     n AS (SELECT agent_id, outcome, count(*) AS n FROM w GROUP BY 1, 2),
                     e AS (SELECT r.id FROM (SELECT id, agent_id, outcome, row_number() OVER (PARTITION BY agent_id, outcome ORDER BY sample_key, id) AS rn FROM w) r
                             JOIN n USING (agent_id, outcome) WHERE r.rn <= ceil({rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}::numeric * n.n))
                SELECT (SELECT count(*) FROM e WHERE NOT EXISTS (SELECT 1 FROM audit_samples s WHERE s.decision_id = e.id))
                     + (SELECT count(*) FROM audit_samples s WHERE NOT EXISTS (SELECT 1 FROM e WHERE e.id = s.decision_id))
                """);
            Console.WriteLine($"check: stratified sample vs brute force (⌈r·n⌉ lowest keys per stratum): {mismatches} mismatches ({check.Elapsed.TotalSeconds:F1} s)");
        }
        var size = (int)Math.Min(int.MaxValue, Math.Ceiling(decisions * rate));
        foreach (var attempt in new[] { 1, 2 })
        {
            await ExecAsync(cs, "TRUNCATE audit_samples, audit_runs");
            var sw = Stopwatch.StartNew();
            var (_, _, sampled) = await sampler.SampleAsync("sampling-bench", version, new SamplingSpec { Size = size, StratifyBy = ["agent", "outcome"] }, now);
            Console.WriteLine($"sample size {size:N0} split by agent and outcome (attempt {attempt}): {sampled:N0} in {sw.Elapsed.TotalMilliseconds:F0} ms");
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

    private static async Task ExecAsync(string cs, string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }
}
