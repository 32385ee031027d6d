using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Testing;
using Npgsql;

namespace AgentRuntime.Host.Tests.Scheduling;

/// <summary>
/// Tier: functional — two real host processes started at the same moment on one empty database, a workflow whose audit job
/// fires every second. Why: what "exactly once across hosts" means to an operator — both hosts migrate the schema (Quartz's
/// tables included) without a manual step and without tripping over each other, and across every tick each one fired on
/// exactly one host: the <c>schedule_runs</c> table (unique per job and tick) and both hosts' logs agree, and no host ever
/// had to skip a tick the other had already run. Also the schedules API on a real cluster: list, and run now.
/// </summary>
public sealed partial class ClusteredSchedulingTests : IDisposable
{
    private const string JobId = "every-second.audit";
    private readonly string _workflows = Directory.CreateTempSubdirectory("agentrt-sched-").FullName;

    [Fact]
    public async Task Two_hosts_fire_each_tick_of_a_per_second_cron_exactly_once()
    {
        await File.WriteAllTextAsync(Path.Combine(_workflows, "every-second.yaml"), """
            id: every-second
            owner: { name: Dana Whitfield, email: dana@example.com }
            auditProtocol:
              cron: "* * * ? * *"
              sampling: { rate: 0.5 }
              reviewerRole: auditor
              criteria:
                - { id: sound, description: The decision is sound. }
            flowchart:
              nodes:
                - { id: done, type: end }
            """);
        var database = await TestPostgres.CreateEmptyDatabaseAsync(); // unmigrated: both hosts migrate it at once
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__AgentRuntime"] = database,
            ["Workflows__Directory"] = _workflows,
            ["Auth__Mode"] = "Development",
            ["Scheduling__IdleWaitTime"] = "00:00:01",
            ["Scheduling__CheckinInterval"] = "00:00:02",
            ["Scheduling__SyncInterval"] = "00:00:01",
            ["Scheduling__TelemetryCron"] = "",
        };
        var hosts = await HostProcess.StartManyAsync([settings, settings]);
        await using var a = hosts[0];
        await using var b = hosts[1];

        // A dozen ticks (about 12 s), event-driven on the runs table with a generous limit.
        const int ticks = 12;
        var wait = Stopwatch.StartNew();
        while (await CountAsync(database, "SELECT count(*) FROM schedule_runs WHERE job_id = $1 AND status <> 'running'", JobId) < ticks)
        {
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(90), $"fewer than {ticks} ticks in 90 s:\n{a.Output}\n---\n{b.Output}");
            await Task.Delay(250);
        }

        // Run now, on a real cluster: 202, and a manual run appears.
        using var client = a.CreateClient();
        client.DefaultRequestHeaders.Add("X-Dev-User", "oscar"); // ops
        var list = (await client.GetFromJsonAsync<JsonObject>("/api/v1/schedules"))!;
        var job = list["items"]!.AsArray().Single(j => j!["id"]!.GetValue<string>() == JobId)!;
        Assert.Equal(("audit", "every-second", "* * * ? * *"), (job["kind"]!.GetValue<string>(), job["workflowId"]!.GetValue<string>(), job["cron"]!.GetValue<string>()));
        Assert.NotNull(job["nextFireAt"]);
        Assert.NotNull(job["lastRun"]!["status"]);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/v1/schedules/{JobId}/run", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/schedules/nope/run", null)).StatusCode);
        wait.Restart();
        while (await CountAsync(database, "SELECT count(*) FROM schedule_runs WHERE job_id = $1 AND manual", JobId) < 1)
        {
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(30), "the run-now request never ran");
            await Task.Delay(250);
        }

        // Both hosts joined the one cluster (each checked in under its own instance id).
        Assert.Equal(2, await CountAsync(database, "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'agentruntime'"));
        Assert.Equal(0, await a.TerminateAsync());
        Assert.Equal(0, await b.TerminateAsync());

        var rows = await RunsAsync(database);
        var fromA = Fired(a.Output);
        var fromB = Fired(b.Output);
        var logged = fromA.Concat(fromB).ToList();
        // Each tick fired on one host: no tick in both logs, none twice in one, and the table holds exactly the logged ticks.
        Assert.Empty(logged.GroupBy(t => t.Tick).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Equal(rows.Select(r => r.Tick).Order(), logged.Select(t => t.Tick).Order());
        Assert.Equal(rows.Count, rows.Select(r => r.Tick).Distinct().Count());
        // Quartz's cluster itself never handed a tick to both: the table's guard never had to refuse one.
        Assert.DoesNotContain("was already run by another host", a.Output + b.Output, StringComparison.Ordinal);
        Assert.True(rows.Count(r => !r.Manual) >= ticks);
        // Consecutive seconds: each tick once, none lost in between (the first after registration to the last before stopping).
        var scheduled = rows.Where(r => !r.Manual).Select(r => r.Tick).Order().ToList();
        Assert.Equal((int)(scheduled[^1] - scheduled[0]).TotalSeconds + 1, scheduled.Count);
        // Both hosts are cluster members; which one fires is Quartz's choice (each host's share is in the test output).
        var byHost = rows.GroupBy(r => r.Host).ToDictionary(g => g.Key, g => g.Count());
        Console.WriteLine($"ticks per host: {string.Join(", ", byHost.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Equal(1, await CountAsync(database, "SELECT count(*) FROM __ef_migrations_history WHERE \"MigrationId\" LIKE '%GovernanceJobs'"));
    }

    private sealed record Run(DateTimeOffset Tick, string Host, bool Manual);

    private static async Task<List<Run>> RunsAsync(string database)
    {
        var rows = new List<Run>();
        await using var conn = new NpgsqlConnection(database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT scheduled_fire_at, host, manual FROM schedule_runs WHERE job_id = $1 ORDER BY scheduled_fire_at", conn);
        cmd.Parameters.Add(new() { Value = JobId });
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add(new Run(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetBoolean(2)));
        return rows;
    }

    private static List<(DateTimeOffset Tick, string Host)> Fired(string output) =>
        FiredLine().Matches(output).Select(m => (DateTimeOffset.Parse(m.Groups["tick"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["host"].Value)).ToList();

    [GeneratedRegex(@"Scheduled job every-second\.audit tick (?<tick>\S+) fired on (?<host>\S+)")]
    private static partial Regex FiredLine();

    private static async Task<long> CountAsync(string database, string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var arg in args) cmd.Parameters.Add(new() { Value = arg });
        try
        {
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0; // not migrated yet
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_workflows, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
