using System.Diagnostics;
using AgentRuntime.Engine.Telemetry;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Telemetry;

/// <summary>
/// Integration (real PostgreSQL, manual clock): what the engine records about an instance on its own, exporter or not:
/// the traceparent it started in, its outcome value when it completes, and the per-workflow signal counts.
/// </summary>
public sealed class OutcomeAndSignalTests
{
    private static string Workflow(string id, string measure) => $$"""
        id: {{id}}
        name: Outcome test
        outcome:
          metric: wait_hours
          unit: hours
          target: 3
          direction: lower-is-better
          measure: "{{measure}}"
        flowchart:
          start: sleep
          nodes:
            - { id: sleep, type: wait, inputs: { duration: 2h } }
            - { id: done, type: end }
          edges:
            - { from: sleep.done, to: done }
        """;

    [Fact]
    public async Task A_completed_instance_has_its_outcome_measured_with_endedAt_and_a_bad_measure_is_stored_as_an_error()
    {
        await using var host = await EngineTestHost.StartAsync("outcome");
        await host.PublishAsync(Workflow("timed", "(timestamp(instance.endedAt) - timestamp(instance.startedAt)) / 3600"));
        await host.PublishAsync(Workflow("wordy", "'two hours'"));
        var timed = await host.Engine.StartAsync("timed", null, new() { RunInline = true });
        var wordy = await host.Engine.StartAsync("wordy", null, new() { RunInline = true });
        host.Clock.Advance(TimeSpan.FromHours(2));
        await host.RunUntilIdleAsync();

        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM instance_outcomes WHERE instance_id = $1 AND value = 2 AND met AND target = 3 AND metric = 'wait_hours' AND error IS NULL", timed.InstanceId));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM instance_outcomes WHERE instance_id = $1 AND value IS NULL AND met IS NULL AND error LIKE '%not a number%'", wordy.InstanceId));

        // Signal evidence: two workflows, one start and one end each, two slices each.
        var signals = host.Services.GetRequiredService<TelemetrySignals>();
        await signals.FlushAsync();
        var evidence = await signals.ReadAsync("timed", host.Clock.GetUtcNow().AddDays(-1), host.Clock.GetUtcNow().AddMinutes(1));
        Assert.True(evidence.Flowing);
        Assert.Equal((1L, 1L, 2L), (evidence.InstancesStarted, evidence.InstancesEnded, evidence.Slices));
        Assert.Equal(2, evidence.Hours.Count); // the start at 09:00, the resume at 11:00
    }

    [Fact]
    public async Task The_start_stores_its_traceparent_and_a_later_slice_links_to_it()
    {
        var instanceTag = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (instanceTag) instanceTag.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await EngineTestHost.StartAsync("traceparent");
        await host.PublishAsync(Workflow("linked", "1"));

        var started = await host.Engine.StartAsync("linked", null, new() { RunInline = true });
        host.Clock.Advance(TimeSpan.FromHours(2));
        await host.RunUntilIdleAsync();

        Activity[] mine;
        lock (instanceTag) mine = instanceTag.Where(a => (string?)a.GetTagItem(TelemetryAttributes.InstanceId) == started.InstanceId.ToString()).ToArray();
        var start = Assert.Single(mine, a => a.OperationName == "instance.start");
        var slices = mine.Where(a => a.OperationName == "instance.slice").OrderBy(a => a.StartTimeUtc).ToArray();
        Assert.Equal(2, slices.Length);
        Assert.Equal(start.SpanId, slices[0].ParentSpanId);
        Assert.Empty(slices[0].Links);
        Assert.NotEqual(start.TraceId, slices[1].TraceId);
        var link = Assert.Single(slices[1].Links);
        Assert.Equal((start.TraceId, start.SpanId), (link.Context.TraceId, link.Context.SpanId));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM workflow_instances WHERE id = $1 AND trace_parent = $2",
            started.InstanceId, EngineTelemetry.TraceParentOf(start)!));
    }
}
