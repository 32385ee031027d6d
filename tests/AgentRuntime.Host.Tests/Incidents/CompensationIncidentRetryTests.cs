using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Incidents;

/// <summary>
/// Tier: functional — the real host in process, real PostgreSQL, a connector that fails on demand. Why: an instance
/// rollback whose compensation fails leaves an incident on a finished instance; no slice will ever pick up a retry
/// message for it, so <c>POST /incidents/{id}/retry</c> used to leave it <c>resolving</c> for ever. An ops lead
/// retrying it must see the remaining compensations run (once, journaled) and the incident resolved — or, when it
/// fails again, the incident open again with the new attempt, never stuck.
/// </summary>
public sealed class CompensationIncidentRetryTests
{
    private const string Workflow = """
        id: two-actions
        flowchart:
          start: a
          nodes:
            - { id: a, type: action, inputs: { action: reserve, connector: record, compensation: { action: release, connector: record } } }
            - { id: b, type: action, inputs: { action: charge, connector: record, compensation: { action: refund, connector: flaky } } }
            - { id: done, type: end }
          edges:
            - { from: a.done, to: b }
            - { from: b.done, to: done }
        """;

    private sealed class FlakyConnector(RecordConnector record) : IConnector
    {
        public volatile bool Failing = true;
        public string Name => "flaky";
        public ConnectorKind Kind => ConnectorKind.Transactional;

        public Task<JsonNode?> ExecuteAsync(ConnectorRequest request, CancellationToken cancellationToken) =>
            Failing ? throw new HttpRequestException("payment provider unavailable") : record.ExecuteAsync(request, cancellationToken);
    }

    [Fact]
    public async Task Retrying_a_failed_compensation_s_incident_reruns_the_compensation_and_resolves_it()
    {
        var flaky = new FlakyConnector(new RecordConnector(TimeProvider.System));
        await using var baseFactory = await HostFactory.CreateAsync("incident-compensation", settings: new Dictionary<string, string?> { ["Engine:PollInterval"] = "00:00:00.050" });
        await using var factory = baseFactory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IConnector>(flaky)));
        var client = factory.CreateClient();
        await EngineTestHost.PublishAsync(baseFactory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());

        var started = await client.PostAsJsonAsync("/api/v1/workflows/two-actions/instances?mode=inline", new JsonObject());
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        // The rollback fails at b (newest first): an incident on the compensation, a not compensated.
        var compensate = await client.PostAsJsonAsync($"/api/v1/instances/{id}/compensate", new JsonObject { ["reason"] = "wrong customer" });
        Assert.Equal(HttpStatusCode.Conflict, compensate.StatusCode);
        var incidents = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/incidents?status=open&instance={id}"))!["items"]!.AsArray();
        var incidentId = Assert.Single(incidents)!["id"]!.GetValue<Guid>();
        Assert.Equal(CompensationRunner.ActivityType, incidents[0]!["activityType"]!.GetValue<string>());

        // Still failing: the retry answers 409 and the incident is open again (not stuck resolving), one more attempt.
        var again = await client.PostAsync($"/api/v1/incidents/{incidentId}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var incident = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/incidents/{incidentId}"))!;
        Assert.Equal("open", incident["status"]!.GetValue<string>());
        Assert.Equal(2, incident["attempts"]!.GetValue<int>());

        // Fixed: the retry runs b's then a's compensation now and resolves the incident.
        flaky.Failing = false;
        var retry = await client.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/retry", new JsonObject { ["reason"] = "provider back" });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var body = (await retry.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("resolved", body["status"]!.GetValue<string>());
        Assert.Equal(2, body["compensation"]!["compensated"]!.GetValue<int>());
        incident = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/incidents/{incidentId}"))!;
        Assert.Equal("resolved", incident["status"]!.GetValue<string>());

        // Journaled in order; idempotent: a second retry is refused (resolved) and nothing runs twice.
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/incidents/{incidentId}/retry", null)).StatusCode);
        Assert.Equal(2, await CountAsync(baseFactory, "SELECT count(*) FROM connector_records WHERE instance_id = $1 AND idempotency_key LIKE 'compensate:%'", id));
        Assert.Equal(["b:faulted", "b:faulted", "b:compensated", "a:compensated"], await JournalAsync(baseFactory, id));
        Assert.Equal(2, await CountAsync(baseFactory, "SELECT count(*) FROM audit_entries WHERE action = 'incident.retried' AND subject_id = $1", incidentId.ToString()));
    }

    private static async Task<long> CountAsync(HostFactory factory, string sql, object arg)
    {
        await using var conn = new Npgsql.NpgsqlConnection(factory.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        cmd.Parameters.Add(new() { Value = arg });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> JournalAsync(HostFactory factory, Guid id)
    {
        await using var conn = new Npgsql.NpgsqlConnection(factory.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT node_id || ':' || status FROM journal_entries WHERE instance_id = $1 AND activity_type = 'compensation' ORDER BY seq", conn);
        cmd.Parameters.Add(new() { Value = id });
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }
}
