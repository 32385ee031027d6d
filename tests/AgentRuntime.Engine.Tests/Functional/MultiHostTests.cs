using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Xunit.Abstractions;

namespace AgentRuntime.Engine.Tests.Functional;

/// <summary>
/// Tier: functional — engine hosts as separate processes (<see cref="EngineWorkerProcess"/>) on one real PostgreSQL
/// database, 1,000 instances each run. Why: exactly-once has to survive what only processes show: a host killed with
/// SIGKILL mid-slice (its leases expire, another host finishes its work) and two hosts competing for the same rows.
/// The checks: every node of every instance completed exactly once in the journal, the transactional record
/// connector holds exactly one row per action, every ledger row is completed, and the external (http) call of every
/// instance reached the receiver under one stable idempotency key (re-sends after a crash carry the same key).
/// </summary>
[Collection("processes")]
public sealed class MultiHostTests(ITestOutputHelper output)
{
    private const int Instances = 1000;
    private static readonly string[] Nodes = ["triage", "check", "route", "first", "pause", "second", "notify_http", "done"];

    [Fact]
    public async Task A_killed_host_s_instances_are_finished_by_a_fresh_host_exactly_once()
    {
        using var receiver = new IdempotentReceiver();
        await using var setup = await EngineTestHost.StartAsync("crash", configure: o => o.ClaimBatchSize = 100, realClock: true);
        await SeedAsync(setup, receiver.Url);

        await using var first = await EngineWorkerProcess.StartAsync(setup.ConnectionString, "host-a");
        var sw = Stopwatch.StartNew();
        long atKill;
        while ((atKill = await CompletedAsync(setup)) < 150)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(180), "host-a made no progress: " + first.Output);
            await Task.Delay(20);
        }
        first.Kill(); // SIGKILL, mid-flight
        atKill = await CompletedAsync(setup);
        output.WriteLine($"killed host-a after {sw.Elapsed.TotalSeconds:F1}s with {atKill} of {Instances} completed");
        Assert.InRange(atKill, 150, Instances - 1);

        await using var second = await EngineWorkerProcess.StartAsync(setup.ConnectionString, "host-b");
        await WaitAllAsync(setup, second, TimeSpan.FromSeconds(240)); // generous: the machine may be shared
        await AssertExactlyOnceAsync(setup, receiver);

        // Instances in flight at the kill were claimed twice (lease token 2+): the second host took them over.
        var takenOver = await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_token >= 2");
        output.WriteLine($"taken over after the kill: {takenOver}; http re-sends with the same key: {receiver.Resends}");
        Assert.True(takenOver > 0, "no instance was in flight when the host was killed");
        Assert.True(await setup.CountAsync("SELECT count(*) FROM journal_entries WHERE host = 'host-a'") > 0);
        Assert.True(await setup.CountAsync("SELECT count(*) FROM journal_entries WHERE host = 'host-b'") > 0);
    }

    [Fact]
    public async Task Two_hosts_on_one_database_share_the_work_and_never_run_an_instance_twice()
    {
        using var receiver = new IdempotentReceiver();
        await using var setup = await EngineTestHost.StartAsync("twohosts", configure: o => o.ClaimBatchSize = 100, realClock: true);
        await SeedAsync(setup, receiver.Url);

        await using var a = await EngineWorkerProcess.StartAsync(setup.ConnectionString, "host-a");
        await using var b = await EngineWorkerProcess.StartAsync(setup.ConnectionString, "host-b");
        await WaitAllAsync(setup, b, TimeSpan.FromSeconds(240)); // generous: the machine may be shared
        await AssertExactlyOnceAsync(setup, receiver);
        Assert.Equal(0, receiver.Resends); // nobody crashed: no call was ever sent twice
        var byA = await setup.CountAsync("SELECT count(DISTINCT instance_id) FROM journal_entries WHERE host = 'host-a'");
        var byB = await setup.CountAsync("SELECT count(DISTINCT instance_id) FROM journal_entries WHERE host = 'host-b'");
        output.WriteLine($"host-a ran {byA} instances, host-b ran {byB}");
        Assert.True(byA > 0 && byB > 0, $"both hosts should have worked (a={byA}, b={byB})");
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM (SELECT instance_id FROM journal_entries GROUP BY instance_id HAVING count(DISTINCT host) > 1) x"));
    }

    private static async Task SeedAsync(EngineTestHost setup, string url)
    {
        await setup.PublishAsync(ReferenceWorkflows.Crash(url));
        var starts = Enumerable.Range(0, Instances).Select(n => setup.Engine.StartAsync("crash", new JsonObject { ["amount"] = 10, ["n"] = n }));
        foreach (var chunk in starts.Chunk(50)) await Task.WhenAll(chunk);
    }

    private static Task<long> CompletedAsync(EngineTestHost setup) =>
        setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'");

    private async Task WaitAllAsync(EngineTestHost setup, EngineWorkerProcess worker, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (await CompletedAsync(setup) < Instances)
        {
            if (sw.Elapsed > timeout || worker.HasExited)
            {
                output.WriteLine(worker.Output);
                Assert.Fail($"only {await CompletedAsync(setup)} of {Instances} completed after {sw.Elapsed.TotalSeconds:F0}s");
            }
            await Task.Delay(100);
        }
        output.WriteLine($"all {Instances} completed after {sw.Elapsed.TotalSeconds:F1}s");
    }

    private static async Task AssertExactlyOnceAsync(EngineTestHost setup, IdempotentReceiver receiver)
    {
        Assert.Equal(Instances, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'"));
        // Journal: every node of every instance completed exactly once.
        Assert.Equal(Instances * Nodes.Length, await setup.CountAsync("SELECT count(*) FROM journal_entries WHERE status = 'completed'"));
        Assert.Equal(0, await setup.CountAsync("""
            SELECT count(*) FROM (SELECT instance_id, node_id FROM journal_entries WHERE status = 'completed'
                                  GROUP BY instance_id, node_id HAVING count(*) <> 1) x
            """));
        Assert.Equal(Instances, await setup.CountAsync("SELECT count(DISTINCT instance_id) FROM journal_entries WHERE node_id = 'done' AND status = 'completed'"));
        // Record connector: one row per action per instance, no duplicate effect.
        Assert.Equal(2 * Instances, await setup.CountAsync("SELECT count(*) FROM connector_records"));
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM (SELECT instance_id, node_id FROM connector_records GROUP BY 1, 2 HAVING count(*) > 1) x"));
        // Ledger: every action's intent completed, once.
        Assert.Equal(3 * Instances, await setup.CountAsync("SELECT count(*) FROM action_ledger WHERE status = 'completed'"));
        // External calls: each instance's call arrived under its one key, and the receiver saw no other key.
        Assert.Equal(Instances, receiver.DistinctKeys);
        Assert.Equal(Instances, await setup.CountAsync("SELECT count(*) FROM action_ledger WHERE connector = 'http' AND sends >= 1"));
    }

    /// <summary>An HTTP endpoint that de-duplicates on the Idempotency-Key header, as the http connector's receivers must.</summary>
    private sealed class IdempotentReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentDictionary<string, int> _keys = new();
        private int _resends;

        public IdempotentReceiver()
        {
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/effects/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }
        public int DistinctKeys => _keys.Count;
        public int Resends => Volatile.Read(ref _resends);

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                var key = ctx.Request.Headers["Idempotency-Key"] ?? "";
                if (_keys.AddOrUpdate(key, 1, (_, n) => n + 1) > 1) Interlocked.Increment(ref _resends);
                // The caller may be the host this test SIGKILLs: writing to its dead connection throws. That must end
                // this one exchange, not the receive loop (a dead loop would time out every later call).
                try
                {
                    ctx.Response.StatusCode = 200;
                    ctx.Response.ContentType = "application/json";
                    var body = System.Text.Encoding.UTF8.GetBytes("{\"accepted\":true}");
                    await ctx.Response.OutputStream.WriteAsync(body);
                    ctx.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    ctx.Response.Abort();
                }
            }
        }

        private static int FreePort()
        {
            using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}
