using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Host.Tests.Agents;

/// <summary>
/// Tier: functional — the real host in process on its own PostgreSQL database (engine workers off: the test drives slices
/// with <see cref="EngineRunner"/> so every step is deterministic), development identity for actors.
/// Why: the promotion gate as an operator meets it: refused with every unmet reason while the shadow evidence is short and
/// the scheduled evidence is missing; accepted once both are met, but only as a sign-off task for the workflow's owner;
/// the stage changes when, and only when, the owner approves — audited with the owner as actor. Plus the kill switch,
/// demotion and the start-up sync of the sample agents (idempotent across restarts).
/// </summary>
public sealed class AgentsApiTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agentrt-agents-").FullName;

    private const string Agent = """
        id: promo-agent
        kind: rules
        name: Promotion candidate
        owner: { name: Dana Whitfield, email: dana@example.com }
        role: refund-approver
        stage: shadow
        outputSchema: { type: object, required: [amount] }
        comparator: { fields: [amount] }
        evidence: { shadowAgreement: 0.8, shadowMinCases: 5 }
        rules:
          - when: "true"
            result: { amount: "vars.agentInput.amount" }
            confidence: 0.9
        """;

    private const string Workflow = """
        id: promo-flow
        name: Promotion flow
        description: A refund proposal acted on by a record action.
        owner: { name: Dana Whitfield, email: dana@example.com, id: dana }
        outcome: { metric: cycle_time, unit: hours, target: 4, direction: lower-is-better, measure: "1", attribution: vs manual desk }
        boundary:
          trigger: tests
          allowedActions: [refund]
          forbiddenActions: [close-account]
        dataSources:
          - id: orders
            freshness: 1h
            probe: { kind: sql, connection: orders, query: "SELECT count(*) AS row_count FROM orders", minCount: 1 }
        auditProtocol:
          cron: 0 0 9 ? * MON-FRI
          sampling: { rate: 0.1 }
          reviewerRole: refund-auditor
          criteria: [{ id: amount, description: The amount is right. }]
        rollback: { procedure: Demote the agent and reverse refunds., fallbackStage: shadow }
        agents: [promo-agent]
        input:
          fields:
            amount: { type: number, required: true }
        flowchart:
          start: propose
          nodes:
            - { id: propose, type: agent, inputs: { agent: promo-agent, input: input } }
            - id: refund
              type: action
              inputs:
                action: refund
                connector: record
                input: { amount: outputs.propose.result.amount }
                compensation: { action: reverse-refund, connector: record }
            - { id: done, type: end }
            - { id: stopped, type: end }
          edges:
            - { from: propose.done, to: refund }
            - { from: propose.low-confidence, to: refund }
            - { from: propose.failed, to: stopped }
            - { from: propose.invalid-output, to: stopped }
            - { from: refund.done, to: done }
        """;

    private static Dictionary<string, string?> Settings => new()
    {
        ["Auth:Mode"] = "Development",
        ["Engine:RunWorkers"] = "false",
    };

    private static HttpClient As(HostFactory factory, string user, string roles = "ops")
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Dev-User", user);
        client.DefaultRequestHeaders.Add("X-Dev-Roles", roles);
        return client;
    }

    [Fact]
    public async Task Promotion_from_shadow_is_refused_with_reasons_until_the_evidence_is_met_then_applied_when_the_owner_signs_off()
    {
        await using var factory = await HostFactory.CreateAsync("promotion", settings: Settings);
        using var ops = As(factory, "olivia");
        var put = await ops.PutAsync("/api/v1/agents/promo-agent", new StringContent(Agent, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());

        // 1. Nothing evidenced yet: refused, every reason listed at once.
        var refused = await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/promotions", new { targetStage = "draft", reason = "looks good" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("promotion-refused", problem["code"]!.GetValue<string>());
        var unmet = problem["unmet"]!.AsArray().Select(u => (Code: u!["code"]!.GetValue<string>(), Checkpoint: u["checkpoint"]?.GetValue<int>(), Message: u["message"]!.GetValue<string>())).ToList();
        Assert.Contains(unmet, u => u.Code == "evidence" && u.Message.Contains("0 case(s)", StringComparison.Ordinal));
        Assert.Contains(unmet, u => u.Code == "readiness" && u.Checkpoint == 4 && u.Message.Contains("not-evidenced", StringComparison.Ordinal));
        Assert.Contains(unmet, u => u.Code == "readiness" && u.Checkpoint == 5);
        Assert.Contains(unmet, u => u.Code == "readiness" && u.Checkpoint == 6); // the protocol is valid, but its sampling job has not been scheduled
        Assert.DoesNotContain(unmet, u => u.Checkpoint is 1 or 2 or 3 or 7);

        // The readiness endpoint shows the same picture: 4, 5 and 6 are not evidenced (never "passed" without a job's evidence).
        var readiness = (await ops.GetFromJsonAsync<JsonObject>("/api/v1/workflows/promo-flow/readiness"))!;
        var checks = readiness["checks"]!.AsArray();
        Assert.Equal(7, checks.Count);
        Assert.Equal("not-evidenced", checks[3]!["status"]!.GetValue<string>());
        Assert.Equal("not-evidenced", checks[4]!["status"]!.GetValue<string>());
        Assert.Equal("not-evidenced", checks[5]!["status"]!.GetValue<string>());
        Assert.All(new[] { 0, 1, 2, 6 }, i => Assert.Equal("passed", checks[i]!["status"]!.GetValue<string>()));

        // 2. Shadow runs: the agent proposes, a human decides without seeing the proposal; agreement is recorded.
        var engine = factory.Services.GetRequiredService<WorkflowEngine>();
        var runner = factory.Services.GetRequiredService<EngineRunner>();
        var tasks = factory.Services.GetRequiredService<HumanTaskService>();
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++) ids.Add((await engine.StartAsync("promo-flow", new JsonObject { ["amount"] = 10 + i })).InstanceId);
        await runner.RunUntilIdleAsync();
        var approver = new TaskActor("hana", ["refund-approver"]);
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var task = Assert.Single(await tasks.ListAsync(new HumanTaskQuery(InstanceId: id)));
            Assert.Equal("agent-decide", task.Kind);
            Assert.Null(task.Data!["decision"]);                       // the human does not see the proposal
            Assert.DoesNotContain("proposal", task.Data.ToJsonString(), StringComparison.Ordinal);
            var amount = i == 0 ? 99 : 10 + i;                         // one disagreement: 5 of 6 agree
            var done = await tasks.CompleteAsync(task.Id, approver, task.Revision, $"op-{i}", new TaskCompletion(HumanTaskOutcomes.Approved,
                new JsonObject { ["input"] = task.Data["input"]!.DeepClone(), ["decision"] = new JsonObject { ["amount"] = amount } }));
            Assert.True(done.Succeeded, done.Detail);
        }
        await runner.RunUntilIdleAsync();
        foreach (var id in ids) Assert.Equal(InstanceStatus.Completed, (await engine.GetInstanceAsync(id))!.Instance.Status);

        var agent = (await ops.GetFromJsonAsync<JsonObject>("/api/v1/agents/promo-agent"))!;
        Assert.Equal(6, agent["evidence"]!["shadow"]!["compared"]!.GetValue<int>());
        Assert.Equal(5, agent["evidence"]!["shadow"]!["agreed"]!.GetValue<int>());

        // Evidence met, but the scheduled jobs have not reported: still refused, now only for checkpoints 4, 5 and 6 (the audit job's schedule).
        var stillRefused = await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/promotions", new { targetStage = "draft", reason = "agreement 83%" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, stillRefused.StatusCode);
        var remaining = (await stillRefused.Content.ReadFromJsonAsync<JsonObject>())!["unmet"]!.AsArray();
        Assert.Equal([4, 5, 6], remaining.Select(u => u!["checkpoint"]!.GetValue<int>()).Order().ToArray());

        // 3. The data-readiness probe and the telemetry job report (rows the later scheduled jobs will write).
        await InsertEvidenceAsync(factory.ConnectionString, "data-readiness", "orders");
        await InsertEvidenceAsync(factory.ConnectionString, "telemetry", null);
        await InsertEvidenceAsync(factory.ConnectionString, "audit-schedule", null);
        var accepted = await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/promotions", new { targetStage = "draft", reason = "agreement 83% over 6 cases" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var pending = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("dana", pending["signOffBy"]!.GetValue<string>());
        var signOff = Guid.Parse(pending["signOffTaskId"]!.GetValue<string>());

        // Not yet: the stage changes only with the owner's sign-off; a second request meanwhile is a conflict.
        Assert.Equal("shadow", (await ops.GetFromJsonAsync<JsonObject>("/api/v1/agents/promo-agent"))!["agent"]!["stage"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/promotions", new { targetStage = "draft" })).StatusCode);

        // 4. Someone else cannot sign off; the owner can.
        var task2 = (await tasks.GetAsync(signOff))!;
        Assert.Equal("agent-promotion", task2.Kind);
        var intruder = await tasks.CompleteAsync(signOff, new TaskActor("olivia", ["ops"]), task2.Revision, "op-olivia", new TaskCompletion(HumanTaskOutcomes.Approved));
        Assert.False(intruder.Succeeded);
        var owner = await tasks.CompleteAsync(signOff, new TaskActor("dana", []), task2.Revision, "op-dana", new TaskCompletion(HumanTaskOutcomes.Approved, Comment: "evidence reviewed"));
        Assert.True(owner.Succeeded, owner.Detail);

        agent = (await ops.GetFromJsonAsync<JsonObject>("/api/v1/agents/promo-agent"))!;
        Assert.Equal("draft", agent["agent"]!["stage"]!.GetValue<string>());
        var history = agent["promotionHistory"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).ToList();
        Assert.Equal(["applied", "refused", "refused"], history);
        var audit = (await ops.GetFromJsonAsync<JsonObject>("/api/v1/audit?subjectType=agent&subject=promo-agent&action=agent.stage-changed"))!;
        var entry = Assert.Single(audit["items"]!.AsArray());
        Assert.Equal("dana", entry!["actor"]!.GetValue<string>());

        // 5. Now in draft: the next run's output waits for approval before the action acts on it.
        var drafted = (await engine.StartAsync("promo-flow", new JsonObject { ["amount"] = 40 })).InstanceId;
        await runner.RunUntilIdleAsync();
        Assert.Equal("agent-draft", Assert.Single(await tasks.ListAsync(new HumanTaskQuery(InstanceId: drafted))).Kind);
        Assert.Equal(6, await CountAsync(factory.ConnectionString, "SELECT count(*) FROM action_ledger"));
    }

    [Fact]
    public async Task Kill_switch_and_demotion_through_the_api()
    {
        await using var factory = await HostFactory.CreateAsync("killswitch", settings: Settings);
        using var ops = As(factory, "olivia");
        Assert.Equal(HttpStatusCode.Created, (await ops.PutAsync("/api/v1/agents/promo-agent", new StringContent(Agent.Replace("stage: shadow", "stage: execute", StringComparison.Ordinal), Encoding.UTF8, "application/yaml"))).StatusCode);
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());
        var engine = factory.Services.GetRequiredService<WorkflowEngine>();
        var runner = factory.Services.GetRequiredService<EngineRunner>();

        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/pause", new { reason = "bad answers reported" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/pause", new { reason = "again" })).StatusCode);
        var held = (await engine.StartAsync("promo-flow", new JsonObject { ["amount"] = 5 })).InstanceId;
        await runner.RunUntilIdleAsync();
        var view = (await engine.GetInstanceAsync(held))!;
        Assert.Equal(InstanceStatus.Paused, view.Instance.Status);
        Assert.Equal("agent-paused:promo-agent", view.Instance.HoldReason);

        var resumed = (await (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/resume", new { reason = "fixed" })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, resumed["released"]!.GetValue<int>());
        await runner.RunUntilIdleAsync();
        Assert.Equal(InstanceStatus.Completed, (await engine.GetInstanceAsync(held))!.Instance.Status);

        var demoted = (await (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/demotions", new { reason = "audit failures" })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("execute", "draft"), (demoted["from"]!.GetValue<string>(), demoted["to"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/demotions", new { targetStage = "shadow", reason = "more" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ops.PostAsJsonAsync("/api/v1/agents/promo-agent/demotions", new { reason = "below shadow" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ops.PostAsJsonAsync("/api/v1/agents/nobody/pause", new { reason = "x" })).StatusCode);

        var actions = (await ops.GetFromJsonAsync<JsonObject>("/api/v1/audit?subjectType=agent&subject=promo-agent"))!["items"]!.AsArray()
            .Select(e => (e!["action"]!.GetValue<string>(), e["actor"]!.GetValue<string>())).ToList();
        Assert.Contains(("agent.paused", "olivia"), actions);
        Assert.Contains(("agent.resumed", "olivia"), actions);
        Assert.Equal(2, actions.Count(a => a.Item1 == "agent.stage-changed"));
    }

    [Fact]
    public async Task Sample_agents_and_workflows_sync_at_start_and_a_restart_changes_nothing()
    {
        CopyTree(RepoPaths.Workflows, _folder);
        var db = await TestPostgres.CreateDatabaseAsync("agentsync");
        await using (var first = new HostFactory(db, _folder, Settings))
        {
            using var client = As(first, "olivia");
            var list = (await client.GetFromJsonAsync<JsonObject>("/api/v1/agents"))!["items"]!.AsArray();
            Assert.Equal(["brief-writer", "invoice-extractor", "refund-proposer"], list.Select(a => a!["id"]!.GetValue<string>()).ToArray());
            Assert.Equal("shadow", list.Single(a => a!["id"]!.GetValue<string>() == "refund-proposer")!["stage"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/agents/refund-proposer/pause", new { reason = "kept across restarts" })).StatusCode);
            var readiness = (await client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/readiness"))!;
            Assert.Equal("refund-proposer", readiness["agents"]![0]!["agentId"]!.GetValue<string>());
        }
        var before = await CountAsync(db, "SELECT count(*) FROM audit_entries");
        await using (var second = new HostFactory(db, _folder, Settings))
        {
            using var client = As(second, "olivia");
            var agent = (await client.GetFromJsonAsync<JsonObject>("/api/v1/agents/refund-proposer"))!["agent"]!;
            Assert.Equal((1, true, "shadow"), (agent["version"]!.GetValue<int>(), agent["paused"]!.GetValue<bool>(), agent["stage"]!.GetValue<string>()));
        }
        Assert.Equal(before, await CountAsync(db, "SELECT count(*) FROM audit_entries"));
        Assert.Equal(3, await CountAsync(db, "SELECT count(*) FROM agent_versions"));
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static async Task InsertEvidenceAsync(string connectionString, string checkpoint, string? subject)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO readiness_evidence (workflow_id, checkpoint, subject, passed, detail, observed_at) VALUES ('promo-flow', $1, $2, true, '{"job": "test"}', now())
            """, conn);
        cmd.Parameters.Add(new() { Value = checkpoint });
        cmd.Parameters.Add(new() { Value = (object?)subject ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
