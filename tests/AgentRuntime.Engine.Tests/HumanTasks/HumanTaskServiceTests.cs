using System.Text.Json.Nodes;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using static AgentRuntime.Engine.Tests.Integration.EngineAssert;

namespace AgentRuntime.Engine.Tests.HumanTasks;

/// <summary>
/// Tier: integration — one engine and its task store on a real PostgreSQL database per test, workers off, the test
/// drives slices and the clock. Why: the approval contract end to end through the real SQL: the step creates the task
/// and waits; a decision (with an edit) resumes the instance once and flows downstream; concurrent deciders and
/// repeated operation ids never apply twice; segregation of duties refuses the starter.
/// </summary>
public sealed class HumanTaskServiceTests
{
    private static readonly TaskActor Alice = new("alice", ["approver"]);
    private static readonly TaskActor Bob = new("bob", ["approver"]);

    internal static async Task<(EngineTestHost Host, Guid InstanceId, HumanTaskView Task)> StartWaitingAsync(string hint, decimal amount = 120, string? startedBy = "sam", string? connectionString = null)
    {
        var host = await EngineTestHost.StartAsync(hint, connectionString);
        if (connectionString is null) await host.PublishAsync(ApprovalWorkflows.Refund);
        var started = await host.Engine.StartAsync("approve-refund", Input($$"""{"amount": {{amount}}}"""), new StartOptions { StartedBy = startedBy });
        await host.RunUntilIdleAsync();
        var service = host.Services.GetRequiredService<HumanTaskService>();
        var task = Assert.Single(await service.ListAsync(new HumanTaskQuery(InstanceId: started.InstanceId)));
        return (host, started.InstanceId, task);
    }

    [Fact]
    public async Task The_approval_creates_a_task_and_an_edited_decision_flows_to_the_action()
    {
        var (host, id, task) = await StartWaitingAsync("edit");
        await using var _ = host;
        var service = host.Services.GetRequiredService<HumanTaskService>();

        var waiting = await StatusAsync(host, id, InstanceStatus.Waiting);
        Assert.Equal($"task:{task.Id}", waiting.Instance.WaitingOn);
        Assert.Equal("sam", waiting.Instance.StartedBy);
        Assert.Equal(("available", 1, "Refund 120"), (task.State, task.Revision, task.Title));
        Assert.Equal(["approver"], task.Roles);
        Assert.Equal(host.Clock.GetUtcNow().AddHours(4), task.DueAt);
        Assert.Equal(0.72, task.Data?["confidence"]?.GetValue<double>());

        // The approver fixes the agent's draft: 120 → 80.
        var edited = new JsonObject { ["amount"] = 80, ["confidence"] = 0.72, ["rationale"] = "order was late" };
        var done = await service.CompleteAsync(task.Id, Alice, 1, "op-1", new TaskCompletion("approved", edited, "Only the late item."));
        Assert.True(done.Succeeded, done.Detail);
        Assert.Equal(("completed", 2, "alice"), (done.Task!.State, done.Task.Revision, done.Task.DecidedBy));
        await host.RunUntilIdleAsync();

        var d = await StatusAsync(host, id, InstanceStatus.Completed);
        var output = d.Outputs!["approve"]!;
        Assert.Equal(("approved", "alice", true), (output["outcome"]!.GetValue<string>(), output["decidedBy"]!.GetValue<string>(), output["edited"]!.GetValue<bool>()));
        var change = Assert.Single(output["diff"]!.AsArray())!;
        Assert.Equal(("replace", "/amount", 120, 80), (change["op"]!.GetValue<string>(), change["path"]!.GetValue<string>(), change["from"]!.GetValue<int>(), change["value"]!.GetValue<int>()));
        Assert.Equal("Only the late item.", output["comment"]!.GetValue<string>());
        // Downstream received the edited value: the action's payload and the end output.
        Assert.Equal(80, d.Journal.Single(j => j.NodeId == "pay").Input!["payload"]!["amount"]!.GetValue<double>());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM connector_records WHERE instance_id = $1 AND (payload->>'amount')::numeric = 80", id));
        Assert.Equal(80, d.Output!["amount"]!.GetValue<double>());
        // The approval node waited once and completed once; the decision and its diff are in the audit trail.
        Assert.Equal(["waiting", "completed"], d.Journal.Where(j => j.NodeId == "approve").Select(j => j.Status).ToArray());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'task.completed' AND subject_id = $1 AND data->'diff'->0->>'path' = '/amount'", task.Id.ToString()));
        var history = await service.GetHistoryAsync(task.Id);
        Assert.Equal(["created", "completed"], history.Select(h => h.Kind).ToArray());
    }

    [Fact]
    public async Task Two_approvers_complete_at_once_exactly_one_wins_and_the_instance_resumes_once()
    {
        var (host, id, task) = await StartWaitingAsync("race");
        await using var _ = host;
        var service = host.Services.GetRequiredService<HumanTaskService>();

        // Both read revision 1 and decide at the same moment (different decisions, to see whose counts).
        using var go = new ManualResetEventSlim();
        var a = Task.Run(() => { go.Wait(); return service.CompleteAsync(task.Id, Alice, 1, "alice-1", new TaskCompletion("approved")); });
        var b = Task.Run(() => { go.Wait(); return service.CompleteAsync(task.Id, Bob, 1, "bob-1", new TaskCompletion("rejected")); });
        go.Set();
        var results = await Task.WhenAll(a, b);

        var winner = Assert.Single(results, r => r.Succeeded);
        var loser = Assert.Single(results, r => !r.Succeeded);
        Assert.Equal(TaskOperationStatus.Conflict, loser.Status);
        Assert.Contains(loser.Code, new[] { "revision-mismatch", "task-closed" });
        await host.RunUntilIdleAsync();

        var d = await StatusAsync(host, id, InstanceStatus.Completed);
        Assert.Single(d.Journal, j => j.NodeId == "approve" && j.Status == "completed");
        Assert.Equal(winner.Task!.Outcome, d.Journal.Single(j => j.NodeId == "approve" && j.Status == "completed").Port);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM instance_messages WHERE instance_id = $1 AND kind = 'task'", id));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'task.completed'"));
        Assert.Equal(2, (await service.GetAsync(task.Id))!.Revision); // the loser changed nothing
    }

    [Fact]
    public async Task A_repeated_operation_id_returns_the_first_result_without_applying_twice()
    {
        var (host, id, task) = await StartWaitingAsync("replay");
        await using var _ = host;
        var service = host.Services.GetRequiredService<HumanTaskService>();

        var claim = await service.ClaimAsync(task.Id, Alice, 1, "claim-1");
        Assert.Equal(("claimed", 2, false), (claim.Task!.State, claim.Task.Revision, claim.Replayed));
        var again = await service.ClaimAsync(task.Id, Alice, 1, "claim-1"); // a retry of the same request (stale revision and all)
        Assert.True(again.Succeeded);
        Assert.True(again.Replayed);
        Assert.Equal(2, again.Task!.Revision);

        var first = await service.CompleteAsync(task.Id, Alice, 2, "done-1", new TaskCompletion("approved"));
        var repeat = await service.CompleteAsync(task.Id, Alice, 2, "done-1", new TaskCompletion("approved"));
        Assert.True(repeat.Replayed);
        Assert.Equal(first.Task!.DecidedAt, repeat.Task!.DecidedAt);
        Assert.Equal(TaskOperationStatus.Conflict, (await service.ReleaseAsync(task.Id, Alice, 2, "done-1")).Status); // same id, other operation

        await host.RunUntilIdleAsync();
        await StatusAsync(host, id, InstanceStatus.Completed);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM instance_messages WHERE instance_id = $1", id));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'task.completed'"));
        Assert.Equal(["created", "claimed", "completed"], (await service.GetHistoryAsync(task.Id)).Select(h => h.Kind).ToArray());
    }

    [Fact]
    public async Task Refusals_name_their_reason_and_change_nothing()
    {
        var (host, _, task) = await StartWaitingAsync("refusals", startedBy: "alice");
        await using var __ = host;
        var service = host.Services.GetRequiredService<HumanTaskService>();

        var self = await service.CompleteAsync(task.Id, Alice, 1, "a", new TaskCompletion("approved"));
        Assert.Equal((TaskOperationStatus.Forbidden, "segregation-of-duties"), (self.Status, self.Code));
        Assert.Contains("started this instance", self.Detail, StringComparison.Ordinal);
        var stranger = await service.ClaimAsync(task.Id, new TaskActor("mallory", ["sales"]), 1, "b");
        Assert.Equal((TaskOperationStatus.Forbidden, "not-a-candidate"), (stranger.Status, stranger.Code));
        var stale = await service.ClaimAsync(task.Id, Bob, 7, "c");
        Assert.Equal((TaskOperationStatus.Conflict, "revision-mismatch"), (stale.Status, stale.Code));
        var missing = await service.CompleteAsync(task.Id, Bob, 1, "d", new TaskCompletion("approved", new JsonObject { ["amount"] = "eighty" }));
        Assert.Equal(TaskOperationStatus.Invalid, missing.Status);
        Assert.Contains("amount", missing.Errors!.Keys);
        Assert.Equal(TaskOperationStatus.NotFound, (await service.ClaimAsync(Guid.NewGuid(), Bob, 1, "e")).Status);
        Assert.Equal(1, (await service.GetAsync(task.Id))!.Revision);

        // The starter may still reject (segregation of duties guards approval), and the inbox shows the task to role members only.
        Assert.Single(await service.ListAsync(new HumanTaskQuery(For: Bob, States: ["available"])));
        Assert.Empty(await service.ListAsync(new HumanTaskQuery(For: new TaskActor("mallory", ["sales"]))));
        Assert.True((await service.CompleteAsync(task.Id, Alice, 1, "f", new TaskCompletion("rejected"))).Succeeded);
    }
}
