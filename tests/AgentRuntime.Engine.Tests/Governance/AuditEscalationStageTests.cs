using System.Text.Json.Nodes;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Tests.Scheduling;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Governance;

/// <summary>
/// Tier: integration — audit sampling, reviews and the protocol's escalation on a real database with a manual clock.
/// Why: an owner would be alarmed to find an agent demoted twice for one bad stretch. Failures of decisions the agent made
/// before it was demoted (by an operator, the governance monitor or an earlier escalation) are often reviewed afterwards;
/// they must not demote it again. What it does at its current stage still escalates.
/// </summary>
public sealed class AuditEscalationStageTests
{
    private static readonly TaskActor Rita = new("rita", ["auditor"]);

    private static TaskCompletion Review(bool pass) => new(pass ? "approved" : "rejected", new JsonObject
    {
        ["results"] = new JsonObject { ["amount-correct"] = pass ? "pass" : "fail", ["policy-followed"] = "pass" },
    }, null);

    private static async Task ReviewAsync(EngineTestHost host, HumanTaskView task, bool pass)
    {
        host.Clock.Advance(TimeSpan.FromSeconds(10));
        var done = await host.Services.GetRequiredService<HumanTaskService>().CompleteAsync(task.Id, Rita, task.Revision, "r-" + task.Id, Review(pass));
        Assert.True(done.Succeeded, done.Detail);
    }

    private static async Task<List<HumanTaskView>> OpenReviewsAsync(EngineTestHost host) =>
        [.. await host.Services.GetRequiredService<HumanTaskService>().ListAsync(new HumanTaskQuery(States: [HumanTaskStates.Available], Kind: AuditSampler.TaskKind))];

    [Fact]
    public async Task Reviews_of_decisions_made_before_a_demotion_do_not_demote_the_agent_again_but_its_new_record_does()
    {
        await using var host = await EngineTestHost.StartAsync("audit-escalate-stage");
        await host.PublishAsync(AuditSamplingTests.Workflow("demote", rate: 1.0));
        await AuditSamplingTests.RegisterAgentAsync(host.ConnectionString, "agent-a", "execute");
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-a", "done", 6, host.Clock.GetUtcNow().AddHours(-2));
        var sampler = host.Services.GetRequiredService<AuditSampler>();
        await sampler.RunAsync("audited");
        var execReviews = await OpenReviewsAsync(host);
        Assert.Equal(6, execReviews.Count);

        // Three reviews (below minReviews 5), then an operator demotes the agent for what they show.
        await ReviewAsync(host, execReviews[0], pass: true);
        await ReviewAsync(host, execReviews[1], pass: false);
        await ReviewAsync(host, execReviews[2], pass: false);
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        var demoted = await host.Services.GetRequiredService<StageService>().DemoteAsync("agent-a", "draft", "two failed audits", "oscar");
        Assert.True(demoted.Succeeded, demoted.Detail);

        // Two more failures of the same execute-stage decisions: 4 of 5 failed, past 20%, but already paid for.
        await ReviewAsync(host, execReviews[3], pass: false);
        await ReviewAsync(host, execReviews[4], pass: false);
        Assert.Equal("draft", await StageAsync(host));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM audit_escalations"));

        // Its record in draft: 2 of 5 failed (40% > 20%) → the protocol demotes it to shadow, once.
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await AuditSamplingTests.SeedAsync(host.ConnectionString, "agent-a", "done", 5, host.Clock.GetUtcNow());
        host.Clock.Advance(TimeSpan.FromMinutes(30)); // past the settle delay and the tally bucket: the new decisions are in the next window
        await sampler.RunAsync("audited");
        var draftReviews = (await OpenReviewsAsync(host)).Where(t => t.Id != execReviews[5].Id).ToList();
        Assert.Equal(5, draftReviews.Count);
        for (var i = 0; i < 5; i++) await ReviewAsync(host, draftReviews[i], pass: i >= 2);
        Assert.Equal("shadow", await StageAsync(host));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_escalations WHERE action = 'demote' AND reviews = 5"));
    }

    private static async Task<string> StageAsync(EngineTestHost host)
    {
        await using var conn = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT stage FROM agents WHERE id = 'agent-a'", conn);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}
