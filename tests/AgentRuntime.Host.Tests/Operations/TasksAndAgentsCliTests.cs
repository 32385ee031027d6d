using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Operations;

/// <summary>
/// Tier: functional — the real host in process with its workers, and the real <c>agentrt</c> entry point talking to it
/// through the test server. Why: <c>tasks list|approve|reject</c> and <c>agents show|promote|demote|pause|resume</c>
/// are what an approver and an ops lead type; their tables must show the real fields (not blanks), <c>--output json</c>
/// must be the API's answer, and the exit codes must say what happened: 0 done, 1 refused (409/422), 2 usage, 3 not
/// found, 4 not allowed.
/// </summary>
public sealed class TasksAndAgentsCliTests
{
    private const string Workflow = """
        id: cli-approval
        flowchart:
          start: approve
          nodes:
            - id: approve
              type: approval
              inputs: { title: Refund the customer, data: input, role: approver }
            - { id: paid, type: end, inputs: { output: { decision: "'paid'" } } }
            - { id: refused, type: end, inputs: { output: { decision: "'refused'" } } }
          edges:
            - { from: approve.approved, to: paid }
            - { from: approve.rejected, to: refused }
        """;

    private const string Agent = """
        id: cli-agent
        kind: rules
        name: CLI candidate
        owner: { name: Dana Whitfield, email: dana@example.com }
        role: approver
        stage: draft
        outputSchema: { type: object, required: [amount] }
        rules:
          - when: "true"
            result: { amount: "vars.agentInput.amount" }
            confidence: 0.9
        """;

    private static (int Exit, string Out, string Err) Cli(HostFactory factory, string user, string roles, params string[] args)
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

    private static Task<JsonObject> InstanceAsync(HttpClient client, Guid id, string status) => InstancePolling.WaitForStatusAsync(client, id, status);

    [Fact]
    public async Task Tasks_are_listed_approved_and_rejected_from_the_cli_with_tables_json_and_exit_codes()
    {
        await using var factory = await HostFactory.CreateAsync("cli-tasks", settings: new Dictionary<string, string?> { ["Engine:PollInterval"] = "00:00:00.050" });
        using var client = factory.CreateClient();
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());
        var ids = new List<Guid>();
        foreach (var amount in new[] { 40, 4000 })
        {
            var start = await client.PostAsJsonAsync("/api/v1/workflows/cli-approval/instances?mode=inline", new { amount });
            ids.Add(Guid.Parse((await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>()));
        }
        var (toApprove, toReject) = (Engine.HumanTasks.HumanTasks.TaskIdFor(ids[0], "approve", 1), Engine.HumanTasks.HumanTasks.TaskIdFor(ids[1], "approve", 1));

        // The table: a header, then one row per task with its title, state and instance (no blank columns).
        var list = Cli(factory, "bob", "approver", "tasks", "list", "--state", "available");
        Assert.True(list.Exit == ExitCodes.Ok, list.Err);
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
        Assert.Contains("TITLE", lines[0], StringComparison.Ordinal);
        var row = Assert.Single(lines, l => l.StartsWith(toApprove.ToString(), StringComparison.Ordinal));
        Assert.Contains("Refund the customer", row, StringComparison.Ordinal);
        Assert.Contains("available", row, StringComparison.Ordinal);
        Assert.Contains(ids[0].ToString(), row, StringComparison.Ordinal);

        // --output json is the API's answer, parseable by a script.
        var json = Cli(factory, "bob", "approver", "tasks", "list", "--mine", "--output", "json");
        Assert.Equal(ExitCodes.Ok, json.Exit);
        var items = JsonNode.Parse(json.Out)!["items"]!.AsArray();
        Assert.Equal(2, items.Count(t => t!["state"]!.GetValue<string>() == "available" && ids.Contains(t["instanceId"]!.GetValue<Guid>())));

        // Not a candidate: 403 → 4, and the task is untouched. An unknown state: the host's 400 → 2.
        var outsider = Cli(factory, "rita", "reviewer", "tasks", "approve", toApprove.ToString());
        Assert.True(outsider.Exit == ExitCodes.Auth, $"{outsider.Exit}: {outsider.Err}");
        Assert.Equal(ExitCodes.Usage, Cli(factory, "bob", "approver", "tasks", "list", "--state", "open").Exit);

        // Approve and reject: 0, one line each; the instances follow the ports.
        var approved = Cli(factory, "bob", "approver", "tasks", "approve", toApprove.ToString(), "--comment", "fine");
        Assert.True(approved.Exit == ExitCodes.Ok, approved.Err);
        Assert.Equal($"task {toApprove} approved", approved.Out.Trim());
        var rejected = Cli(factory, "bob", "approver", "tasks", "reject", toReject.ToString(), "--output", "json");
        Assert.True(rejected.Exit == ExitCodes.Ok, rejected.Err);
        Assert.Equal("completed", JsonNode.Parse(rejected.Out)!["task"]!["state"]!.GetValue<string>());
        Assert.Equal("paid", (await InstanceAsync(client, ids[0], "completed"))["output"]!["decision"]!.GetValue<string>());
        Assert.Equal("refused", (await InstanceAsync(client, ids[1], "completed"))["output"]!["decision"]!.GetValue<string>());

        // Deciding again: the host's 409 → 1, with the problem on stderr. An unknown task → 3.
        var again = Cli(factory, "bob", "approver", "tasks", "approve", toApprove.ToString());
        Assert.Equal(ExitCodes.Failed, again.Exit);
        Assert.StartsWith("agentrt: 409", again.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, Cli(factory, "bob", "approver", "tasks", "approve", Guid.NewGuid().ToString()).Exit);
        Assert.Equal(ExitCodes.Usage, Cli(factory, "bob", "approver", "tasks", "approve", "not-a-guid").Exit);
    }

    [Fact]
    public async Task Agents_are_shown_paused_resumed_demoted_and_promotions_refused_from_the_cli_with_exit_codes()
    {
        await using var factory = await HostFactory.CreateAsync("cli-agents", settings: new Dictionary<string, string?> { ["Engine:RunWorkers"] = "false" });
        using var client = factory.CreateClient();
        var put = await client.PutAsync("/api/v1/agents/cli-agent", new StringContent(Agent, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // show: the summary's real fields (they sit under "agent" in the answer) and the evidence.
        var show = Cli(factory, "olivia", "ops", "agents", "show", "cli-agent");
        Assert.True(show.Exit == ExitCodes.Ok, show.Err);
        Assert.Contains("id:", show.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^id:\s+cli-agent$", show.Out);
        Assert.Matches(@"(?m)^stage:\s+draft$", show.Out);
        Assert.Matches(@"(?m)^paused:\s+false$", show.Out);
        Assert.Matches(@"(?m)^owner:\s+Dana Whitfield$", show.Out);
        Assert.Matches(@"(?m)^shadow compared:\s+0$", show.Out);
        Assert.Equal("draft", JsonNode.Parse(Cli(factory, "olivia", "ops", "agents", "show", "cli-agent", "--output", "json").Out)!["agent"]!["stage"]!.GetValue<string>());

        // pause (kill switch): 0; shown paused with the reason; a second pause is refused (409 → 1); resume: 0.
        var pause = Cli(factory, "olivia", "ops", "agents", "pause", "cli-agent", "--reason", "wrong refunds");
        Assert.True(pause.Exit == ExitCodes.Ok, pause.Err);
        Assert.Equal("agent cli-agent: paused (kill switch on)", pause.Out.Trim());
        var paused = Cli(factory, "olivia", "ops", "agents", "show", "cli-agent").Out;
        Assert.Matches(@"(?m)^paused:\s+true$", paused);
        Assert.Matches(@"(?m)^pause reason:\s+wrong refunds$", paused);
        var pausedAgain = Cli(factory, "olivia", "ops", "agents", "pause", "cli-agent", "--reason", "again");
        Assert.True(pausedAgain.Exit is ExitCodes.Ok or ExitCodes.Failed, pausedAgain.Err); // idempotent or refused, never a crash
        Assert.Equal(ExitCodes.Usage, Cli(factory, "olivia", "ops", "agents", "pause", "cli-agent").Exit); // --reason is required
        Assert.Equal(ExitCodes.Auth, Cli(factory, "bob", "approver", "agents", "resume", "cli-agent", "--reason", "not mine").Exit);
        var resume = Cli(factory, "olivia", "ops", "agents", "resume", "cli-agent", "--reason", "fixed");
        Assert.True(resume.Exit == ExitCodes.Ok, resume.Err);
        Assert.StartsWith("agent cli-agent: resumed", resume.Out.Trim(), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^paused:\s+false$", Cli(factory, "olivia", "ops", "agents", "show", "cli-agent").Out);

        // promote without evidence: refused with the reasons (422 → 1); the stage is unchanged.
        var promote = Cli(factory, "olivia", "ops", "agents", "promote", "cli-agent", "--to", "execute", "--reason", "looks good");
        Assert.Equal(ExitCodes.Failed, promote.Exit);
        Assert.StartsWith("agentrt: 422", promote.Err, StringComparison.Ordinal);
        Assert.Contains("unmet", promote.Err, StringComparison.Ordinal);

        // demote: one stage down at once (draft → shadow); below shadow is refused.
        var demote = Cli(factory, "olivia", "ops", "agents", "demote", "cli-agent", "--reason", "too many edits");
        Assert.True(demote.Exit == ExitCodes.Ok, demote.Err);
        Assert.Equal("agent cli-agent: demoted draft -> shadow", demote.Out.Trim());
        Assert.Matches(@"(?m)^stage:\s+shadow$", Cli(factory, "olivia", "ops", "agents", "show", "cli-agent").Out);
        Assert.Equal(ExitCodes.Failed, Cli(factory, "olivia", "ops", "agents", "demote", "cli-agent", "--reason", "lower still").Exit);

        // Unknown agent: 3 for every verb.
        Assert.Equal(ExitCodes.NotFound, Cli(factory, "olivia", "ops", "agents", "show", "nope").Exit);
        Assert.Equal(ExitCodes.NotFound, Cli(factory, "olivia", "ops", "agents", "pause", "nope", "--reason", "x").Exit);
        Assert.Equal(ExitCodes.NotFound, Cli(factory, "olivia", "ops", "agents", "demote", "nope", "--reason", "x").Exit);
    }
}
