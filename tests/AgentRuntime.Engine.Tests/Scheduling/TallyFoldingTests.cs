using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.Scheduling;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Scheduling;

/// <summary>
/// Tier: integration — the telemetry job's housekeeping and the sampler on a real database with a manual clock.
/// Why: a workflow with no audit protocol is never sampled, so nothing pruned its decision tallies and they grew by a row per
/// ten minutes × agent × outcome × connection for ever. Folding them into days must keep the counts exact: when the workflow
/// later gets a protocol, its first run must still take exactly ⌈rate·n⌉ of each stratum.
/// </summary>
public sealed class TallyFoldingTests
{
    [Fact]
    public async Task A_never_sampled_workflows_tallies_fold_into_days_and_its_first_run_still_takes_exact_quotas()
    {
        await using var host = await EngineTestHost.StartAsync("tally-fold");
        await host.PublishAsync(AuditSamplingTests.Workflow("notify-owner", rate: 0.1));
        var now = host.Clock.GetUtcNow();
        // Three days of decisions, in many ten-minute buckets and several statements (connections), plus the last two hours.
        for (var h = 0; h < 72; h += 5)
        {
            await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-a", "done", 7, now.AddDays(-3).AddHours(h));
            await AuditSamplingTests.SeedAsync(host.ConnectionString, h % 2 == 0 ? "agent-b" : "agent-a", "failed", 3, now.AddDays(-3).AddHours(h).AddMinutes(17));
        }
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-b", "done", 11, now.AddHours(-2));
        var before = await host.CountAsync("SELECT count(*) FROM agent_decision_tallies WHERE workflow_id = 'audited'");

        var runner = host.Services.GetRequiredService<GovernanceJobRunner>();
        var result = await runner.RunAsync(GovernanceJobKinds.Telemetry, "audited", null, null, null);
        Assert.True((long)result["talliesFolded"]! > 0, result.ToJsonString());

        // Fewer rows; everything before yesterday is one row per day, agent and outcome; the sums are still the decisions.
        var after = await host.CountAsync("SELECT count(*) FROM agent_decision_tallies WHERE workflow_id = 'audited'");
        Assert.True(after < before, $"{before} rows before, {after} after");
        var cutoff = new DateTimeOffset((now - TimeSpan.FromDays(1)).UtcDateTime.Date, TimeSpan.Zero); // the start of yesterday (UTC)
        Assert.Equal(
            await host.CountAsync("SELECT count(DISTINCT ((created_at AT TIME ZONE 'UTC')::date, agent_id, outcome)) FROM agent_decisions WHERE workflow_id = 'audited' AND created_at < $1", cutoff),
            await host.CountAsync("SELECT count(*) FROM agent_decision_tallies WHERE workflow_id = 'audited' AND bucket < $1", cutoff));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM agent_decision_tallies WHERE workflow_id = 'audited' AND bucket < $1 AND shard <> $2", cutoff, DecisionTallies.CompactedShard));
        Assert.Equal(0, await host.CountAsync("""
            SELECT count(*) FROM (SELECT agent_id, outcome, count(*) AS n FROM agent_decisions WHERE workflow_id = 'audited' GROUP BY 1, 2) d
              FULL JOIN (SELECT agent_id, outcome, sum(n) AS n FROM agent_decision_tallies WHERE workflow_id = 'audited' GROUP BY 1, 2) t USING (agent_id, outcome)
             WHERE d.n IS DISTINCT FROM t.n
            """));

        // The first run (window from the beginning of time) takes exactly ⌈0.1·n⌉ of each stratum it holds.
        var run = await host.Services.GetRequiredService<AuditSampler>().RunAsync("audited");
        var expected = await ExpectedAsync(host.ConnectionString, run.WindowEnd);
        Assert.Equal(expected, run.Sampled);

        // Sampled once: its tallies are the sampler's to prune, and the job folds nothing more.
        host.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0L, (long)(await runner.RunAsync(GovernanceJobKinds.Telemetry, "audited", null, null, null))["talliesFolded"]!);
    }

    private static async Task<long> ExpectedAsync(string connectionString, DateTimeOffset windowEnd)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT coalesce(sum(ceil(n * 0.1)), 0)::bigint FROM (
              SELECT count(*) AS n FROM agent_decisions WHERE workflow_id = 'audited' AND created_at < $1 GROUP BY agent_id, outcome) s
            """, conn);
        cmd.Parameters.Add(new() { Value = windowEnd });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
