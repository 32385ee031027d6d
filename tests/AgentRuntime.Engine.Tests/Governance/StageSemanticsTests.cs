using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Tests.Governance;

/// <summary>
/// Tier: integration — real engine, task store and PostgreSQL, workers off. Why: the shipped samples run offline end to end
/// through their stages (shadow decide task, draft approval, draft-only publish), automatic demotion fires on the error
/// rate, and the <c>http</c> agent kind honours its documented contract over real HTTP.
/// </summary>
public sealed class StageSemanticsTests
{
    private static readonly TaskActor Human = new("hana", ["refund-approver", "ap-clerk", "marketing-lead"]);

    [Theory]
    [InlineData("customer-refund", "refund-proposer", """{"orderId": "A-1", "amount": 40, "reason": "it arrived damaged", "customerEmail": "c@example.com"}""", "agent-decide", 1)]
    [InlineData("invoice-processing", "invoice-extractor", """{"invoiceId": "INV-9", "vendor": "Acme", "amount": 420, "currency": "EUR", "poNumber": "PO-7"}""", "agent-draft", 1)]
    [InlineData("campaign-brief", "brief-writer", """{"product": "Aurora", "audience": "runners", "goal": "launch awareness", "budget": 12000}""", "agent-draft", 1)]
    public async Task The_samples_run_offline_through_their_agents_stage(string workflow, string agent, string input, string taskKind, int actions)
    {
        await using var host = await EngineTestHost.StartAsync(workflow[..8]);
        var catalog = host.Services.GetRequiredService<AgentCatalog>();
        var stored = await catalog.StoreAsync(AgentDocument.Load(Path.Combine(RepoPaths.Workflows, "agents", agent + ".yaml")), "sample", "test");
        Assert.Equal(AgentStoreOutcome.Registered, stored.Outcome);
        await host.PublishAsync(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Workflows, workflow + ".yaml")));
        var tasks = host.Services.GetRequiredService<HumanTaskService>();

        var id = (await host.Engine.StartAsync(workflow, JsonNode.Parse(input))).InstanceId;
        await host.RunUntilIdleAsync();
        var task = Assert.Single(await tasks.ListAsync(new HumanTaskQuery(InstanceId: id)));
        Assert.Equal(taskKind, task.Kind);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM action_ledger")); // nothing acts before the human
        var payload = taskKind == AgentTaskKinds.Decide
            ? new JsonObject { ["input"] = task.Data!["input"]!.DeepClone(), ["decision"] = new JsonObject { ["amount"] = 40, ["policy"] = "full" } }
            : null;
        Assert.True((await tasks.CompleteAsync(task.Id, Human, task.Revision, "op-1", new TaskCompletion(HumanTaskOutcomes.Approved, payload))).Succeeded);
        await host.RunUntilIdleAsync();

        var view = (await host.Engine.GetInstanceAsync(id))!;
        Assert.Equal(InstanceStatus.Completed, view.Instance.Status);
        Assert.Equal(actions, await host.CountAsync("SELECT count(*) FROM action_ledger"));
        var decided = await host.CountAsync("SELECT count(*) FROM agent_decisions WHERE human_decision IS NOT NULL AND (stage <> 'shadow' OR agreement)");
        Assert.Equal(1, decided); // shadow: the proposal (full refund of 40) agreed with the human's decision
    }

    [Fact]
    public async Task An_agent_is_demoted_automatically_when_its_error_rate_passes_the_threshold()
    {
        await using var host = await EngineTestHost.StartAsync("autodemote");
        var catalog = host.Services.GetRequiredService<AgentCatalog>();
        await catalog.StoreAsync(AgentDocument.Parse("""
            id: shaky
            kind: rules
            owner: { name: O }
            stage: execute
            demotion: { errorRate: 0.5, minRuns: 3, window: 1h }
            rules:
              - { when: "vars.agentInput.amount < 0", result: { amount: "0" } }
            """, "shaky.yaml"), "test", "test");
        host.Clock.Advance(TimeSpan.FromSeconds(1)); // the runs below come after the agent entered execute
        await host.PublishAsync("""
            id: shaky-flow
            agents: [shaky]
            flowchart:
              start: a
              nodes:
                - { id: a, type: agent, inputs: { agent: shaky, input: input } }
                - { id: e, type: end }
              edges:
                - { from: a.done, to: e }
                - { from: a.failed, to: e }
            """);
        var monitor = host.Services.GetRequiredService<GovernanceMonitor>();
        for (var i = 0; i < 2; i++) await host.Engine.StartAsync("shaky-flow", new JsonObject { ["amount"] = 5 }, new StartOptions { RunInline = true });
        Assert.Empty(await monitor.EvaluateAsync()); // 2 runs: under the minimum, the rate is not trusted yet
        await host.Engine.StartAsync("shaky-flow", new JsonObject { ["amount"] = 5 }, new StartOptions { RunInline = true });
        var demoted = Assert.Single(await monitor.EvaluateAsync());
        Assert.Equal(("shaky", "execute", "draft", "error-rate"), (demoted.AgentId, demoted.From, demoted.To, demoted.Trigger));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'agent.stage-changed' AND actor = 'system:governance-monitor'"));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM agent_stage_changes WHERE kind = 'auto-demotion' AND to_stage = 'draft'"));

        // The runs that caused the demotion belong to the execute stage: they must not demote the agent again (to
        // shadow) at the next evaluation. Only new failures in draft could.
        Assert.Empty(await monitor.EvaluateAsync());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM agent_stage_changes WHERE kind = 'auto-demotion'"));
    }

    [Fact]
    public async Task An_http_agent_posts_its_contract_and_reads_the_answer()
    {
        var seen = new ConcurrentQueue<(string? Key, JsonObject Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost("/propose", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            seen.Enqueue((request.Headers["Idempotency-Key"].ToString(), body));
            var amount = body["input"]!["amount"]!.GetValue<double>();
            return Results.Json(amount > 100
                ? new JsonObject { ["decided"] = false, ["rationale"] = "too large for me" }
                : new JsonObject { ["result"] = new JsonObject { ["amount"] = amount }, ["confidence"] = 0.9, ["rationale"] = "ok", ["usage"] = new JsonObject { ["inputTokens"] = 7, ["outputTokens"] = 3, ["cost"] = 0.01 } });
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/propose";

        await using var host = await EngineTestHost.StartAsync("httpagent");
        await host.Services.GetRequiredService<AgentCatalog>().StoreAsync(AgentDocument.Parse($$"""
            id: remote
            kind: http
            owner: { name: O }
            stage: execute
            outputSchema: { type: object, required: [amount] }
            http: { url: "{{url}}", timeout: 5s, retries: 0 }
            """, "remote.yaml"), "test", "test");
        await host.PublishAsync("""
            id: remote-flow
            agents: [remote]
            flowchart:
              start: a
              nodes:
                - { id: a, type: agent, inputs: { agent: remote, input: input } }
                - { id: ok, type: end, inputs: { output: { amount: outputs.a.result.amount } } }
                - { id: no, type: end, inputs: { output: { why: outputs.a.rationale } } }
              edges:
                - { from: a.done, to: ok }
                - { from: a.failed, to: no }
            """);
        var small = await host.Engine.StartAsync("remote-flow", new JsonObject { ["amount"] = 12 }, new StartOptions { RunInline = true });
        Assert.Equal(12, (await host.Engine.GetInstanceAsync(small.InstanceId))!.Output!["amount"]!.GetValue<double>());
        var large = await host.Engine.StartAsync("remote-flow", new JsonObject { ["amount"] = 500 }, new StartOptions { RunInline = true });
        Assert.Equal("too large for me", (await host.Engine.GetInstanceAsync(large.InstanceId))!.Output!["why"]!.GetValue<string>());

        Assert.True(seen.TryDequeue(out var first));
        Assert.Equal($"{small.InstanceId:N}:a", first.Key);
        Assert.Equal(("remote", "a", small.InstanceId.ToString()), (first.Body["agentId"]!.GetValue<string>(), first.Body["nodeId"]!.GetValue<string>(), first.Body["instanceId"]!.GetValue<string>()));
        Assert.Equal(7, await host.CountAsync("SELECT input_tokens FROM agent_decisions WHERE instance_id = $1", small.InstanceId));
        await app.StopAsync();
    }
}
