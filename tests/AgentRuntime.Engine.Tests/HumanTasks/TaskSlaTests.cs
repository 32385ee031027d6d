using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Notifications;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using static AgentRuntime.Engine.Tests.Integration.EngineAssert;

namespace AgentRuntime.Engine.Tests.HumanTasks;

/// <summary>
/// Tier: functional — two engine/task-service hosts on one real PostgreSQL database, each with its own manual clock moved in
/// step, both sweeping SLAs at the same moments (several concurrent sweeps per host). Why: SLA steps are clustered work;
/// with every host sweeping, a task must still be reminded, escalated and timed out exactly once, in that order, and the
/// instance must follow <c>timed-out</c> exactly once.
/// </summary>
public sealed class TaskSlaTests
{
    [Fact]
    public async Task An_overdue_task_is_reminded_escalated_then_timed_out_once_with_two_hosts_sweeping()
    {
        var (a, id, task) = await HumanTaskServiceTests.StartWaitingAsync("sla");
        await using var _ = a;
        await using var b = await EngineTestHost.StartAsync("sla-b", a.ConnectionString);
        var hosts = new[] { a, b };

        async Task<int> SweepEverywhereAsync(TimeSpan advance)
        {
            foreach (var h in hosts) h.Clock.Advance(advance);
            var sweeps = hosts.SelectMany(h => Enumerable.Range(0, 3).Select(_ => Task.Run(() => h.Services.GetRequiredService<TaskSlaProcessor>().RunDueAsync())));
            return (await Task.WhenAll(sweeps)).Sum();
        }

        Assert.Equal(0, await SweepEverywhereAsync(TimeSpan.FromHours(2)));   // 2h: nothing due yet
        Assert.Equal(1, await SweepEverywhereAsync(TimeSpan.FromHours(1.5))); // 3.5h: the reminder (1h before the 4h due date)
        Assert.Equal(1, await SweepEverywhereAsync(TimeSpan.FromHours(1)));   // 4.5h: overdue → escalated to the supervisor role
        var service = a.Services.GetRequiredService<HumanTaskService>();
        var escalated = (await service.GetAsync(task.Id))!;
        Assert.Equal("available", escalated.State);
        Assert.Equal(["supervisor"], escalated.Roles);
        Assert.NotNull(escalated.EscalatedAt);
        await StatusAsync(a, id, InstanceStatus.Waiting);                     // escalation is not a decision

        Assert.Equal(1, await SweepEverywhereAsync(TimeSpan.FromHours(2)));   // 6.5h: past due + 2h grace → timed-out
        Assert.Equal(0, await SweepEverywhereAsync(TimeSpan.FromHours(5)));   // nothing left to do, ever
        await Task.WhenAll(a.RunUntilIdleAsync(), b.RunUntilIdleAsync());

        var d = await StatusAsync(a, id, InstanceStatus.Completed);
        Assert.True(d.Output!["timedOut"]!.GetValue<bool>());
        var approve = Assert.Single(d.Journal, j => j.NodeId == "approve" && j.Status == "completed");
        Assert.Equal("timed-out", approve.Port);
        Assert.Equal(["created", "reminded", "escalated", "timed-out"], (await service.GetHistoryAsync(task.Id)).Select(h => h.Kind).ToArray());
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'task.escalated' AND subject_id = $1", task.Id.ToString()));
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'task.timed-out' AND subject_id = $1", task.Id.ToString()));
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM instance_messages WHERE instance_id = $1 AND kind = 'task'", id));

        // A late decision after the timeout changes nothing.
        var late = await service.CompleteAsync(task.Id, new TaskActor("bob", ["supervisor"]), 3, "late", new TaskCompletion("approved"));
        Assert.Equal((TaskOperationStatus.Conflict, "task-closed"), (late.Status, late.Code));

        // Notifications (created, reminder, escalated, timed-out) are delivered once each, whichever host's dispatcher runs.
        var delivered = await Task.WhenAll(hosts.Select(h => h.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync()));
        Assert.Equal(4, delivered.Sum());
        Assert.Equal(4, await a.CountAsync("SELECT count(*) FROM outbox_messages WHERE dispatched_at IS NOT NULL AND attempts = 1"));
    }
}
