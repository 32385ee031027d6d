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

    private static (int Exit, string Out, string Err) Cli(HostFactory factory, params string[] args) =>
        CliAs(factory, "olivia", "ops", args);

    private static (int Exit, string Out, string Err) CliAs(HostFactory factory, string user, string roles, params string[] args)
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
        var exit = AgentRuntime.Cli.Program.Run([.. args, "--user", user, "--roles", roles], output, error, env);
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<string> StatusAsync(HttpClient client, Guid id, string want) =>
        (await InstancePolling.WaitForStatusAsync(client, id, want))["status"]!.GetValue<string>();

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

    [Fact]
    public async Task The_cli_publishes_rolls_back_exports_the_audit_trail_and_reports_not_found_and_refusals()
    {
        await using var factory = await StartAsync("cli-publish");
        using var client = factory.CreateClient();
        var dir = Directory.CreateTempSubdirectory("agentrt-cli-").FullName;
        try
        {
            var sample = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"));
            var v1 = Path.Combine(dir, "customer-refund.yaml");
            await File.WriteAllTextAsync(v1, sample);

            // publish: a new version, then the same file again (unchanged: no new version), both exit 0.
            var first = CliAs(factory, "dana", "designer", "publish", v1);
            Assert.True(first.Exit == ExitCodes.Ok, first.Out + first.Err);
            Assert.Equal(ExitCodes.Ok, CliAs(factory, "dana", "designer", "publish", v1).Exit);
            var v2 = Path.Combine(dir, "customer-refund-v2.yaml");
            await File.WriteAllTextAsync(v2, sample.Replace("name: Customer refund", "name: Customer refund (v2)", StringComparison.Ordinal));
            Assert.Equal(ExitCodes.Ok, CliAs(factory, "dana", "designer", "publish", v2).Exit);
            var detail = (await client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund"))!;
            Assert.Equal(2, (int)detail["latestVersion"]!);

            // A definition with an error is refused (exit 1) and nothing is stored; a wrong role is an auth failure (exit 4).
            var broken = Path.Combine(dir, "broken.yaml");
            await File.WriteAllTextAsync(broken, sample.Replace("to: refund_failed", "to: nowhere", StringComparison.Ordinal));
            var refused = CliAs(factory, "dana", "designer", "publish", broken);
            Assert.Equal(ExitCodes.Failed, refused.Exit);
            Assert.Contains("nowhere", refused.Out + refused.Err, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Auth, CliAs(factory, "rita", "reviewer", "publish", v2).Exit);

            // rollback definition: version 1 comes back as version 3, published.
            var rollback = Cli(factory, "rollback", "definition", "customer-refund", "--to-version", "1", "--reason", "v2 misroutes refunds");
            Assert.True(rollback.Exit == ExitCodes.Ok, rollback.Out + rollback.Err);
            detail = (await client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund"))!;
            Assert.Equal((3, 3), ((int)detail["latestVersion"]!, (int)detail["publishedVersion"]!));

            // audit export: JSON lines that include the publishes made above, by the acting user.
            var export = Cli(factory, "audit", "export");
            Assert.Equal(ExitCodes.Ok, export.Exit);
            var entries = export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.Contains(entries, e => (string?)e["action"] == "workflow.published" && (string?)e["actor"] == "dana");

            // Not found is exit 3, for tasks and agents alike; listing tasks works.
            Assert.Equal(ExitCodes.NotFound, CliAs(factory, "alice", "approver", "tasks", "approve", Guid.NewGuid().ToString()).Exit);
            Assert.Equal(ExitCodes.NotFound, Cli(factory, "agents", "show", "no-such-agent").Exit);
            Assert.Equal(ExitCodes.Ok, CliAs(factory, "alice", "approver", "tasks", "list", "--mine").Exit);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
