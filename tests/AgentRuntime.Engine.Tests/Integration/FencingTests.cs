using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using static AgentRuntime.Engine.Tests.Integration.EngineAssert;

namespace AgentRuntime.Engine.Tests.Integration;

/// <summary>
/// Tier: integration — two engines ("hosts") on one database, each with its own clock. Why: an instance must never
/// execute on two hosts at once with both results kept. When host A's lease expires and host B takes the instance
/// over, A's late commit must fail the fencing check and write nothing (no state, no journal, no effect).
/// </summary>
public sealed class FencingTests
{
    [Fact]
    public async Task A_host_that_lost_its_lease_rolls_back_its_whole_slice()
    {
        await using var a = await EngineTestHost.StartAsync("fencing", configure: o => o.LeaseDuration = TimeSpan.FromSeconds(30));
        await using var b = await EngineTestHost.StartAsync("fencing", a.ConnectionString);
        await a.PublishAsync(ReferenceWorkflows.StraightThrough);
        var started = await a.Engine.StartAsync("reference", Input("""{"amount": 7}"""));

        // A claims the instance, then stalls (a GC pause, a network partition) past its lease.
        var claimed = Assert.Single(await a.Services.GetRequiredService<InstanceStore>().ClaimAsync(10, default));
        var stalled = await a.Runner.LoadAsync(claimed, default);

        // B's clock is past A's lease: B may claim the instance, and runs it to completion.
        b.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await b.RunUntilIdleAsync());

        // A wakes up and tries to finish its slice: the commit's fencing check fails and everything rolls back.
        var executor = a.Services.GetRequiredService<SliceExecutor>();
        await Assert.ThrowsAsync<LeaseLostException>(() => executor.RunAsync(stalled, default));

        var d = await StatusAsync(a, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(5, d.Journal.Count);
        Assert.Single(d.Journal.Select(j => j.Host).Distinct()); // only B's slice is in the journal
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM connector_records WHERE instance_id = $1", started.InstanceId));
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM action_ledger WHERE instance_id = $1", started.InstanceId));
    }
}
