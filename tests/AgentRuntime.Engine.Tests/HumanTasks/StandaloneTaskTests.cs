using System.Text.Json.Nodes;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static AgentRuntime.Engine.Tests.Integration.EngineAssert;

namespace AgentRuntime.Engine.Tests.HumanTasks;

/// <summary>
/// Tier: integration — the task store on a real PostgreSQL database. Why: features outside workflows (an owner's sign-off of
/// an agent promotion) use the same store: the decision reaches their handler inside the deciding transaction, and
/// segregation of duties covers the requester and anyone who edited the data. And a cancelled instance's task closes.
/// </summary>
public sealed class StandaloneTaskTests
{
    private sealed class RecordingHandler : IHumanTaskCompletionHandler
    {
        public string Kind => "promotion-signoff";
        public List<(string Outcome, string DecidedBy)> Decisions { get; } = [];

        public async ValueTask OnDecidedAsync(HumanTaskDecided decided, CancellationToken cancellationToken)
        {
            // Writes in the deciding transaction: commits (or rolls back) with the decision.
            await using var cmd = new NpgsqlCommand("INSERT INTO connector_records (instance_id, node_id, action, idempotency_key, payload, created_at) VALUES ($1, 'signoff', 'promote', $2, $3::jsonb, now())",
                decided.Connection, decided.Transaction);
            cmd.Parameters.Add(new() { Value = Guid.Empty });
            cmd.Parameters.Add(new() { Value = decided.Task.Id.ToString() });
            cmd.Parameters.Add(new() { Value = decided.Output.ToJsonString() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            Decisions.Add((decided.Output["outcome"]!.GetValue<string>(), decided.Output["decidedBy"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task A_task_outside_an_instance_reaches_its_handler_and_segregation_covers_requester_and_editors()
    {
        var handler = new RecordingHandler();
        await using var host = await EngineTestHost.StartAsync("standalone", services: s => s.AddSingleton<IHumanTaskCompletionHandler>(handler));
        var service = host.Services.GetRequiredService<HumanTaskService>();
        var task = await service.CreateAsync(new HumanTaskRequest
        {
            Kind = "promotion-signoff",
            Title = "Promote refund-proposer to execute",
            Data = JsonNode.Parse("""{"agent": "refund-proposer", "to": "execute", "editedBy": "bob"}"""),
            CandidateGroups = ["owners"],
            StartedBy = "carol",
            SubjectType = "agent",
            SubjectId = "refund-proposer",
        }, "carol");
        Assert.Equal(("available", "agent", "refund-proposer"), (task.State, task.SubjectType, task.SubjectId));

        var requester = await service.CompleteAsync(task.Id, new TaskActor("carol", ["owners"]), 1, "c", new TaskCompletion("approved"));
        Assert.Equal((TaskOperationStatus.Forbidden, "segregation-of-duties"), (requester.Status, requester.Code));
        var editor = await service.CompleteAsync(task.Id, new TaskActor("bob", ["owners"]), 1, "b", new TaskCompletion("approved"));
        Assert.Equal((TaskOperationStatus.Forbidden, "segregation-of-duties"), (editor.Status, editor.Code));
        Assert.Contains("edited the data", editor.Detail, StringComparison.Ordinal);
        Assert.Empty(handler.Decisions);

        var owner = await service.CompleteAsync(task.Id, new TaskActor("dana", ["owners"]), 1, "d", new TaskCompletion("approved"));
        Assert.True(owner.Succeeded, owner.Detail);
        Assert.Equal([("approved", "dana")], handler.Decisions);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM connector_records WHERE idempotency_key = $1", task.Id.ToString()));
    }

    [Fact]
    public async Task Cancelling_the_instance_cancels_its_open_task()
    {
        var (host, id, task) = await HumanTaskServiceTests.StartWaitingAsync("cancel");
        await using var _ = host;
        await host.Engine.CancelAsync(id, "withdrawn");
        await host.RunUntilIdleAsync();
        await StatusAsync(host, id, InstanceStatus.Cancelled);
        var service = host.Services.GetRequiredService<HumanTaskService>();
        Assert.Equal("cancelled", (await service.GetAsync(task.Id))!.State);
        var late = await service.CompleteAsync(task.Id, new TaskActor("bob", ["approver"]), 2, "x", new TaskCompletion("approved"));
        Assert.Equal("task-closed", late.Code);
    }
}
