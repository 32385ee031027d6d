using System.Text.Json.Nodes;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Operations;

/// <summary>
/// Tier: integration — two engines on one database (two "hosts"), workers off. Why: bulk operations of the ops issue:
/// the filter is materialised at submit; progress is readable; the items are split across hosts (SKIP LOCKED) with no
/// instance messaged twice; work submitted before a "restart" is finished by a host that was not running at submit time.
/// The 10,000-instance figure comes from the benchmark (<c>bulk-cancel</c>); this test keeps CI lean.
/// </summary>
public sealed class BulkOperationTests
{
    private const string Workflow = """
        id: bulk-demo
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: go } }
            - { id: done, type: end }
          edges:
            - { from: hold.done, to: done }
        """;

    [Fact]
    public async Task Bulk_cancel_by_filter_is_split_across_hosts_reports_progress_and_cancels_every_matching_instance_once()
    {
        const int count = 400;
        await using var a = await EngineTestHost.StartAsync("bulk", configure: o => o.HostId = "host-a", services: s => s.AddSingleton(new OperationsOptions { BulkChunkSize = 25 }));
        await a.PublishAsync(Workflow);
        for (var i = 0; i < count; i++) await a.Engine.StartAsync("bulk-demo", null);
        await a.RunUntilIdleAsync();
        var other = await a.Engine.StartAsync("bulk-demo", null); // finished before the bulk: not addressed
        await a.Engine.SignalAsync(other.InstanceId, "go", null);
        await a.RunUntilIdleAsync();

        var submitted = await a.Services.GetRequiredService<BulkOperations>().SubmitAsync(new BulkFilter(Workflow: "bulk-demo", Status: "waiting"), "cancel", "vendor outage", "olivia");
        var id = Guid.Parse(submitted.Data!["id"]!.GetValue<string>());
        Assert.Equal(count, submitted.Data["total"]!.GetValue<int>());

        // The submitting host "restarts" before processing anything: a second host, started afterwards, and a fresh
        // first host share the work.
        await using var b = await EngineTestHost.StartAsync("bulk", a.ConnectionString, o => o.HostId = "host-b", s => s.AddSingleton(new OperationsOptions { BulkChunkSize = 25 }));
        await using var a2 = await EngineTestHost.StartAsync("bulk", a.ConnectionString, o => o.HostId = "host-a2", s => s.AddSingleton(new OperationsOptions { BulkChunkSize = 25 }));
        var bulkB = b.Services.GetRequiredService<BulkOperations>();
        var bulkA = a2.Services.GetRequiredService<BulkOperations>();
        var halfway = await bulkB.ProcessChunkAsync(["cancel"], 25, CancellationToken.None);
        var progress = (await bulkA.GetAsync(id))!;
        Assert.Equal((count, halfway, "running"), (progress.Total, progress.Processed, progress.Status));
        await Task.WhenAll(bulkA.ProcessAvailableAsync(), bulkB.ProcessAvailableAsync());

        var done = (await bulkA.GetAsync(id))!;
        Assert.Equal(("completed", count, 0, 0), (done.Status, done.Succeeded, done.Pending, done.Failed));
        Assert.Equal(count, await a.CountAsync("SELECT count(*) FROM instance_messages WHERE kind = 'cancel'"));
        Assert.True(await a.CountAsync("SELECT count(*) FROM bulk_operation_items WHERE host = 'host-b'") >= 25);
        await Task.WhenAll(a2.RunUntilIdleAsync(), b.RunUntilIdleAsync());
        Assert.Equal(count, await a.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'cancelled' AND error = 'vendor outage'"));
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'"));
        var results = await bulkA.ResultsAsync(id, "succeeded", null, 10);
        Assert.Equal(10, results.Count);
        Assert.All(results, r => Assert.StartsWith("accepted", r.Detail, StringComparison.Ordinal));
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'instances.bulk-submitted' AND reason = 'vendor outage'"));
    }

    [Fact]
    public async Task An_empty_filter_an_unknown_operation_and_a_blank_reason_are_refused()
    {
        await using var host = await EngineTestHost.StartAsync("bulkrefuse");
        var bulk = host.Services.GetRequiredService<BulkOperations>();
        Assert.Equal(OperationOutcome.Invalid, (await bulk.SubmitAsync(new BulkFilter(), "cancel", "why", "olivia")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await bulk.SubmitAsync(new BulkFilter(Workflow: "x"), "explode", "why", "olivia")).Outcome);
        await Assert.ThrowsAsync<ReasonRequiredException>(() => bulk.SubmitAsync(new BulkFilter(Workflow: "x"), "cancel", "", "olivia"));
    }
}
