using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Scheduling;
using AgentRuntime.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Host.Tests.Scheduling;

/// <summary>
/// Tier: functional — the host in process with the scheduler on (clustered store on the test's database), definitions
/// published through the API. Why: what an owner and an operator see in <c>GET /api/v1/schedules</c> and on the readiness
/// page as definitions change — a published workflow gets its audit, probe and telemetry jobs, a new version with another
/// cron re-registers them, a retired workflow's jobs go away, and checkpoint 6 turns green once the audit job is scheduled.
/// </summary>
public sealed class ScheduleSyncTests
{
    private static string Definition(string auditCron, string probeCron) => $$"""
        id: synced
        description: Jobs follow the definition.
        owner: { name: Dana Whitfield, email: dana@example.com }
        boundary: { trigger: A test starts it. }
        dataSources:
          - id: feed
            freshness: 1h
            probe: { kind: file, path: /nonexistent/feed.csv, minCount: 1, cron: "{{probeCron}}" }
        auditProtocol:
          cron: "{{auditCron}}"
          sampling: { rate: 0.1, stratifyBy: [agent] }
          reviewerRole: auditor
          criteria:
            - { id: sound, description: The decision is sound. }
          escalation: { failureRateThreshold: 0.2, minReviews: 5, action: notify-owner }
        flowchart:
          nodes:
            - { id: done, type: end }
        """;

    [Fact]
    public async Task Publishing_re_registers_a_workflows_jobs_and_retiring_removes_them()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scheduling:Enabled"] = "true",
            ["Scheduling:SyncInterval"] = "01:00:00", // the test reconciles by hand (a background pass would only repeat it)
            ["Scheduling:TelemetryCron"] = "0 0 * ? * *",
        };
        await using var factory = await HostFactory.CreateAsync("schedule-sync", settings: settings);
        var client = factory.CreateClient();
        var sync = factory.Services.GetRequiredService<ScheduleSync>();
        await sync.SyncAsync(); // whatever the start-up pass left: nothing published yet
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/v1/schedules"))!["items"]!.AsArray());

        await PublishAsync(client, Definition("0 0 9 ? * MON-FRI", "0 */15 * ? * *"));
        var first = await sync.SyncAsync();
        Assert.Equal(["synced.audit", "synced.probe.feed", "synced.telemetry"], first.Added.Order());
        var jobs = await JobsAsync(client);
        Assert.Equal("0 0 9 ? * MON-FRI", jobs["synced.audit"]["cron"]!.GetValue<string>());
        Assert.Equal(("probe", "feed"), (jobs["synced.probe.feed"]["kind"]!.GetValue<string>(), jobs["synced.probe.feed"]["subject"]!.GetValue<string>()));
        Assert.NotNull(jobs["synced.audit"]["nextFireAt"]);
        Assert.Empty((await sync.SyncAsync()).Updated); // steady state: nothing rewritten

        // Checkpoint 6: the protocol is valid and its job is scheduled (the scheduler's evidence).
        var readiness = (await client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/synced/readiness"))!;
        var check6 = readiness["checks"]!.AsArray().Single(c => c!["number"]!.GetValue<int>() == 6)!;
        Assert.Equal("passed", check6["status"]!.GetValue<string>());
        Assert.Contains("job: passed", check6["evidence"]!.GetValue<string>(), StringComparison.Ordinal);

        // A new version with another audit cron: the jobs are re-registered with it.
        await PublishAsync(client, Definition("0 30 8 ? * MON-FRI", "0 */5 * ? * *"));
        var second = await sync.SyncAsync();
        Assert.Equal(["synced.audit", "synced.probe.feed", "synced.telemetry"], second.Updated.Order());
        jobs = await JobsAsync(client);
        Assert.Equal(("0 30 8 ? * MON-FRI", 2), (jobs["synced.audit"]["cron"]!.GetValue<string>(), jobs["synced.audit"]["definitionVersion"]!.GetValue<int>()));
        Assert.Equal("0 */5 * ? * *", jobs["synced.probe.feed"]["cron"]!.GetValue<string>());

        // Run now: the probe runs (on this host, the cluster's only one) and its failing result is the job's last run.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/v1/schedules/synced.probe.feed/run", null)).StatusCode);
        JsonNode? lastRun = null;
        for (var i = 0; i < 120 && lastRun?["status"]?.GetValue<string>() is null or "running"; i++)
        {
            await Task.Delay(250);
            lastRun = (await JobsAsync(client))["synced.probe.feed"]["lastRun"];
        }
        Assert.Equal(("failed-probe", true), (lastRun!["result"]!["passed"]!.GetValue<bool>() ? "passed-probe" : "failed-probe", lastRun["manual"]!.GetValue<bool>()));
        Assert.Equal("succeeded", lastRun["status"]!.GetValue<string>()); // the job ran; the data is what failed

        // Retired: its jobs go away.
        await using (var conn = new NpgsqlConnection(factory.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("UPDATE workflows SET retired = true WHERE id = 'synced'", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Equal(3, (await sync.SyncAsync()).Removed.Count);
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/v1/schedules"))!["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/schedules/synced.audit/run", null)).StatusCode);
    }

    [Fact]
    public async Task With_scheduling_off_the_schedules_api_says_so()
    {
        await using var factory = await HostFactory.CreateAsync("schedule-off");
        var response = await factory.CreateClient().GetAsync("/api/v1/schedules");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task PublishAsync(HttpClient client, string yaml)
    {
        var response = await client.PostAsync("/api/v1/workflows?publish=true", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<Dictionary<string, JsonNode>> JobsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonObject>("/api/v1/schedules"))!["items"]!.AsArray().ToDictionary(j => j!["id"]!.GetValue<string>(), j => j!);
}
