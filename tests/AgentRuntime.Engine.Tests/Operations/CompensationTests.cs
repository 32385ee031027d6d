using System.Text.Json.Nodes;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Operations;

/// <summary>
/// Tier: integration — real engine and database. Why: instance rollback of the ops issue: an instance's executed
/// actions are compensated newest first; a failing compensation stops the run with an incident (never skipped, so
/// the earlier action stays in place); retrying resumes there; compensating again is idempotent.
/// </summary>
public sealed class CompensationTests
{
    private const string Workflow = """
        id: three-actions
        flowchart:
          start: a
          nodes:
            - { id: a, type: action, inputs: { action: reserve, connector: record, compensation: { action: release, connector: record } } }
            - { id: b, type: action, inputs: { action: charge, connector: record, compensation: { action: refund, connector: flaky } } }
            - { id: c, type: action, inputs: { action: ship, connector: record, compensation: { action: recall, connector: record } } }
            - { id: done, type: end }
          edges:
            - { from: a.done, to: b }
            - { from: b.done, to: c }
            - { from: c.done, to: done }
        """;

    /// <summary>A transactional connector that fails while <see cref="Failing"/> is set (and records like <c>record</c> otherwise).</summary>
    private sealed class FlakyConnector(RecordConnector record) : IConnector
    {
        public volatile bool Failing;
        public string Name => "flaky";
        public ConnectorKind Kind => ConnectorKind.Transactional;

        public Task<JsonNode?> ExecuteAsync(ConnectorRequest request, CancellationToken cancellationToken) =>
            Failing ? throw new HttpRequestException("payment provider unavailable") : record.ExecuteAsync(request, cancellationToken);
    }

    [Fact]
    public async Task Three_actions_are_compensated_in_reverse_order_and_a_failing_compensation_leaves_an_incident()
    {
        var flaky = new FlakyConnector(new RecordConnector(TimeProvider.System)) { Failing = true };
        await using var host = await EngineTestHost.StartAsync("compensate", services: s => s.AddSingleton<IConnector>(flaky));
        await host.PublishAsync(Workflow);
        var ops = host.Services.GetRequiredService<OperationsService>();
        var id = (await host.Engine.StartAsync("three-actions", new JsonObject(), new StartOptions { RunInline = true })).InstanceId;
        Assert.Equal(InstanceStatus.Completed, (await host.Engine.GetInstanceAsync(id))!.Instance.Status);
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM action_ledger WHERE instance_id = $1 AND status = 'completed'", id));

        // The compensation of b fails: c's compensation ran, b's raised an incident, a's did not run.
        var first = await ops.CompensateInstanceAsync(id, "wrong customer", "olivia");
        Assert.Equal(OperationOutcome.Failed, first.Outcome);
        Assert.Equal(["recall"], await ActionsAsync(host, id));
        var incident = (await host.Engine.ListIncidentsAsync("open", instanceId: id)).Items.Single();
        Assert.Equal(CompensationRunner.ActivityType, incident.ActivityType);
        Assert.Equal("b", incident.NodeId);
        Assert.Contains("payment provider unavailable", incident.Message, StringComparison.Ordinal);

        // Fixed: retrying the instance resumes the compensation at b, then a; the incident is resolved.
        flaky.Failing = false;
        var retried = await ops.RetryInstanceAsync(id, "provider back", "olivia");
        Assert.Equal(OperationOutcome.Accepted, retried.Outcome);
        Assert.Equal(["recall", "refund", "release"], await ActionsAsync(host, id));
        Assert.Equal("resolved", (await host.Engine.GetIncidentAsync(incident.Id))!.Status);

        // Journaled, in order, and idempotent: compensating again runs nothing.
        var journal = (await host.Engine.GetInstanceAsync(id))!.Journal.Where(j => j.ActivityType == CompensationRunner.ActivityType).ToList();
        Assert.Equal(["c:compensated", "b:faulted", "b:compensated", "a:compensated"], journal.Select(j => $"{j.NodeId}:{j.Status}"));
        var again = await ops.CompensateInstanceAsync(id, "double check", "olivia");
        Assert.Equal(OperationOutcome.Accepted, again.Outcome);
        Assert.Equal(0, again.Data!["compensated"]!.GetValue<int>());
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM connector_records WHERE instance_id = $1 AND idempotency_key LIKE 'compensate:%'", id));
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'instance.rolled-back' AND subject_id = $1", id.ToString()));
    }

    [Fact]
    public async Task A_running_instance_is_not_compensated_until_cancelled()
    {
        await using var host = await EngineTestHost.StartAsync("compensate-running");
        await host.PublishAsync("""
            id: waits-after-action
            flowchart:
              start: a
              nodes:
                - { id: a, type: action, inputs: { action: reserve, connector: record, compensation: { action: release, connector: record } } }
                - { id: hold, type: wait, inputs: { signal: go } }
                - { id: done, type: end }
              edges:
                - { from: a.done, to: hold }
                - { from: hold.done, to: done }
            """);
        var ops = host.Services.GetRequiredService<OperationsService>();
        var id = (await host.Engine.StartAsync("waits-after-action", new JsonObject(), new StartOptions { RunInline = true })).InstanceId;
        Assert.Equal(OperationOutcome.Conflict, (await ops.CompensateInstanceAsync(id, "undo", "olivia")).Outcome);
        await ops.CancelInstanceAsync(id, "undo", "olivia");
        await host.RunUntilIdleAsync();
        Assert.Equal(OperationOutcome.Accepted, (await ops.CompensateInstanceAsync(id, "undo", "olivia")).Outcome);
        Assert.Equal(["release"], await ActionsAsync(host, id));
    }

    private static async Task<List<string>> ActionsAsync(EngineTestHost host, Guid id)
    {
        await using var conn = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT action FROM connector_records WHERE instance_id = $1 AND idempotency_key LIKE 'compensate:%' ORDER BY id", conn);
        cmd.Parameters.Add(new() { Value = id });
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }
}
