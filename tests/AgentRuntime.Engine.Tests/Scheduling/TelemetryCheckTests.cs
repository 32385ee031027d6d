using AgentRuntime.Engine.Governance.Readiness;
using AgentRuntime.Engine.Scheduling;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Scheduling;

/// <summary>
/// Tier: integration — the telemetry job against <c>telemetry_signals</c> on PostgreSQL, and checkpoint 5 reading its evidence.
/// Why: "telemetry flowing" must mean the workflow emitted signals in the window: silent → red with the reason; signals → green.
/// </summary>
public sealed class TelemetryCheckTests
{
    [Fact]
    public async Task Checkpoint_5_follows_whether_the_workflow_emitted_signals_in_its_window()
    {
        await using var host = await EngineTestHost.StartAsync("telemetry-job");
        await host.PublishAsync("""
            id: watched
            owner: { name: Dana Whitfield, email: dana@example.com }
            flowchart:
              nodes:
                - { id: done, type: end }
            """);
        var runner = host.Services.GetRequiredService<GovernanceJobRunner>();
        var readiness = host.Services.GetRequiredService<ReadinessService>();

        var silent = await runner.RunAsync(GovernanceJobKinds.Telemetry, "watched", null, null, null);
        Assert.False(silent["flowing"]!.GetValue<bool>());
        var red = Assert.Single((await readiness.EvaluateAsync("watched"))!.Checks, c => c.Number == 5);
        Assert.Equal(CheckStatus.Failed, red.Status);
        Assert.Contains("no signals from watched", red.Evidence, StringComparison.Ordinal);

        await host.Engine.StartAsync("watched", null);
        await host.RunUntilIdleAsync(); // one slice: counted in memory, written by the job's flush
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var flowing = await runner.RunAsync(GovernanceJobKinds.Telemetry, "watched", null, null, null);
        Assert.True(flowing["flowing"]!.GetValue<bool>(), flowing.ToJsonString());
        Assert.Equal(1, flowing["evidence"]!["instancesStarted"]!.GetValue<long>());
        Assert.Equal(CheckStatus.Passed, Assert.Single((await readiness.EvaluateAsync("watched"))!.Checks, c => c.Number == 5).Status);
    }
}
