using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Operations;

/// <summary>
/// Tier: integration. Why: definition rollback of the ops issue: reverting to version 1 publishes a new version equal
/// to it; waiting instances whose current nodes exist in it are migrated (and then finish on it), the others are
/// refused one by one with the reason and stay where they are.
/// </summary>
public sealed class DefinitionRollbackTests
{
    private const string V1 = """
        id: rollback-demo
        flowchart:
          start: first
          nodes:
            - { id: first, type: wait, inputs: { signal: one } }
            - { id: second, type: wait, inputs: { signal: two } }
            - { id: done, type: end, inputs: { output: { path: "'v1'" } } }
          edges:
            - { from: first.done, to: second }
            - { from: second.done, to: done }
        """;

    private const string V2 = """
        id: rollback-demo
        flowchart:
          start: first
          nodes:
            - { id: first, type: wait, inputs: { signal: one } }
            - { id: rework, type: wait, inputs: { signal: two } }
            - { id: done, type: end }
          edges:
            - { from: first.done, to: rework }
            - { from: rework.done, to: done }
        """;

    [Fact]
    public async Task Rollback_publishes_version_n_again_migrates_compatible_waiting_instances_and_refuses_the_others_with_the_reason()
    {
        await using var host = await EngineTestHost.StartAsync("rollback");
        await host.PublishAsync(V1);
        var onV1 = (await host.Engine.StartAsync("rollback-demo", null)).InstanceId;
        await host.PublishAsync(V2);
        var atFirst = (await host.Engine.StartAsync("rollback-demo", null)).InstanceId;
        var atRework = (await host.Engine.StartAsync("rollback-demo", null)).InstanceId;
        await host.RunUntilIdleAsync();
        await host.Engine.SignalAsync(atRework, "one", null);
        await host.RunUntilIdleAsync();

        var rollback = host.Services.GetRequiredService<DefinitionRollback>();
        var result = await rollback.RollbackAsync("rollback-demo", 1, "v2 loses data", "olivia");
        Assert.Equal(OperationOutcome.Accepted, result.Outcome);
        var data = result.Data!;
        Assert.Equal(3, data["version"]!.GetValue<int>());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM workflows w JOIN workflow_versions a ON a.workflow_id = w.id AND a.version = 1 JOIN workflow_versions b ON b.workflow_id = w.id AND b.version = 3 WHERE w.published_version = 3 AND a.content_hash = b.content_hash"));

        var byId = data["instances"]!.AsArray().ToDictionary(i => Guid.Parse(i!["instanceId"]!.GetValue<string>()));
        Assert.True(byId[atFirst]!["migrated"]!.GetValue<bool>());
        Assert.True(byId[onV1]!["migrated"]!.GetValue<bool>());
        Assert.False(byId[atRework]!["migrated"]!.GetValue<bool>());
        Assert.Equal("node(s) 'rework' do not exist in version 1", byId[atRework]!["reason"]!.GetValue<string>());
        Assert.Equal(2, data["migrated"]!.GetValue<int>());
        Assert.Equal(1, data["refused"]!.GetValue<int>());

        // Migrated instances run on version 3 (= 1) to its end; the refused one stays on version 2.
        foreach (var id in new[] { atFirst, onV1 })
        {
            await host.Engine.SignalAsync(id, "one", null);
            await host.Engine.SignalAsync(id, "two", null);
        }
        await host.RunUntilIdleAsync();
        foreach (var id in new[] { atFirst, onV1 })
        {
            var d = (await host.Engine.GetInstanceAsync(id))!;
            Assert.Equal(InstanceStatus.Completed, d.Instance.Status);
            Assert.Equal(3, d.Instance.Version);
            Assert.Equal("v1", d.Output?["path"]?.GetValue<string>());
        }
        Assert.Equal(2, (await host.Engine.GetInstanceAsync(atRework))!.Instance.Version);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'workflow.rolled-back' AND reason = 'v2 loses data'"));

        Assert.Equal(OperationOutcome.Invalid, (await rollback.RollbackAsync("rollback-demo", 9, "no such", "olivia")).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await rollback.RollbackAsync("nope", 1, "no such", "olivia")).Outcome);
    }
    private static string AtRest(string path) => $$"""
        id: rollback-rest
        flowchart:
          start: risky
          nodes:
            - { id: risky, type: test-flaky }
            - { id: first, type: wait, inputs: { signal: one } }
            - { id: done, type: end, inputs: { output: { path: "'{{path}}'" } } }
          edges:
            - { from: risky.done, to: first }
            - { from: first.done, to: done }
        """;

    /// <summary>
    /// Why: instances at rest are not only <c>waiting</c>: one paused while waiting, one held before a node by a workflow
    /// pause (<c>paused</c>) and one stopped at an incident (<c>suspended</c>) stand on nodes just as well, and a rollback
    /// that skipped them would leave exactly the instances an ops lead has stopped on the bad version. Each migrates by
    /// the same rule, and after its hold is lifted (or its incident retried) it finishes on the restored version.
    /// </summary>
    [Fact]
    public async Task Paused_held_and_suspended_instances_migrate_by_the_same_rule_and_finish_on_the_restored_version()
    {
        await using var host = await EngineTestHost.StartAsync("rollback-rest");
        var ops = host.Services.GetRequiredService<OperationsService>();
        await host.PublishAsync(AtRest("v1"));
        await host.PublishAsync(AtRest("v2"));

        // suspended: risky fails with no error port -> an incident (the fault switch starts failing).
        var suspended = (await host.Engine.StartAsync("rollback-rest", null)).InstanceId;
        await host.RunUntilIdleAsync();
        host.Faults.Failing = false;
        // paused while waiting: at 'first', then paused (its status stays waiting, its state carries the hold).
        var pausedWaiting = (await host.Engine.StartAsync("rollback-rest", null)).InstanceId;
        await host.RunUntilIdleAsync();
        Assert.Equal(OperationOutcome.Accepted, (await ops.PauseInstanceAsync(pausedWaiting, "looking into it", "olivia")).Outcome);
        // held: queued, then the workflow is paused: it holds before its first node.
        var held = (await host.Engine.StartAsync("rollback-rest", null)).InstanceId;
        Assert.Equal(OperationOutcome.Accepted, (await ops.PauseWorkflowAsync("rollback-rest", "v2 misbehaves", "olivia")).Outcome);
        await host.RunUntilIdleAsync();
        Assert.Equal(InstanceStatus.Suspended, (await host.Engine.GetInstanceAsync(suspended))!.Instance.Status);
        Assert.Equal(InstanceStatus.Paused, (await host.Engine.GetInstanceAsync(held))!.Instance.Status);

        var result = await host.Services.GetRequiredService<DefinitionRollback>().RollbackAsync("rollback-rest", 1, "v2 misbehaves", "olivia");
        Assert.Equal(OperationOutcome.Accepted, result.Outcome);
        var byId = result.Data!["instances"]!.AsArray().ToDictionary(i => Guid.Parse(i!["instanceId"]!.GetValue<string>()));
        foreach (var id in new[] { suspended, pausedWaiting, held })
            Assert.True(byId[id]!["migrated"]!.GetValue<bool>(), $"{id}: {byId[id]!["reason"]}");
        Assert.Equal(3, result.Data!["migrated"]!.GetValue<int>());
        var incident = Assert.Single((await host.Engine.GetInstanceAsync(suspended))!.Incidents);
        Assert.Equal(3, incident.Version); // the incident moved with its instance

        // Lift the holds, retry the incident, signal: all three finish on version 3 (= 1).
        await ops.ResumeWorkflowAsync("rollback-rest", "fixed", "olivia");
        await ops.ResumeInstanceAsync(pausedWaiting, "fixed", "olivia");
        Assert.Equal(IncidentActionOutcome.Accepted, (await host.Engine.RetryIncidentAsync(incident.Id)).Outcome);
        await host.RunUntilIdleAsync();
        foreach (var id in new[] { suspended, pausedWaiting, held }) await host.Engine.SignalAsync(id, "one", null);
        await host.RunUntilIdleAsync();
        foreach (var id in new[] { suspended, pausedWaiting, held })
        {
            var d = (await host.Engine.GetInstanceAsync(id))!;
            Assert.Equal((InstanceStatus.Completed, 3, "v1"), (d.Instance.Status, d.Instance.Version, d.Output?["path"]?.GetValue<string>()));
        }
    }
}
