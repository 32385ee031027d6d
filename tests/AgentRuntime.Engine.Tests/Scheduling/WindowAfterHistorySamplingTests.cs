using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace AgentRuntime.Engine.Tests.Scheduling;

/// <summary>
/// Tier: integration — a sampling window after a long history, on a real PostgreSQL database. Decisions are kept for ever
/// (audit evidence), so a workflow audited daily for a year has a year of decisions before each window. Why: the auditor
/// must get exactly the window's sample, none of it from earlier windows, and the run must cost about the window's own size
/// — the key-bound reads used to cover every decision of the workflow below the bound, the history's included, so each
/// daily run grew with the age of the workflow until it no longer fit its schedule. The cost is asserted without timing:
/// as the index entries and table rows PostgreSQL counts as read (pg_stat_user_indexes / pg_stat_user_tables).
/// </summary>
public sealed class WindowAfterHistorySamplingTests(ITestOutputHelper output)
{
    private const int History = 60_000;
    private const int Window = 3_000;

    [Theory]
    [InlineData(0.05, 0, "")] // a rate without strata: the window's keys below the rate
    [InlineData(0.05, 0, "agent,outcome")] // quotas per stratum from the tallies, candidates below a key bound, small strata read whole
    [InlineData(0, 150, "agent,outcome")] // a size split by agent and outcome
    public async Task A_window_after_a_long_history_samples_exactly_its_own_decisions_and_reads_about_its_own_size(double rate, int size, string stratify)
    {
        await using var host = await EngineTestHost.StartAsync("sampling-history");
        var spec = new SamplingSpec { Rate = rate > 0 ? rate : null, Size = size > 0 ? size : null, StratifyBy = stratify.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList() };
        // The previous window ended at hh:40 (windows end on ten minutes, not on the hour the index reads by): the window's
        // first hour holds 40 minutes of history. A month of history before it; a day of decisions in it; a few after its end.
        var boundary = AuditSampler.HourFloor(host.Clock.GetUtcNow().AddDays(-2)).AddMinutes(40);
        var end = boundary.AddDays(1).AddMinutes(7.5);
        await SeedAsync(host.ConnectionString, History, boundary.AddDays(-30), boundary);
        await SeedAsync(host.ConnectionString, Window, boundary, boundary.AddDays(1));
        await SeedAsync(host.ConnectionString, 40, end, end.AddMinutes(4)); // still settling when the window closed
        await host.CountAsync("VACUUM ANALYZE agent_decisions"); // statistics for the planner, as autovacuum would gather them
        var sampler = host.Services.GetRequiredService<AuditSampler>();

        // The previous run: its window is the whole history (a first run reads all of it, rightly).
        var reads = await SettledReadsAsync(host, null);
        var (_, _, previous) = await sampler.SampleAsync("audited", 1, spec, boundary);
        Assert.True(previous > 0);
        reads = await SettledReadsAsync(host, reads);

        var (runId, windowStart, sampled) = await sampler.SampleAsync("audited", 1, spec, end);
        var after = await SettledReadsAsync(host, reads);

        Assert.Equal(boundary, windowStart);
        var rows = await StratifiedSamplingTests.DecisionsAsync(host.ConnectionString);
        var expected = rate > 0 && !SamplingMath.Stratified(spec)
            ? rows.Where(r => r.CreatedAt >= boundary && r.CreatedAt < end && r.Key < rate).Select(r => r.Id).ToHashSet()
            : StratifiedSamplingTests.Reference(rows, spec, boundary, end);
        var actual = await StratifiedSamplingTests.SampledAsync(host.ConnectionString, runId);
        Assert.Equal(expected.Count, (int)sampled);
        StratifiedSamplingTests.AssertSameDecisions(expected, actual);
        var byId = rows.ToDictionary(r => r.Id);
        Assert.All(actual, id => Assert.InRange(byId[id].CreatedAt, boundary, end.AddTicks(-1))); // none from the history, none still settling

        // What the run read: about the window (its keys below the bound, its small strata, a partial tally bucket at its end,
        // the 40 minutes of history in its first hour) — not the history's keys below the bound, which alone number ~3,000
        // at 5% (the read before this change: every one of them, and more for quotas, whose bound lies above the rate).
        var historyBelowRate = rows.Count(r => r.CreatedAt < boundary && r.Key < 0.05);
        var read = after.Index - reads.Index + after.Table - reads.Table;
        output.WriteLine($"sampled {sampled} of the window's {Window}; agent_decisions entries read {after.Index - reads.Index:N0} (index) + {after.Table - reads.Table:N0} (table); history keys below 5%: {historyBelowRate:N0}");
        Assert.True(read < historyBelowRate / 2, $"the run read {read:N0} index entries and table rows: the history's keys below the bound ({historyBelowRate:N0}) are being read");
        Assert.True(read < Window, $"the run read {read:N0} index entries and table rows, more than its window holds ({Window:N0})");
    }

    /// <summary>
    /// <paramref name="count"/> decisions of workflow 'audited', evenly over [<paramref name="from"/>, <paramref name="to"/>): three
    /// agents; mostly done, some low-confidence and failed, invalid-output rare (a small stratum that quotas read whole).
    /// </summary>
    private static async Task SeedAsync(string cs, int count, DateTimeOffset from, DateTimeOffset to)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                                         confidence, rationale, outcome, input_tokens, output_tokens, cost, duration_ms, created_at)
            SELECT gen_random_uuid(), 'agent-' || (g % 3), 1, 'audited', 1, gen_random_uuid(), 'propose', 1, 'execute', '{}', '{}', 0.9, NULL,
                   CASE WHEN g % 500 = 7 THEN 'invalid-output' WHEN g % 10 < 6 THEN 'done' WHEN g % 10 < 9 THEN 'low-confidence' ELSE 'failed' END,
                   1, 1, 0, 1, $1 + ($2 - $1) * (g::float8 / $3)
              FROM generate_series(0, $3 - 1) g
            """, conn);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = to });
        cmd.Parameters.Add(new() { Value = count });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The <c>agent_decisions</c> index entries and table rows read so far, once the sampler's backends have reported theirs:
    /// a backend reports its counts when idle, up to ten seconds later, or at once when it exits — so the engine's idle
    /// connections are closed first, then the counters are read until they have moved from <paramref name="previous"/>
    /// (a sampling run always reads) and hold still. The test's own connections never read <c>agent_decisions</c> in between.
    /// </summary>
    private static async Task<(long Index, long Table)> SettledReadsAsync(EngineTestHost host, (long Index, long Table)? previous)
    {
        host.Services.GetRequiredService<EngineDatabase>().DataSource.Clear();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var last = await TableReads.ReadAsync(host.ConnectionString, "agent_decisions");
        var still = 0;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            var next = await TableReads.ReadAsync(host.ConnectionString, "agent_decisions");
            if (next != last || (previous is { } p && next == p)) (last, still) = (next, 0);
            else if (++still >= 4) return next;
        }
        throw new TimeoutException($"agent_decisions read counters did not settle (last {last}, before {previous})");
    }
}
