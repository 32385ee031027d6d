using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Operations;

/// <summary>
/// Tier: integration — one engine on its own PostgreSQL database, workers off, slices driven by the test. Why: the
/// workflow-scope pause of the ops issue: with 500 running instances paused, none advances (the journal shows only
/// <c>held</c> entries after the pause, and no effect is committed), no new instance starts, and after resume all finish.
/// </summary>
public sealed class WorkflowPauseTests
{
    private const string Workflow = """
        id: pausable
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: go } }
            - id: act
              type: action
              inputs:
                action: book
                connector: record
                input: { n: input.n }
                compensation: { action: unbook, connector: record }
            - { id: done, type: end }
          edges:
            - { from: hold.done, to: act }
            - { from: act.done, to: done }
        """;

    [Fact]
    public async Task Five_hundred_running_instances_hold_while_the_workflow_is_paused_and_all_finish_after_resume()
    {
        await using var host = await EngineTestHost.StartAsync("wfpause");
        await host.PublishAsync(Workflow);
        var ops = host.Services.GetRequiredService<OperationsService>();
        const int count = 500;
        var ids = new List<Guid>(count);
        for (var i = 0; i < count; i++) ids.Add((await host.Engine.StartAsync("pausable", new JsonObject { ["n"] = i })).InstanceId);
        await host.RunUntilIdleAsync();
        Assert.Equal(count, await host.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'waiting'"));

        var paused = await ops.PauseWorkflowAsync("pausable", "bad vendor data", "olivia");
        Assert.Equal(OperationOutcome.Accepted, paused.Outcome);
        var mark = await host.CountAsync("SELECT coalesce(max(id), 0) FROM journal_entries");

        // Every instance is woken (its signal arrives) while paused: each holds at its next step instead of advancing.
        foreach (var id in ids) await host.Engine.SignalAsync(id, "go", null);
        await host.RunUntilIdleAsync();
        Assert.Equal(count, await host.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'paused' AND hold_reason LIKE 'workflow paused: bad vendor data%'"));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM journal_entries WHERE id > $1 AND status <> 'held'", mark));
        Assert.Equal(count, await host.CountAsync("SELECT count(*) FROM journal_entries WHERE id > $1 AND status = 'held'", mark));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM connector_records"));
        var refused = await Assert.ThrowsAsync<WorkflowNotStartableException>(() => host.Engine.StartAsync("pausable", new JsonObject { ["n"] = -1 }));
        Assert.Contains("paused", refused.Message, StringComparison.Ordinal);

        // Nothing moves on its own while paused: another round of the engine does nothing.
        Assert.Equal(0, await host.RunUntilIdleAsync());

        var resumed = await ops.ResumeWorkflowAsync("pausable", "vendor fixed", "olivia");
        Assert.Equal(count, resumed.Data!["released"]!.GetValue<int>());
        await host.RunUntilIdleAsync();
        Assert.Equal(count, await host.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'"));
        Assert.Equal(count, await host.CountAsync("SELECT count(*) FROM connector_records"));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'workflow.paused' AND reason = 'bad vendor data' AND actor = 'olivia'"));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'workflow.resumed' AND reason = 'vendor fixed'"));
    }

    [Fact]
    public async Task Instance_pause_outlives_a_workflow_resume_and_a_blank_reason_is_refused()
    {
        await using var host = await EngineTestHost.StartAsync("instpause");
        await host.PublishAsync(Workflow);
        var ops = host.Services.GetRequiredService<OperationsService>();
        var a = (await host.Engine.StartAsync("pausable", new JsonObject { ["n"] = 1 })).InstanceId;
        var b = (await host.Engine.StartAsync("pausable", new JsonObject { ["n"] = 2 })).InstanceId;
        await host.RunUntilIdleAsync();

        await Assert.ThrowsAsync<ReasonRequiredException>(() => ops.PauseInstanceAsync(a, "  ", "olivia"));
        Assert.Equal(OperationOutcome.Accepted, (await ops.PauseInstanceAsync(a, "customer complaint", "olivia")).Outcome);
        await ops.PauseWorkflowAsync("pausable", "incident", "olivia");
        await host.Engine.SignalAsync(a, "go", null);
        await host.Engine.SignalAsync(b, "go", null);
        await host.RunUntilIdleAsync();
        await ops.ResumeWorkflowAsync("pausable", "over", "olivia");
        await host.RunUntilIdleAsync();

        // b finishes; a stays paused by its own hold until the instance itself is resumed.
        Assert.Equal(InstanceStatus.Completed, (await host.Engine.GetInstanceAsync(b))!.Instance.Status);
        var held = (await host.Engine.GetInstanceAsync(a))!.Instance;
        Assert.Equal(InstanceStatus.Paused, held.Status);
        Assert.Equal("customer complaint", held.HoldReason);
        await ops.ResumeInstanceAsync(a, "resolved", "olivia");
        await host.RunUntilIdleAsync();
        Assert.Equal(InstanceStatus.Completed, (await host.Engine.GetInstanceAsync(a))!.Instance.Status);

        Assert.Equal(OperationOutcome.Conflict, (await ops.CancelInstanceAsync(a, "too late", "olivia")).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await ops.CancelInstanceAsync(Guid.NewGuid(), "nothing", "olivia")).Outcome);
    }
}
