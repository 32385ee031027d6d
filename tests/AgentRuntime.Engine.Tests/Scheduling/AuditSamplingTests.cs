using System.Text.Json.Nodes;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Scheduling;

/// <summary>
/// Tier: integration — the audit sampler, the review handler and the escalation on a real PostgreSQL database, with a
/// seeded decision history and a manual clock. Why: what a reviewer and an owner would notice — the run creates exactly the
/// review tasks the protocol asks for (stratified quotas), a decision is never sampled twice (repeat and concurrent runs),
/// a contradictory or incomplete review is refused, and a failure rate past the threshold demotes or pauses the agent,
/// in the audit trail.
/// </summary>
public sealed class AuditSamplingTests
{
    internal static string Workflow(string action, double rate = 0.1, string stratify = "[agent, outcome]", int minReviews = 5) => $$"""
        id: audited
        name: Audited flow
        owner: { name: Dana Whitfield, email: dana@example.com }
        agents: [agent-a, agent-b]
        auditProtocol:
          cron: 0 0 9 ? * MON-FRI
          sampling: { rate: {{rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, stratifyBy: {{stratify}} }
          reviewerRole: auditor
          criteria:
            - { id: amount-correct, description: The amount matches the order. }
            - { id: policy-followed, description: The policy allows it. }
          escalation: { failureRateThreshold: 0.2, minReviews: {{minReviews}}, action: {{action}} }
        flowchart:
          nodes:
            - { id: done, type: end }
        """;

    /// <summary>Seeds <paramref name="count"/> decisions of one agent and outcome, created in [from, from + count s).</summary>
    internal static async Task SeedAsync(string connectionString, string agent, string outcome, int count, DateTimeOffset from)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                                         confidence, rationale, outcome, input_tokens, output_tokens, cost, duration_ms, human_decision, created_at)
            SELECT gen_random_uuid(), $1, 1, 'audited', 1, gen_random_uuid(), 'propose', 1, 'execute', jsonb_build_object('orderId', 'o-' || g),
                   jsonb_build_object('amount', g), 0.9, 'because ' || g, $2, 10, 5, 0.001, 12, 'approved', $3 + make_interval(secs => g)
              FROM generate_series(0, $4 - 1) g
            """, conn);
        cmd.Parameters.Add(new() { Value = agent });
        cmd.Parameters.Add(new() { Value = outcome });
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = count });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Registers an agent whose stage changed long before any seeded decision (its whole record counts).</summary>
    internal static async Task RegisterAgentAsync(string connectionString, string id, string stage)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO agents (id, kind, current_version, stage, paused, stage_changed_at, created_at, updated_at) VALUES ($1, 'rules', 1, $2, false, '2000-01-01Z', now(), now())
            """, conn);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = stage });
        await cmd.ExecuteNonQueryAsync();
    }

    private static readonly TaskActor Rita = new("rita", ["auditor"]);

    [Fact]
    public async Task A_run_creates_the_stratified_number_of_review_tasks_and_never_samples_a_decision_twice()
    {
        await using var host = await EngineTestHost.StartAsync("audit-sample");
        await host.PublishAsync(Workflow("demote"));
        var t0 = host.Clock.GetUtcNow().AddDays(-1);
        // Strata (agent, outcome): 120, 30, 45, 5 → ⌈10%⌉ = 12 + 3 + 5 + 1 = 21 (the 5 failed decisions still get a review).
        await SeedAsync(host.ConnectionString, "agent-a", "done", 120, t0);
        await SeedAsync(host.ConnectionString, "agent-a", "low-confidence", 30, t0);
        await SeedAsync(host.ConnectionString, "agent-b", "done", 45, t0);
        await SeedAsync(host.ConnectionString, "agent-b", "failed", 5, t0);
        var sampler = host.Services.GetRequiredService<AuditSampler>();
        var tasks = host.Services.GetRequiredService<HumanTaskService>();

        var first = await sampler.RunAsync("audited");
        Assert.Null(first.Skipped);
        Assert.Equal((21L, 21), (first.Sampled, first.TasksCreated));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_samples WHERE agent_id = 'agent-b' AND outcome = 'failed'"));
        var reviews = await tasks.ListAsync(new HumanTaskQuery(Kind: AuditSampler.TaskKind, Limit: 500));
        Assert.Equal(21, reviews.Count);
        var task = reviews[0];
        Assert.Equal(["auditor"], task.Roles);
        Assert.Equal("agent-decision", task.SubjectType);
        var sample = task.Data!["sample"]!;
        Assert.Equal(task.SubjectId, sample["decisionId"]!.GetValue<string>());
        foreach (var key in new[] { "decisionId", "workflowId", "agentId", "stage", "instanceId", "decidedAt", "input", "output", "confidence", "rationale", "after" })
            Assert.True(sample.AsObject().ContainsKey(key), $"sample.{key} missing");
        Assert.Equal("approved", sample["after"]!["humanDecision"]!.GetValue<string>());
        Assert.Equal(["amount-correct", "policy-followed"], task.Data["criteria"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));

        // The next run covers only what came after (the window closes SettleDelay before the run, for commits still in flight):
        // nothing new, nothing sampled; two runs at once sample the new decisions once.
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, (await sampler.RunAsync("audited")).Sampled);
        await SeedAsync(host.ConnectionString, "agent-a", "done", 40, host.Clock.GetUtcNow()); // written after the previous window closed
        host.Clock.Advance(TimeSpan.FromHours(1));
        var concurrent = await Task.WhenAll(sampler.RunAsync("audited"), sampler.RunAsync("audited"));
        Assert.Equal(4, concurrent.Sum(r => r.Sampled)); // ⌈10% of 40⌉, once
        Assert.Equal(25, await host.CountAsync("SELECT count(DISTINCT decision_id) FROM audit_samples"));
        Assert.Equal(25, await host.CountAsync("SELECT count(*) FROM human_tasks WHERE kind = 'audit-review'"));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM (SELECT subject_id FROM human_tasks WHERE kind = 'audit-review' GROUP BY subject_id HAVING count(*) > 1) d"));
    }

    [Fact]
    public async Task A_rate_without_strata_takes_the_decisions_whose_sample_key_is_below_it()
    {
        await using var host = await EngineTestHost.StartAsync("audit-rate");
        await host.PublishAsync(Workflow("notify-owner", rate: 0.25, stratify: "[]"));
        await SeedAsync(host.ConnectionString, "agent-a", "done", 400, host.Clock.GetUtcNow().AddDays(-1));
        // Keys spread evenly (as random() spreads them in expectation): exactly 100 of 400 fall below 0.25.
        await host.CountAsync("WITH k AS (SELECT id, (row_number() OVER (ORDER BY id) - 0.5) / 400.0 AS key FROM agent_decisions) UPDATE agent_decisions d SET sample_key = k.key FROM k WHERE k.id = d.id");
        var run = await host.Services.GetRequiredService<AuditSampler>().RunAsync("audited");
        Assert.Equal(100, run.Sampled);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM audit_samples s JOIN agent_decisions d ON d.id = s.decision_id WHERE d.sample_key >= 0.25"));
    }

    [Theory]
    [InlineData("demote")]
    [InlineData("pause")]
    public async Task Failing_reviews_past_the_threshold_run_the_protocols_escalation(string action)
    {
        await using var host = await EngineTestHost.StartAsync("audit-escalate-" + action);
        await host.PublishAsync(Workflow(action, rate: 1.0));
        await RegisterAgentAsync(host.ConnectionString, "agent-a", "execute");
        await SeedAsync(host.ConnectionString, "agent-a", "done", 6, host.Clock.GetUtcNow().AddHours(-2));
        await host.Services.GetRequiredService<AuditSampler>().RunAsync("audited");
        var tasks = host.Services.GetRequiredService<HumanTaskService>();
        var reviews = await tasks.ListAsync(new HumanTaskQuery(Kind: AuditSampler.TaskKind));
        Assert.Equal(6, reviews.Count);

        // Refused, changing nothing: a missing criterion, an outcome contradicting the results, a decision audits do not take.
        var missing = await tasks.CompleteAsync(reviews[0].Id, Rita, reviews[0].Revision, "bad-1", Review("approved", "pass", null));
        Assert.Equal(TaskOperationStatus.Invalid, missing.Status);
        Assert.Contains("payload.results.policy-followed", missing.Errors!.Keys);
        var contradiction = await tasks.CompleteAsync(reviews[0].Id, Rita, reviews[0].Revision, "bad-2", Review("approved", "pass", "fail"));
        Assert.Equal(TaskOperationStatus.Invalid, contradiction.Status);
        Assert.Contains("outcome", contradiction.Errors!.Keys);
        Assert.Equal(TaskOperationStatus.Invalid, (await tasks.CompleteAsync(reviews[0].Id, Rita, reviews[0].Revision, "bad-3", Review("rejected", "pass", "pass"))).Status);
        Assert.Equal(TaskOperationStatus.Invalid, (await tasks.CompleteAsync(reviews[0].Id, Rita, reviews[0].Revision, "bad-4", Review("changes-requested", "pass", "fail"))).Status);

        // 3 pass, then 1 fail (1/4: below minReviews 5 anyway), then a fail at the 5th: 2/5 = 40% > 20% → escalation.
        string[] results = ["pass", "pass", "pass", "fail"];
        for (var i = 0; i < 4; i++)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            var ok = await tasks.CompleteAsync(reviews[i].Id, Rita, reviews[i].Revision, $"r{i}",
                Review(results[i] == "pass" ? "approved" : "rejected", "pass", results[i], $"review {i}"));
            Assert.True(ok.Succeeded, ok.Detail);
        }
        Assert.Equal(("execute", false), await AgentStateAsync(host));
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await tasks.CompleteAsync(reviews[4].Id, Rita, reviews[4].Revision, "r4", Review("rejected", "fail", "pass", "wrong amount"))).Succeeded);

        Assert.Equal(action == "demote" ? ("draft", false) : ("execute", true), await AgentStateAsync(host));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_escalations WHERE agent_id = 'agent-a' AND action = $1 AND reviews = 5", action));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'audit.escalated' AND subject_id = 'agent-a' AND actor = 'system:audit-sampling'"));
        Assert.Equal(1, await host.CountAsync($"SELECT count(*) FROM audit_entries WHERE action = $1 AND subject_id = 'agent-a'", action == "demote" ? "agent.stage-changed" : "agent.paused"));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM outbox_messages WHERE kind = 'audit.escalated' AND recipient = 'dana@example.com'"));
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM agent_decisions WHERE audit_result = 'fail'"));

        // The next review counts from the escalation on: one more fail does not escalate again (1 review < minReviews).
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await tasks.CompleteAsync(reviews[5].Id, Rita, reviews[5].Revision, "r5", Review("rejected", "fail", "fail"))).Succeeded);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_escalations"));

        var agg = await host.Services.GetRequiredService<AuditResults>().ForAgentAsync("agent-a");
        Assert.Equal((6L, 3L, 3L, 0.5), (agg.Total.Reviews, agg.Total.Passed, agg.Total.Failed, agg.Total.PassRate!.Value));
        var wf = Assert.Single(agg.Workflows);
        Assert.Equal(("audited", 6L, 0L), (wf.WorkflowId, wf.Sampled, wf.Pending));
        Assert.Equal(new CriterionTally(4, 2), wf.Criteria["amount-correct"]);
        Assert.Equal(action, Assert.Single(agg.Escalations).Action);
    }

    private static TaskCompletion Review(string outcome, string? amount, string? policy, string? comment = null)
    {
        var results = new JsonObject();
        if (amount is not null) results["amount-correct"] = amount;
        if (policy is not null) results["policy-followed"] = policy;
        return new TaskCompletion(outcome, new JsonObject { ["results"] = results }, comment);
    }

    private static async Task<(string Stage, bool Paused)> AgentStateAsync(EngineTestHost host)
    {
        await using var conn = new NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT stage, paused FROM agents WHERE id = 'agent-a'", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetString(0), r.GetBoolean(1));
    }
}
