using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Functional;

/// <summary>
/// Tier: integration (one engine host in process, real PostgreSQL, real clock). Why: the graceful stop is the path every
/// rolling update and scale-in takes; its three promises are checked one by one, where the scale-out test checks them
/// only in bulk: a running slice finishes; claimed-but-unstarted rows are handed back at once (owner and expiry
/// cleared, still due); a drain that overruns <see cref="EngineOptions.ShutdownTimeout"/> cancels the slice and hands it
/// back too. And the release is fenced: a stale lease token or a row that already committed is never touched.
/// </summary>
public sealed class GracefulStopTests
{
    private static string Slow(int ms) => $$"""
        id: slow
        name: Slow
        flowchart:
          start: work
          nodes:
            - { id: work, type: test-delay, inputs: { ms: {{ms}} } }
            - { id: done, type: end }
          edges:
            - { from: work.done, to: done }
        """;

    [Fact]
    public async Task A_stop_lets_the_running_slice_finish_and_hands_back_the_unstarted_claims_at_once()
    {
        await using var setup = await SeedAsync(Slow(800), 5);
        // Why the listener: "all five claimed" does not mean the first slice has begun; a stop in between hands all
        // five back and nothing completes (seen once on a loaded machine). The stop must come after a delay node of
        // one of this test's instances has started, which only the span's start shows.
        using var started = new StartedDelays(setup.InstanceIds);
        await using var worker = await StartWorkerAsync(setup.ConnectionString, TimeSpan.FromSeconds(10));
        var hostId = worker.Services.GetRequiredService<EngineOptions>().HostId;
        await WaitUntilAsync(() => setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner = $1", hostId), 5);
        await WaitUntilAsync(() => Task.FromResult(started.Any ? 1L : 0L), 1);

        var sw = Stopwatch.StartNew();
        await Worker(worker).StopAsync(CancellationToken.None);
        sw.Stop();

        Assert.Equal(1, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'")); // the one in progress finished
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner IS NOT NULL OR lease_expires_at IS NOT NULL"));
        Assert.Equal(4, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'running' AND ready_at <= now()")); // claimable now
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stop took {sw.Elapsed}: it should wait for one 800 ms slice, not for leases");
    }

    [Fact]
    public async Task A_drain_that_overruns_the_shutdown_timeout_cancels_the_slice_and_hands_it_back_too()
    {
        await using var setup = await SeedAsync(Slow(60_000), 3);
        await using var worker = await StartWorkerAsync(setup.ConnectionString, TimeSpan.FromMilliseconds(300));
        var hostId = worker.Services.GetRequiredService<EngineOptions>().HostId;
        await WaitUntilAsync(() => setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner = $1", hostId), 3);
        await Task.Delay(200); // the first slice is inside its 60 s delay

        var sw = Stopwatch.StartNew();
        await Worker(worker).StopAsync(CancellationToken.None);
        sw.Stop();

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stop took {sw.Elapsed}");
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status <> 'running'"));
        Assert.Equal(3, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner IS NULL AND ready_at <= now()"));
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM journal_entries WHERE node_id = 'work' AND status = 'completed'"));
    }

    [Fact]
    public async Task A_release_is_fenced_by_the_claim_s_token_and_owner()
    {
        await using var setup = await SeedAsync(Slow(1), 2);
        var store = setup.Services.GetRequiredService<InstanceStore>();
        var rows = await store.ClaimAsync(2, CancellationToken.None);
        Assert.Equal(2, rows.Count);
        var (stale, committed) = (rows[0], rows[1]);

        // A stale token (the row was re-claimed since): untouched.
        Assert.Empty(await store.ReleaseAsync([(stale.Id, stale.LeaseToken - 1)], CancellationToken.None));
        Assert.Equal(1, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE id = $1 AND lease_owner IS NOT NULL", stale.Id));

        // A row whose slice committed (lease cleared, next timer in an hour) keeps its ready_at: no early wake-up.
        await using (var conn = new NpgsqlConnection(setup.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("UPDATE workflow_instances SET lease_owner = NULL, lease_expires_at = NULL, ready_at = now() + interval '1 hour' WHERE id = $1", conn);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = committed.Id });
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Empty(await store.ReleaseAsync([(committed.Id, committed.LeaseToken)], CancellationToken.None));
        Assert.Equal(1, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE id = $1 AND ready_at > now() + interval '50 minutes'", committed.Id));

        // The current claim: released, and claimable again at once.
        Assert.Equal([stale.Id], await store.ReleaseAsync([(stale.Id, stale.LeaseToken)], CancellationToken.None));
        Assert.Equal(1, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE id = $1 AND lease_owner IS NULL AND lease_expires_at IS NULL AND ready_at <= now()", stale.Id));
        Assert.Equal(stale.Id, Assert.Single(await store.ClaimAsync(2, CancellationToken.None)).Id);
    }

    private static async Task<Seeded> SeedAsync(string workflow, int instances)
    {
        var setup = await EngineTestHost.StartAsync("stop", realClock: true);
        await setup.PublishAsync(workflow);
        var ids = new HashSet<string>();
        for (var i = 0; i < instances; i++) ids.Add((await setup.Engine.StartAsync("slow", new JsonObject())).InstanceId.ToString());
        return new Seeded(setup, ids);
    }

    private sealed class Seeded(EngineTestHost host, IReadOnlySet<string> instanceIds) : IAsyncDisposable
    {
        public IReadOnlySet<string> InstanceIds { get; } = instanceIds;
        public IServiceProvider Services => host.Services;
        public string ConnectionString => host.ConnectionString;
        public Task<long> CountAsync(string sql, params object[] args) => host.CountAsync(sql, args);
        public ValueTask DisposeAsync() => host.DisposeAsync();
    }

    /// <summary>Sees the <c>activity test-delay</c> spans of the given instances start (other tests' spans are ignored).</summary>
    private sealed class StartedDelays : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly System.Collections.Concurrent.ConcurrentQueue<Activity> _spans = new();
        private readonly IReadOnlySet<string> _instances;

        public StartedDelays(IReadOnlySet<string> instances)
        {
            _instances = instances;
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == AgentRuntime.Engine.Telemetry.EngineTelemetry.SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStarted = a => { if (a.DisplayName == "activity test-delay") _spans.Enqueue(a); },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        // The instance tag is set just after the start callback, so it is read when polled, not when seen.
        public bool Any => _spans.Any(a => a.GetTagItem(AgentRuntime.Engine.Telemetry.TelemetryAttributes.InstanceId) is string id && _instances.Contains(id));

        public void Dispose() => _listener.Dispose();
    }

    private static Task<EngineTestHost> StartWorkerAsync(string connectionString, TimeSpan shutdownTimeout) =>
        EngineTestHost.StartAsync("stop", connectionString, o =>
        {
            o.RunWorkers = true;
            o.Concurrency = 1;
            o.ClaimBatchSize = 10;
            o.LeaseDuration = TimeSpan.FromSeconds(30);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.ShutdownTimeout = shutdownTimeout;
        }, realClock: true, startHostedServices: true);

    private static IHostedService Worker(EngineTestHost host) => host.Services.GetServices<IHostedService>().OfType<EngineWorker>().Single();

    private static async Task WaitUntilAsync(Func<Task<long>> count, long expected)
    {
        var sw = Stopwatch.StartNew();
        while (await count() != expected)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"never reached {expected}");
            await Task.Delay(20);
        }
    }
}
