using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Operations;

/// <summary>
/// Tier: functional — the real host in process with its workers and bulk processor running, and the real <c>agentrt</c>
/// entry point in process talking to it through the test server's handler. Why: the ops API contract (a missing reason
/// is a 400 naming <c>reason</c>; 202/404/409 as documented) and the CLI's exit codes that scripts rely on.
/// </summary>
public sealed class OperationsApiAndCliTests
{
    private const string Workflow = """
        id: ops-demo
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: go } }
            - { id: done, type: end }
          edges:
            - { from: hold.done, to: done }
        """;

    private static async Task<HostFactory> StartAsync(string hint)
    {
        var factory = await HostFactory.CreateAsync(hint, settings: new Dictionary<string, string?>
        {
            ["Engine:PollInterval"] = "00:00:00.050",
            ["Operations:BulkPollInterval"] = "00:00:00.100",
            ["Auth:Mode"] = "Development",
        });
        _ = factory.Server; // start it
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());
        return factory;
    }

    private static (int Exit, string Out, string Err) Cli(HostFactory factory, params string[] args)
    {
        var env = new CliEnvironment
        {
            Handler = factory.Server.CreateHandler(),
            GetVariable = name => name == "AGENTRT_URL" ? "http://localhost" : null,
            ConfigPath = Path.Combine(Path.GetTempPath(), "agentrt-no-config.json"),
            PollInterval = TimeSpan.FromMilliseconds(100),
        };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = AgentRuntime.Cli.Program.Run([.. args, "--user", "olivia", "--roles", "ops"], output, error, env);
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<string> StatusAsync(HttpClient client, Guid id, string want)
    {
        for (var i = 0; i < 400; i++)
        {
            var status = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{id}"))!["status"]!.GetValue<string>();
            if (status == want) return status;
            await Task.Delay(50);
        }
        throw new TimeoutException($"instance {id} never reached {want}");
    }

    [Fact]
    public async Task Ops_endpoints_require_a_reason_and_answer_with_problem_details()
    {
        await using var factory = await StartAsync("opsapi");
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Dev-User", "olivia");
        client.DefaultRequestHeaders.Add("X-Dev-Roles", "ops");
        var start = await client.PostAsJsonAsync("/api/v1/workflows/ops-demo/instances", new { });
        var id = Guid.Parse((await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());

        foreach (var path in new[] { $"/api/v1/instances/{id}/pause", $"/api/v1/instances/{id}/cancel", "/api/v1/workflows/ops-demo/pause", "/api/v1/instances/bulk" })
        {
            var missing = await client.PostAsJsonAsync(path, new { reason = "  " });
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            var problem = (await missing.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.NotNull(problem["errors"]?["reason"]);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/v1/instances/{Guid.NewGuid()}/cancel", new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync($"/api/v1/instances/{id}/cancel", new { reason = "duplicate order" })).StatusCode);
        await StatusAsync(client, id, "cancelled");
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync($"/api/v1/instances/{id}/cancel", new { reason = "again" })).StatusCode);
        var entries = await client.GetFromJsonAsync<JsonObject>("/api/v1/audit?action=instance.cancelled");
        Assert.Contains(entries!["items"]!.AsArray(), e => e!["reason"]!.GetValue<string>() == "duplicate order" && e["actor"]!.GetValue<string>() == "olivia");
    }

    [Fact]
    public async Task The_cli_operates_the_host_with_exit_codes_scripts_can_trust()
    {
        await using var factory = await StartAsync("opscli");
        using var client = factory.CreateClient();
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            var start = await client.PostAsJsonAsync("/api/v1/workflows/ops-demo/instances", new { });
            ids.Add(Guid.Parse((await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>()));
        }
        await StatusAsync(client, ids[^1], "waiting");

        var list = Cli(factory, "instances", "list", "--workflow", "ops-demo");
        Assert.Equal(ExitCodes.Ok, list.Exit);
        Assert.StartsWith("ID", list.Out, StringComparison.Ordinal);
        Assert.Contains(ids[0].ToString(), list.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, Cli(factory, "workflows", "pause", "ops-demo", "--reason", "bad data").Exit);
        Assert.Equal(ExitCodes.Ok, Cli(factory, "instances", "pause", ids[0].ToString(), "--reason", "look closer").Exit);
        Assert.Equal(ExitCodes.Usage, Cli(factory, "instances", "pause", ids[0].ToString()).Exit);           // --reason missing
        Assert.Equal(ExitCodes.Usage, Cli(factory, "instances", "cancel", ids[0].ToString(), "--reason", " ").Exit); // blank: the host's 400
        Assert.Equal(ExitCodes.NotFound, Cli(factory, "instances", "show", Guid.NewGuid().ToString()).Exit);
        Assert.Equal(ExitCodes.Failed, Cli(factory, "workflows", "resume", "ops-demo", "--reason", "x", "--output", "json").Exit is ExitCodes.Ok
            ? Cli(factory, "workflows", "resume", "ops-demo", "--reason", "again").Exit   // second resume: 409 → 1
            : -1);

        var bulk = Cli(factory, "bulk", "cancel", "--workflow", "ops-demo", "--reason", "vendor outage");
        Assert.True(bulk.Exit == ExitCodes.Ok, bulk.Err);
        Assert.Contains("20/20", bulk.Err, StringComparison.Ordinal);  // the progress bar reached the end
        Assert.Contains("succeeded:", bulk.Out, StringComparison.Ordinal);
        await StatusAsync(client, ids[^1], "cancelled");

        var show = Cli(factory, "instances", "show", ids[0].ToString(), "--output", "json");
        Assert.Equal(ExitCodes.Ok, show.Exit);
        Assert.Equal("cancelled", JsonNode.Parse(show.Out)!["status"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Ok, Cli(factory, "audit", "verify").Exit);

        // Nothing listens on port 9: unreachable is its own exit code.
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = AgentRuntime.Cli.Program.Run(["workflows", "list", "--url", "http://127.0.0.1:9"], output, error,
            new CliEnvironment { GetVariable = _ => null, ConfigPath = "/nonexistent/agentrt.json", Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(ExitCodes.Unreachable, exit);
    }
}
