using System.Net;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Infrastructure;

namespace AgentRuntime.Host.Tests.Health;

public sealed class HealthTests
{
    [Fact]
    public async Task Ready_is_200_once_the_database_is_migrated_and_openapi_is_served()
    {
        await using var host = await HostFactory.CreateAsync("ready");
        var client = host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        Assert.Equal("ready", (string?)body["status"]);

        var openApi = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        Assert.NotNull(openApi["paths"]!["/api/v1/workflows"]);
    }

    [Fact]
    public async Task Ready_is_503_naming_the_database_when_it_cannot_be_reached()
    {
        // Nothing listens on port 1; migration on start-up is off so the host starts and can report the outage.
        await using var host = new HostFactory("Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2",
            settings: new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        var client = host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        var db = body["checks"]!.AsArray().Single(c => (string?)c!["name"] == "database")!;
        Assert.False((bool)db["ok"]!);
    }

    [Fact]
    public async Task A_database_that_is_not_yet_migrated_is_not_ready_then_ready_after_migration()
    {
        var empty = await AgentRuntime.Testing.TestPostgres.CreateEmptyDatabaseAsync();
        await using (var notMigrating = new HostFactory(empty, settings: new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" }))
        {
            var ready = await notMigrating.CreateClient().GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("pending", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await using var migrating = new HostFactory(empty);
        Assert.Equal(HttpStatusCode.OK, (await migrating.CreateClient().GetAsync("/health/ready")).StatusCode);
    }
}
