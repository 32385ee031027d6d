using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Instances;

/// <summary>
/// Tier: functional — the real host in process (WebApplicationFactory) with the engine's workers running, on its own
/// PostgreSQL database. Why: the API contract: start → 201 and the instance runs to completion; bad input → 400
/// problem details naming the field (never a 500); unknown things → 404; incident actions answer 4xx when they cannot apply.
/// </summary>
public sealed class InstancesApiTests
{
    private const string Workflow = """
        id: api-demo
        input:
          fields:
            amount: { type: number, required: true, minimum: 0 }
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: go } }
            - { id: done, type: end, inputs: { output: { amount: input.amount, by: outputs.hold.payload.by } } }
          edges:
            - { from: hold.done, to: done }
        """;

    [Fact]
    public async Task Start_signal_and_read_an_instance_through_the_api()
    {
        await using var factory = await HostFactory.CreateAsync("instancesapi", settings: new Dictionary<string, string?> { ["Engine:PollInterval"] = "00:00:00.050" });
        using var client = factory.CreateClient();
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());

        var start = await client.PostAsJsonAsync("/api/v1/workflows/api-demo/instances", new { amount = 12 });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        Assert.Equal($"/api/v1/instances/{id}", start.Headers.Location?.OriginalString);

        var waiting = await PollAsync(client, id, "waiting");
        Assert.StartsWith("signal:go", waiting["waitingOn"]!.GetValue<string>(), StringComparison.Ordinal);

        var signal = await client.PostAsJsonAsync($"/api/v1/instances/{id}/signals/go", new { by = "dana" });
        Assert.Equal(HttpStatusCode.Accepted, signal.StatusCode);
        var done = await PollAsync(client, id, "completed");
        Assert.Equal("dana", done["output"]!["by"]!.GetValue<string>());
        Assert.Equal(["hold", "hold", "done"], done["journal"]!.AsArray().Select(j => j!["nodeId"]!.GetValue<string>()).ToArray());

        var list = await client.GetFromJsonAsync<JsonObject>("/api/v1/instances?workflow=api-demo&status=completed");
        Assert.Single(list!["items"]!.AsArray());

        var late = await client.PostAsJsonAsync($"/api/v1/instances/{id}/signals/go", new { });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Bad_requests_are_answered_with_problem_details_not_500()
    {
        await using var factory = await HostFactory.CreateAsync("instancesbad");
        using var client = factory.CreateClient();
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());

        var bad = await client.PostAsJsonAsync("/api/v1/workflows/api-demo/instances", new { amount = "twelve" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var problem = await bad.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("invalid-input", problem!["code"]!.GetValue<string>());
        Assert.Contains("must be of type number", problem["errors"]!["amount"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var missing = await client.PostAsJsonAsync("/api/v1/workflows/api-demo/instances", new { });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.NotNull((await missing.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["amount"]);

        using var garbage = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/v1/workflows/api-demo/instances", garbage)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/v1/workflows/nope/instances", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/instances/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/instances?status=sleeping")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/instances?cursor=%%%")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/v1/instances/{Guid.NewGuid()}/signals/go", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/v1/incidents/{Guid.NewGuid()}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/api/v1/incidents/{Guid.NewGuid()}/skip", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/incidents?status=open")).StatusCode);
    }

    private static Task<JsonObject> PollAsync(HttpClient client, string id, string status) => InstancePolling.WaitForStatusAsync(client, id, status);
}
