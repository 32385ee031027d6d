using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Infrastructure;

namespace AgentRuntime.Host.Tests.Agents;

/// <summary>
/// Tier: functional — the real host in process with the product's default <c>Governance:HighestRegistrationStage</c> (draft).
/// Why: agents reach execute only through the promotion gate (checkpoints, evidence, the owner's sign-off). If a file could
/// declare <c>stage: execute</c> for a new agent, anyone who may upload an agent would skip the gate.
/// </summary>
public sealed class AgentRegistrationStageTests
{
    private const string Agent = """
        id: eager-agent
        kind: rules
        name: Eager agent
        owner: { name: Dana Whitfield, email: dana@example.com }
        stage: execute
        rules:
          - when: "true"
            result: { amount: "1" }
            confidence: 0.9
        """;

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    [Fact]
    public async Task A_new_agent_cannot_register_in_execute_but_may_start_in_draft_and_a_later_file_never_changes_its_stage()
    {
        await using var host = await HostFactory.CreateAsync("regstage", settings: new Dictionary<string, string?>
        {
            ["Governance:HighestRegistrationStage"] = "draft", // the product default (HostFactory opens it up for other tests)
        });
        using var client = host.CreateClient();

        var refused = await client.PutAsync("/api/v1/agents/eager-agent", Yaml(Agent));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("invalid-agent", (string?)problem["code"]);
        var reason = problem["problems"]!.AsArray().Single()!;
        Assert.Equal("$.stage", (string?)reason["path"]);
        Assert.Contains("only by promotion", (string?)reason["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/agents/eager-agent")).StatusCode); // nothing stored

        var draft = await client.PutAsync("/api/v1/agents/eager-agent", Yaml(Agent.Replace("stage: execute", "stage: draft", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Created, draft.StatusCode);
        Assert.Equal("draft", (string?)(await client.GetFromJsonAsync<JsonObject>("/api/v1/agents/eager-agent"))!["agent"]!["stage"]);

        // A new version whose file says execute is stored, but the stage is the gate's business: still draft.
        var next = await client.PutAsync("/api/v1/agents/eager-agent", Yaml(Agent.Replace("name: Eager agent", "name: Eager agent v2", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(2, (int)(await next.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);
        Assert.Equal("draft", (string?)(await client.GetFromJsonAsync<JsonObject>("/api/v1/agents/eager-agent"))!["agent"]!["stage"]);
    }
}
