using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using static AgentRuntime.Engine.Tests.Integration.EngineAssert;

namespace AgentRuntime.Engine.Tests.Integration;

/// <summary>
/// Tier: integration — one engine, a real PostgreSQL database per test, workers off, the test drives every slice with
/// <c>RunUntilIdleAsync</c> and the clock by hand. Why: each behaviour of the issue (straight-through, branch, error
/// port, incident, timer, signal, parallel/join, pinning) is shown end to end through the real claim and commit SQL.
/// </summary>
public sealed class ExecutionTests
{
    [Fact]
    public async Task Straight_through_runs_every_node_once_commits_the_effect_and_completes()
    {
        await using var host = await EngineTestHost.StartAsync("straight");
        await host.PublishAsync(ReferenceWorkflows.StraightThrough);

        var started = await host.Engine.StartAsync("reference", Input("""{"amount": 40, "customer": "c-1"}"""));
        Assert.Equal(1, await host.RunUntilIdleAsync());

        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(["triage", "check", "route", "book", "done"], Completed(d));
        Assert.Equal($"{started.InstanceId:N}:book", d.Output?["booked"]?.GetValue<string>());
        Assert.Equal("approve", d.Outputs?["triage"]?["result"]?["decision"]?.GetValue<string>());
        var book = d.Journal.Single(j => j.NodeId == "book");
        Assert.Contains("outputs.triage.result.amount", book.Lineage!); // data lineage: the action's input came from the agent
        Assert.Equal(40, book.Input?["payload"]?["amount"]?.GetValue<double>());
        Assert.All(d.Journal, j => Assert.Equal(1, j.Attempt));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM connector_records WHERE instance_id = $1", started.InstanceId));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM action_ledger WHERE instance_id = $1 AND status = 'completed' AND compensation IS NOT NULL", started.InstanceId));
    }

    [Fact]
    public async Task Inline_start_runs_a_straight_through_instance_in_the_callers_slice()
    {
        await using var host = await EngineTestHost.StartAsync("inline");
        await host.PublishAsync(ReferenceWorkflows.StraightThrough);
        var started = await host.Engine.StartAsync("reference", Input("""{"amount": 10}"""), new StartOptions { RunInline = true });
        Assert.Equal(InstanceStatus.Completed, started.Status);
        Assert.Equal(0, await host.RunUntilIdleAsync()); // nothing left for a worker
        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(5, Completed(d).Length);
    }

    [Fact]
    public async Task A_decision_takes_the_branch_its_data_selects()
    {
        await using var host = await EngineTestHost.StartAsync("branch");
        await host.PublishAsync(ReferenceWorkflows.StraightThrough);
        // 500: the agent says "review" with 0.6 confidence (below its 0.8 threshold) → low-confidence → … → else → rejected.
        var started = await host.Engine.StartAsync("reference", Input("""{"amount": 500}"""));
        await host.RunUntilIdleAsync();
        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(["triage", "check", "route", "rejected"], Completed(d));
        Assert.Equal("low-confidence", d.Journal[0].Port);
        Assert.Equal("else", d.Journal[2].Port);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM connector_records"));
    }

    private static string Flaky(bool errorPort) => $$"""
        id: flaky
        flowchart:
          start: call
          nodes:
            - id: call
              type: test-flaky
              retry: { attempts: 3 }
            - { id: ok, type: end, inputs: { output: { path: "'ok'" } } }
        {{(errorPort ? "    - { id: handled, type: end, inputs: { output: { path: \"'handled'\", why: outputs.call.error.message } } }" : "")}}
          edges:
            - { from: call.done, to: ok }
        {{(errorPort ? "    - { from: call.error, to: handled }" : "")}}
        """;

    [Fact]
    public async Task A_failure_after_its_retries_follows_the_error_port_when_connected()
    {
        await using var host = await EngineTestHost.StartAsync("errorport");
        await host.PublishAsync(Flaky(errorPort: true));
        var started = await host.Engine.StartAsync("flaky", null);
        await host.RunUntilIdleAsync();
        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(3, host.Faults.Attempts); // the retry policy ran first: 3 attempts
        Assert.Equal("handled", d.Output?["path"]?.GetValue<string>());
        Assert.Contains("unavailable", d.Output?["why"]?.GetValue<string>(), StringComparison.Ordinal);
        var call = d.Journal.Single(j => j.NodeId == "call");
        Assert.Equal(("faulted", "error", 3), (call.Status, call.Port, call.Attempt));
        Assert.Empty(d.Incidents);
    }

    [Fact]
    public async Task An_unrouted_failure_raises_an_incident_and_a_retry_completes_the_instance()
    {
        await using var host = await EngineTestHost.StartAsync("incident");
        await host.PublishAsync(Flaky(errorPort: false));
        var started = await host.Engine.StartAsync("flaky", null);
        await host.RunUntilIdleAsync();

        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Suspended);
        var incident = Assert.Single(d.Incidents);
        Assert.Equal(("call", "open", 3), (incident.NodeId, incident.Status, incident.Attempts));
        Assert.StartsWith("incident:", d.Instance.WaitingOn, StringComparison.Ordinal);
        var queue = await host.Engine.ListIncidentsAsync(status: "open");
        Assert.Equal(incident.Id, Assert.Single(queue.Items).Id);

        host.Faults.Failing = false; // the downstream system is back
        Assert.Equal(IncidentActionOutcome.Accepted, (await host.Engine.RetryIncidentAsync(incident.Id)).Outcome);
        Assert.Equal(IncidentActionOutcome.NotOpen, (await host.Engine.RetryIncidentAsync(incident.Id)).Outcome); // exactly one resolution
        await host.RunUntilIdleAsync();

        d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal("ok", d.Output?["path"]?.GetValue<string>());
        Assert.Equal(("resolved", "retry"), (d.Incidents[0].Status, d.Incidents[0].Resolution));
        Assert.Equal(["faulted", "completed", "completed"], d.Journal.Select(j => j.Status).ToArray());
    }

    [Fact]
    public async Task An_incident_can_be_skipped_to_a_named_port_or_its_instance_cancelled()
    {
        await using var host = await EngineTestHost.StartAsync("skip");
        await host.PublishAsync(Flaky(errorPort: false));
        var a = await host.Engine.StartAsync("flaky", null);
        var b = await host.Engine.StartAsync("flaky", null);
        await host.RunUntilIdleAsync();
        var incidentA = (await host.Engine.ListIncidentsAsync(instanceId: a.InstanceId)).Items.Single();
        var incidentB = (await host.Engine.ListIncidentsAsync(instanceId: b.InstanceId)).Items.Single();

        var bad = await host.Engine.SkipIncidentAsync(incidentA.Id, "nowhere");
        Assert.Equal(IncidentActionOutcome.InvalidPort, bad.Outcome);
        Assert.Contains("done", bad.Detail, StringComparison.Ordinal);
        Assert.Equal(IncidentActionOutcome.Accepted, (await host.Engine.SkipIncidentAsync(incidentA.Id, "done")).Outcome);
        Assert.Equal(IncidentActionOutcome.Accepted, (await host.Engine.CancelIncidentAsync(incidentB.Id)).Outcome);
        Assert.Equal(IncidentActionOutcome.NotFound, (await host.Engine.CancelIncidentAsync(Guid.NewGuid())).Outcome);
        await host.RunUntilIdleAsync();

        var da = await StatusAsync(host, a.InstanceId, InstanceStatus.Completed);
        Assert.Equal("ok", da.Output?["path"]?.GetValue<string>());
        Assert.Contains(da.Journal, j => j.NodeId == "call" && j.Status == "skipped" && j.Port == "done");
        var db = await StatusAsync(host, b.InstanceId, InstanceStatus.Cancelled);
        Assert.Equal("cancelled", db.Incidents.Single().Status);
    }

    [Fact]
    public async Task A_timer_is_a_durable_bookmark_that_fires_when_the_clock_passes_it()
    {
        await using var host = await EngineTestHost.StartAsync("timer");
        await host.PublishAsync("""
            id: timer
            flowchart:
              start: sleep
              nodes:
                - { id: sleep, type: wait, inputs: { duration: 1h } }
                - { id: done, type: end }
              edges:
                - { from: sleep.done, to: done }
            """);
        var started = await host.Engine.StartAsync("timer", null);
        await host.RunUntilIdleAsync();
        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Waiting);
        Assert.StartsWith("timer:", d.Instance.WaitingOn, StringComparison.Ordinal);
        Assert.Null(d.LeaseOwner); // a waiting instance holds nothing: no lease, no memory

        host.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await host.RunUntilIdleAsync()); // not due yet: nothing to claim
        host.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await host.RunUntilIdleAsync());
        d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(["sleep", "done"], Completed(d));
    }

    private const string Signal = """
        id: signal
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: approve, timeout: 2d } }
            - { id: done, type: end, inputs: { output: { by: outputs.hold.payload.by } } }
            - { id: late, type: end, inputs: { output: { by: "'nobody'" } } }
          edges:
            - { from: hold.done, to: done }
            - { from: hold.timed-out, to: late }
        """;

    [Fact]
    public async Task A_signal_resumes_its_wait_and_a_missing_one_times_out()
    {
        await using var host = await EngineTestHost.StartAsync("signal");
        await host.PublishAsync(Signal);
        var a = await host.Engine.StartAsync("signal", null);
        var b = await host.Engine.StartAsync("signal", null);
        await host.RunUntilIdleAsync();
        var d = await StatusAsync(host, a.InstanceId, InstanceStatus.Waiting);
        Assert.StartsWith("signal:approve", d.Instance.WaitingOn, StringComparison.Ordinal);

        Assert.Equal(SignalOutcome.Accepted, await host.Engine.SignalAsync(a.InstanceId, "approve", JsonNode.Parse("""{"by":"dana"}""")));
        await host.RunUntilIdleAsync();
        d = await StatusAsync(host, a.InstanceId, InstanceStatus.Completed);
        Assert.Equal("dana", d.Output?["by"]?.GetValue<string>());
        Assert.Equal(SignalOutcome.Finished, await host.Engine.SignalAsync(a.InstanceId, "approve", null));
        Assert.Equal(SignalOutcome.NotFound, await host.Engine.SignalAsync(Guid.NewGuid(), "approve", null));

        host.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));
        await host.RunUntilIdleAsync();
        d = await StatusAsync(host, b.InstanceId, InstanceStatus.Completed);
        Assert.Equal("nobody", d.Output?["by"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_signal_sent_before_the_wait_is_reached_is_buffered_not_lost()
    {
        await using var host = await EngineTestHost.StartAsync("buffered");
        await host.PublishAsync(Signal);
        var a = await host.Engine.StartAsync("signal", null); // queued, not run yet
        Assert.Equal(SignalOutcome.Accepted, await host.Engine.SignalAsync(a.InstanceId, "approve", JsonNode.Parse("""{"by":"early"}""")));
        await host.RunUntilIdleAsync();
        var d = await StatusAsync(host, a.InstanceId, InstanceStatus.Completed);
        Assert.Equal("early", d.Output?["by"]?.GetValue<string>());
    }

    [Fact]
    public async Task Parallel_branches_run_independently_and_the_join_continues_once_all_arrived()
    {
        await using var host = await EngineTestHost.StartAsync("parallel");
        await host.PublishAsync("""
            id: fork
            flowchart:
              start: split
              nodes:
                - { id: split, type: parallel }
                - { id: left, type: action, inputs: { action: left-effect, connector: record, input: { side: "'left'" } } }
                - { id: right, type: wait, inputs: { duration: 10m } }
                - { id: meet, type: join }
                - { id: done, type: end }
              edges:
                - { from: split.branches, to: left }
                - { from: split.branches, to: right }
                - { from: left.done, to: meet }
                - { from: right.done, to: meet }
                - { from: meet.done, to: done }
            """);
        var started = await host.Engine.StartAsync("fork", null);
        await host.RunUntilIdleAsync();
        var d = await StatusAsync(host, started.InstanceId, InstanceStatus.Waiting); // left arrived at the join, right waits
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM connector_records"));
        host.Clock.Advance(TimeSpan.FromMinutes(11));
        await host.RunUntilIdleAsync();
        d = await StatusAsync(host, started.InstanceId, InstanceStatus.Completed);
        Assert.Equal(2, d.Journal.Count(j => j.NodeId == "meet"));
        Assert.Equal(2, d.Journal.Select(j => j.TokenId).Where(t => t > 0).Distinct().Count());
        Assert.Equal("done", d.Journal.Last().NodeId);
    }

    [Fact]
    public async Task An_instance_stays_on_the_version_it_started_on()
    {
        await using var host = await EngineTestHost.StartAsync("pinning");
        const string template = """
            id: pinned
            flowchart:
              start: hold
              nodes:
                - { id: hold, type: wait, inputs: { signal: go } }
                - { id: finish, type: end, inputs: { output: { version: "'VERSION'" } } }
              edges:
                - { from: hold.done, to: finish }
            """;
        Assert.Equal(1, await host.PublishAsync(template.Replace("VERSION", "v1", StringComparison.Ordinal)));
        var old = await host.Engine.StartAsync("pinned", null);
        await host.RunUntilIdleAsync();
        await StatusAsync(host, old.InstanceId, InstanceStatus.Waiting);

        Assert.Equal(2, await host.PublishAsync(template.Replace("VERSION", "v2", StringComparison.Ordinal)));
        var fresh = await host.Engine.StartAsync("pinned", null);
        Assert.Equal((1, 2), (old.Version, fresh.Version));
        await host.Engine.SignalAsync(old.InstanceId, "go", null);
        await host.Engine.SignalAsync(fresh.InstanceId, "go", null);
        await host.RunUntilIdleAsync();

        Assert.Equal("v1", (await StatusAsync(host, old.InstanceId, InstanceStatus.Completed)).Output?["version"]?.GetValue<string>());
        Assert.Equal("v2", (await StatusAsync(host, fresh.InstanceId, InstanceStatus.Completed)).Output?["version"]?.GetValue<string>());
    }

    [Fact]
    public async Task Instances_list_by_workflow_and_status_in_pages()
    {
        await using var host = await EngineTestHost.StartAsync("list");
        await host.PublishAsync(ReferenceWorkflows.StraightThrough);
        for (var i = 0; i < 5; i++) await host.Engine.StartAsync("reference", Input($$"""{"amount": {{i}}}"""));
        var first = await host.Engine.ListInstancesAsync("reference", InstanceStatus.Running, limit: 3);
        Assert.Equal(3, first.Items.Count);
        Assert.NotNull(first.NextCursor);
        var second = await host.Engine.ListInstancesAsync("reference", InstanceStatus.Running, limit: 3, cursor: first.NextCursor);
        Assert.Equal(2, second.Items.Count);
        Assert.Null(second.NextCursor);
        Assert.Empty(first.Items.Select(i => i.Id).Intersect(second.Items.Select(i => i.Id)));
        await host.RunUntilIdleAsync();
        Assert.Empty((await host.Engine.ListInstancesAsync("reference", InstanceStatus.Running)).Items);
        Assert.Equal(5, (await host.Engine.ListInstancesAsync("reference", InstanceStatus.Completed)).Items.Count);
    }

    [Fact]
    public async Task Starting_with_input_that_fails_the_input_fields_is_refused_and_stores_nothing()
    {
        await using var host = await EngineTestHost.StartAsync("badinput");
        await host.PublishAsync(ReferenceWorkflows.StraightThrough);
        var e = await Assert.ThrowsAsync<InputValidationException>(() => host.Engine.StartAsync("reference", Input("""{"amount": "lots"}""")));
        Assert.Equal("amount", Assert.Single(e.Errors).Field);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM workflow_instances"));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => host.Engine.StartAsync("nope", null));
    }

    [Fact]
    public async Task A_start_never_lands_on_a_version_that_is_no_longer_published()
    {
        // Why: the published version is cached per host to save a round trip per start; the insert re-checks it in
        // the same statement, so a retirement (or a publish on another host) is honoured at once.
        await using var host = await EngineTestHost.StartAsync("retired");
        await host.PublishAsync(ReferenceWorkflows.StraightThrough);
        await host.Engine.StartAsync("reference", Input("""{"amount": 1}""")); // warms the cache
        await host.CountAsync("WITH u AS (UPDATE workflows SET retired = true RETURNING 1) SELECT count(*) FROM u");
        await Assert.ThrowsAsync<WorkflowNotStartableException>(() => host.Engine.StartAsync("reference", Input("""{"amount": 1}"""), new StartOptions { RunInline = true }));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM workflow_instances"));
    }
}
