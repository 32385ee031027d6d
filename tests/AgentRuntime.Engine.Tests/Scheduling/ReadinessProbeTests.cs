using AgentRuntime.Engine.Governance.Probes;
using AgentRuntime.Engine.Governance.Readiness;
using AgentRuntime.Engine.Scheduling;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Scheduling;

/// <summary>
/// Tier: integration — a real <c>sql</c> probe against a second PostgreSQL database (the "orders" system) named in
/// configuration, and readiness checkpoint 4 reading what it stored. Why: what an owner sees on the readiness page — stale
/// data turns checkpoint 4 red with the evidence (how old, against which window), fresh data turns it green; the connection
/// string never appears in the evidence.
/// </summary>
public sealed class ReadinessProbeTests
{
    private const string Workflow = """
        id: probed
        owner: { name: Dana Whitfield, email: dana@example.com }
        dataSources:
          - id: orders
            freshness: 1h
            probe:
              kind: sql
              connection: orders
              query: SELECT max(updated_at) AS last_updated, count(*) AS row_count FROM orders
              minCount: 2
              cron: 0 */15 * ? * *
        flowchart:
          nodes:
            - { id: done, type: end }
        """;

    [Fact]
    public async Task A_stale_sql_probe_turns_checkpoint_4_red_with_the_evidence_and_a_fresh_one_turns_it_green()
    {
        var orders = await TestPostgres.CreateEmptyDatabaseAsync();
        await ExecAsync(orders, "CREATE TABLE orders (id int PRIMARY KEY, updated_at timestamptz NOT NULL)");
        await using var host = await EngineTestHost.StartAsync("probe", services: s => s.AddSingleton(new ProbeOptions { Connections = { ["orders"] = orders } }));
        await host.PublishAsync(Workflow);
        var now = host.Clock.GetUtcNow();
        await ExecAsync(orders, "INSERT INTO orders VALUES (1, $1), (2, $1)", now.AddHours(-3));
        var runner = host.Services.GetRequiredService<GovernanceJobRunner>();
        var readiness = host.Services.GetRequiredService<ReadinessService>();

        Assert.Equal(CheckStatus.NotEvidenced, Check4(await readiness.EvaluateAsync("probed")).Status); // never probed

        var stale = await runner.RunAsync(GovernanceJobKinds.Probe, "probed", "orders", null, null);
        Assert.False(stale["passed"]!.GetValue<bool>());
        var red = Check4(await readiness.EvaluateAsync("probed"));
        Assert.Equal(CheckStatus.Failed, red.Status);
        Assert.Contains("orders: failed (last check failed at", red.Evidence, StringComparison.Ordinal);
        Assert.Contains("stale: last updated", red.Evidence, StringComparison.Ordinal);
        var evidence = red.Detail!.ToJsonString();
        Assert.Contains("older than its freshness window 1h", evidence, StringComparison.Ordinal);
        Assert.Contains("\"count\":2", evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(orders, evidence, StringComparison.Ordinal); // the connection's name only, never its string
        Assert.Contains("connection orders", evidence, StringComparison.Ordinal);

        await ExecAsync(orders, "UPDATE orders SET updated_at = $1 WHERE id = 2", now.AddMinutes(-5));
        host.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.True((await runner.RunAsync(GovernanceJobKinds.Probe, "probed", "orders", null, null))["passed"]!.GetValue<bool>());
        var green = Check4(await readiness.EvaluateAsync("probed"));
        Assert.Equal(CheckStatus.Passed, green.Status);
        Assert.Contains("orders: passed", green.Evidence, StringComparison.Ordinal);

        // An unknown connection is a failed probe with the reason, not a crash and not an old green.
        await host.PublishAsync(Workflow.Replace("connection: orders", "connection: missing", StringComparison.Ordinal));
        host.Clock.Advance(TimeSpan.FromMinutes(15));
        var unknown = await runner.RunAsync(GovernanceJobKinds.Probe, "probed", "orders", null, null);
        Assert.StartsWith("no connection named 'missing' is configured", unknown["evidence"]!["reasons"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Failed, Check4(await readiness.EvaluateAsync("probed")).Status);
    }

    [Fact]
    public async Task File_and_http_probes_report_age_size_and_status()
    {
        await using var host = await EngineTestHost.StartAsync("probe-file");
        var runner = host.Services.GetRequiredService<ProbeRunner>();
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "0123456789");
            File.SetLastWriteTimeUtc(path, host.Clock.GetUtcNow().AddMinutes(-10).UtcDateTime);
            var spec = new Definitions.Model.DataSourceSpec { Id = "feed", Freshness = "1h", Probe = new() { Kind = "file", Path = path, MinCount = 5 } };
            Assert.True((await runner.RunAsync("any", spec)).Passed);
            spec.Probe.MinCount = 100;
            var small = await runner.RunAsync("any", spec);
            Assert.False(small.Passed);
            Assert.Contains("incomplete: count 10 is below the minimum 100", small.Reasons);
        }
        finally
        {
            File.Delete(path);
        }
        var missing = await runner.RunAsync("any", new Definitions.Model.DataSourceSpec { Id = "x", Freshness = "1h", Probe = new() { Kind = "file", Path = "/nonexistent/feed.csv" } });
        Assert.False(missing.Passed);
        var http = await runner.RunAsync("any", new Definitions.Model.DataSourceSpec { Id = "api", Freshness = "1h", Probe = new() { Kind = "http", Url = "http://127.0.0.1:9/status" } });
        Assert.False(http.Passed); // nothing listens on the discard port: a failed probe with its reason
        Assert.Contains("http probe failed", http.Reasons[0], StringComparison.Ordinal);
    }

    private static ReadinessCheck Check4(WorkflowReadiness? r) => Assert.Single(r!.Checks, c => c.Number == 4);

    private static async Task ExecAsync(string connectionString, string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }
}
