using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace AgentRuntime.Engine.Tests.Functional;

/// <summary>
/// Tier: functional — the scale-out shape of deploy/ for real: three copies of the real host
/// (<see cref="HostProcess"/>, <c>dotnet AgentRuntime.Host.dll</c>) on one PostgreSQL database, configured as the
/// Kubernetes manifests configure them (connection string from the environment, <c>Database__MigrateOnStartup=false</c>),
/// 3,000 instances of a built-ins-only workflow (validate → decision → record action → 300 ms timer → record action →
/// end), one host stopped with SIGTERM and one with SIGKILL mid-load.
/// <para>
/// Why: a rolling update or a scale-in sends SIGTERM; a node failure is a SIGKILL. Both must lose nothing and do
/// nothing twice, and the graceful one must not make its work wait for the lease to expire: the terminated host hands
/// its claims back (owner cleared, <c>ready_at</c> = now) and the others pick them up on their next poll.
/// </para>
/// Checks: every instance completed; journal: every node completed exactly once per instance; the transactional
/// record connector holds exactly one row per action (no duplicate effect); right after the SIGTERM'd host exits no
/// row names it as owner, and what it released was re-claimed well within the lease duration; what the SIGKILL'd
/// host held was taken over only after its lease expired. The figures are printed for the notes.
/// </summary>
[Collection("processes")]
public sealed partial class ScaleOutTests(ITestOutputHelper output)
{
    private const int Instances = 3000;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);
    private static readonly string[] Nodes = ["check", "route", "first", "pause", "second", "done"];

    private const string Workflow = """
        id: scaleout
        name: Scale-out reference (built-in activities only, so the real host runs it)
        owner: { name: Ops Owner, email: ops@example.com }
        flowchart:
          start: check
          nodes:
            - id: check
              type: validate
              inputs:
                rules:
                  - rule: input.amount >= 0
            - id: route
              type: decision
              inputs:
                branches:
                  - port: go
                    when: input.amount < 1000
            - { id: first, type: action, inputs: { action: first-effect, connector: record, input: { n: input.n } } }
            - { id: pause, type: wait, inputs: { duration: 300ms } }
            - { id: second, type: action, inputs: { action: second-effect, connector: record, input: { n: input.n } } }
            - { id: done, type: end }
            - { id: rejected, type: end }
          edges:
            - { from: check.valid, to: route }
            - { from: route.go, to: first }
            - { from: route.else, to: rejected }
            - { from: first.done, to: pause }
            - { from: pause.done, to: second }
            - { from: second.done, to: done }
        """;

    [Fact]
    public async Task Three_hosts_one_database_SIGTERM_releases_at_once_SIGKILL_expires_and_every_instance_finishes_once()
    {
        var total = Stopwatch.StartNew();
        await using var setup = await EngineTestHost.StartAsync("scaleout", realClock: true);
        await setup.PublishAsync(Workflow);

        // The three replicas, started together as a Deployment would start them.
        // host-b, the one to get SIGTERM, claims big batches with one loop. Why: the stop must find claimed rows it has not
        // started, to hand them back. With 16-row batches (~40 ms of work on 4 loops) it sometimes had none: the stop begins
        // 50–500 ms after the signal (the runtime's signal handling, then the host's shutdown), and by then the batch was
        // done. A 400-row batch on one loop is seconds of work, so a SIGTERM sent while it holds many lands inside it.
        var settings = new[] { "host-a", "host-b", "host-c" }.Select(id => Settings(setup.ConnectionString, id)).ToArray();
        settings[1]["Engine__Concurrency"] = "1";
        settings[1]["Engine__ClaimBatchSize"] = "400";
        var hosts = await HostProcess.StartManyAsync(settings);
        await using var a = hosts[0];
        await using var b = hosts[1];
        await using var c = hosts[2];
        var hostsReady = total.Elapsed;

        var load = Stopwatch.StartNew();
        // Two thirds of the starts now; the last third as a burst once a fifth of the work is done (below).
        var seeding = SeedAsync(setup, 0, Instances * 2 / 3);

        // SIGTERM host-b once a fifth of the work is done and the burst has come, at a moment it holds a batch with many rows still to run: those
        // are what a graceful stop must hand back. (Idle between two claims, it would release nothing and the test would
        // prove nothing.)
        await WaitCompletedAsync(setup, Instances / 5, a, load);
        // The burst outpaces the hosts, so there is a backlog for host-b's next claim to take a big batch from (when the
        // hosts kept up with the starts, host-b never held more than a few rows and once released none).
        var burst = SeedAsync(setup, Instances * 2 / 3, Instances - Instances * 2 / 3);
        var holding = Stopwatch.StartNew();
        long heldBeforeTerm;
        while ((heldBeforeTerm = await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner = 'host-b'")) < 60 && holding.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(2);
        var waitedForClaims = holding.Elapsed;
        var termSentAt = DateTimeOffset.UtcNow;
        var exitCode = await b.TerminateAsync(TimeSpan.FromSeconds(40));
        var termExitedAt = DateTimeOffset.UtcNow;
        var ownedByB = await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner = 'host-b'");
        Assert.Equal(0, exitCode);
        Assert.Equal(0, ownedByB); // released at once: nothing left to expire

        var stop = StopLine().Match(b.Output);
        Assert.True(stop.Success, "host-b did not log its graceful stop:\n" + Tail(b.Output));
        var stopBeganAt = DateTimeOffset.Parse(stop.Groups["began"].Value, CultureInfo.InvariantCulture);
        var released = stop.Groups["ids"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToArray();
        Assert.Equal(int.Parse(stop.Groups["n"].Value, CultureInfo.InvariantCulture), released.Length);

        // SIGKILL host-c at about half way: no shutdown code runs, its leases stay until they expire.
        await WaitCompletedAsync(setup, Instances / 2, a, load);
        c.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        while (!c.HasExited) await Task.Delay(5);
        // A commit batch the server had already received when the process died still completes; let it land, so the
        // rows still owned by host-c now are exactly the orphans that must wait for their lease to expire.
        await Task.Delay(300);
        var heldByC = await LeasesAsync(setup.ConnectionString, "host-c");

        var seeded = await seeding + await burst;
        await WaitCompletedAsync(setup, Instances, a, load, TimeSpan.FromSeconds(180));
        var loadTime = load.Elapsed;

        // Exactly once: instances, journal, effects.
        Assert.Equal(Instances, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'"));
        Assert.Equal(Instances * Nodes.Length, await setup.CountAsync("SELECT count(*) FROM journal_entries WHERE status = 'completed'"));
        Assert.Equal(0, await setup.CountAsync("""
            SELECT count(*) FROM (SELECT instance_id, node_id FROM journal_entries WHERE status = 'completed'
                                  GROUP BY instance_id, node_id HAVING count(*) <> 1) x
            """));
        Assert.Equal(2 * Instances, await setup.CountAsync("SELECT count(*) FROM connector_records"));
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM (SELECT instance_id, node_id FROM connector_records GROUP BY 1, 2 HAVING count(*) > 1) x"));
        Assert.Equal(0, await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE lease_owner IS NOT NULL"));

        // Takeover: host-b's released rows were picked up long before a lease could have expired; host-c's only after.
        var releasedTakeover = await TakeoverAsync(setup.ConnectionString, released.Select(id => (id, stopBeganAt)).ToArray(), "host-b");
        var killedTakeover = await TakeoverAsync(setup.ConnectionString, heldByC.Select(h => (h.Id, killedAt)).ToArray(), "host-c");
        var expiredFirst = await TakenOverOnlyAfterExpiryAsync(setup.ConnectionString, heldByC, killedAt);

        var perHost = await PerHostAsync(setup.ConnectionString);
        output.WriteLine($"hosts ready in {hostsReady.TotalSeconds:F1}s; {Instances} instances ({Nodes.Length} nodes, 2 slices each) finished in {loadTime.TotalSeconds:F1}s of load ({Instances / loadTime.TotalSeconds:F0}/s; the two seeding parts took {seeded.TotalSeconds:F1}s together); test total {total.Elapsed.TotalSeconds:F1}s");
        foreach (var (host, instances, entries) in perHost)
            output.WriteLine($"  {host}: journal entries for {instances} instances, {entries} completed nodes");
        output.WriteLine($"SIGTERM host-b (holding {heldBeforeTerm} rows): its stop began {(stopBeganAt - termSentAt).TotalMilliseconds:F0} ms after the signal; " +
                         $"exited {exitCode} after {(termExitedAt - termSentAt).TotalMilliseconds:F0} ms; rows owned by host-b right after exit: {ownedByB}; " +
                         $"released {released.Length} leases; re-claimed by another host after {Describe(releasedTakeover)} (lease {Lease.TotalSeconds:F0}s)");
        output.WriteLine($"SIGKILL host-c: held {heldByC.Count} leases at death; taken over after {Describe(killedTakeover)}; all after their lease expired: {expiredFirst}");

        Assert.True(released.Length > 0, $"host-b held nothing when it was stopped (it held {heldBeforeTerm} rows {waitedForClaims.TotalSeconds:F1} s into the wait, " +
                                         "just before SIGTERM): the test did not exercise the release:\n" + Tail(b.Output));
        Assert.Equal(released.Length, releasedTakeover.Count);
        Assert.True(releasedTakeover.Max() < Lease, $"released instances waited {releasedTakeover.Max()} — as long as a lease expiry");
        Assert.True(expiredFirst, "an instance held by the killed host ran elsewhere before its lease expired");
        Assert.True(perHost.Count(h => h.Entries > 0) == 3, "all three hosts should have worked");
    }

    private static Dictionary<string, string?> Settings(string connectionString, string hostId) => new()
    {
        ["ConnectionStrings__AgentRuntime"] = connectionString,
        ["Database__MigrateOnStartup"] = "false", // as in deploy/kubernetes: the release job migrated (here: the template)
        ["Workflows__Directory"] = "",
        ["Engine__HostId"] = hostId,
        ["Engine__LeaseDuration"] = Lease.ToString("c", CultureInfo.InvariantCulture),
        ["Engine__PollInterval"] = "00:00:00.050",
        ["Engine__Concurrency"] = "4",
        ["Engine__ClaimBatchSize"] = "16",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__AgentRuntime.Engine.Execution.EngineWorker"] = "Information",
    };

    private static async Task<TimeSpan> SeedAsync(EngineTestHost setup, int first, int count)
    {
        var sw = Stopwatch.StartNew();
        var starts = Enumerable.Range(first, count).Select(n => (Func<Task>)(() => setup.Engine.StartAsync("scaleout", new JsonObject { ["amount"] = 10, ["n"] = n })));
        foreach (var chunk in starts.Chunk(50)) await Task.WhenAll(chunk.Select(s => s()));
        return sw.Elapsed;
    }

    private async Task WaitCompletedAsync(EngineTestHost setup, int target, HostProcess survivor, Stopwatch sw, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        long done;
        while ((done = await setup.CountAsync("SELECT count(*) FROM workflow_instances WHERE status = 'completed'")) < target)
        {
            if (sw.Elapsed > limit || survivor.HasExited)
            {
                output.WriteLine(Tail(survivor.Output));
                Assert.Fail($"only {done} of {target} completed after {sw.Elapsed.TotalSeconds:F0}s");
            }
            await Task.Delay(25);
        }
    }

    private static async Task<List<(Guid Id, DateTimeOffset ExpiresAt)>> LeasesAsync(string cs, string host)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, lease_expires_at FROM workflow_instances WHERE lease_owner = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = host });
        var list = new List<(Guid, DateTimeOffset)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add((r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1)));
        return list;
    }

    /// <summary>For each instance: the first journal entry another host started after <c>since</c>, minus <c>since</c>.</summary>
    private static async Task<List<TimeSpan>> TakeoverAsync(string cs, (Guid Id, DateTimeOffset Since)[] items, string previous)
    {
        if (items.Length == 0) return [];
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT x.id, min(j.started_at) - x.since
              FROM unnest($1::uuid[], $2::timestamptz[]) AS x(id, since)
              JOIN journal_entries j ON j.instance_id = x.id AND j.host <> $3 AND j.started_at >= x.since
             GROUP BY x.id, x.since
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = items.Select(i => i.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = items.Select(i => i.Since).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = previous });
        var list = new List<TimeSpan>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetTimeSpan(1));
        return list;
    }

    /// <summary>No other host started a node of these instances between the kill and the instance's lease expiry.</summary>
    private static async Task<bool> TakenOverOnlyAfterExpiryAsync(string cs, List<(Guid Id, DateTimeOffset ExpiresAt)> held, DateTimeOffset killedAt)
    {
        if (held.Count == 0) return true;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT count(*) FROM unnest($1::uuid[], $2::timestamptz[]) AS x(id, expires)
              JOIN journal_entries j ON j.instance_id = x.id AND j.host <> 'host-c'
             WHERE j.started_at >= $3 AND j.started_at < x.expires
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = held.Select(i => i.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = held.Select(i => i.ExpiresAt).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = killedAt });
        return (long)(await cmd.ExecuteScalarAsync())! == 0;
    }

    private static async Task<List<(string Host, long Instances, long Entries)>> PerHostAsync(string cs)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT host, count(DISTINCT instance_id), count(*) FROM journal_entries WHERE status = 'completed' GROUP BY host ORDER BY host", conn);
        var list = new List<(string, long, long)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add((r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
        return list;
    }

    private static string Describe(List<TimeSpan> xs)
    {
        if (xs.Count == 0) return "n/a (none)";
        var sorted = xs.Order().ToArray();
        return $"p50 {sorted[sorted.Length / 2].TotalMilliseconds:F0} ms, max {sorted[^1].TotalMilliseconds:F0} ms (n={sorted.Length})";
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];

    [GeneratedRegex(@"released (?<n>\d+) leases; stop began at (?<began>\S+): (?<ids>[0-9a-f,\-]*)")]
    private static partial Regex StopLine();
}
