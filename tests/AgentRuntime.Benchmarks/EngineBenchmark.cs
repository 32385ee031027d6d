using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Persistence.LocalPostgres;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// The engine load benchmark: N straight-through instances of the 5-activity reference workflow (rules agent → validate
/// → decision → record action → end), and, against the same PostgreSQL with the same concurrency, a one-row INSERT
/// loop. Prints instances/s, INSERT TPS and their ratio (goal ≥ 0.25): the commit is the cost to beat.
/// <para>Modes: <c>queued</c> (default: the API's path: a start commits the new row, workers claim it in batches with
/// SKIP LOCKED and commit one slice) and <c>inline</c> (the starter runs the slice itself: one commit per instance);
/// <c>both</c> runs the two.</para>
/// </summary>
internal static class EngineBenchmark
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var instances = args.Int("instances", 20_000);
        var concurrency = args.Int("concurrency", 8);
        var mode = args.Get("mode") ?? "both";
        LocalPostgresServer? server = null;
        var dataDir = Path.Combine(Path.GetTempPath(), $"agentrt-bench-{Environment.ProcessId}");
        string admin;
        if (args.Get("connection") is { } given)
        {
            admin = given;
        }
        else
        {
            server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = dataDir, Durable = true, MaxConnections = 200 },
                m => Console.WriteLine($"[postgres] {m}"));
            admin = server.AdminConnectionString;
        }
        try
        {
            var cs = await CreateDatabaseAsync(admin);
            Console.WriteLine($"instances={instances} concurrency={concurrency} durable={(server is null ? "as configured" : "yes (fsync on, synchronous_commit on)")} cores={Environment.ProcessorCount}");
            // The machine may be shared: INSERT TPS is measured before and after the engine runs, and the mean is the reference.
            var before = await InsertLoopAsync(cs, concurrency, TimeSpan.FromSeconds(8));
            Console.WriteLine($"one-row INSERT (before): {before:F0} TPS");
            var rates = new List<(string Mode, double Rate)>();
            foreach (var m in mode == "both" ? new[] { "queued", "inline" } : [mode])
                rates.Add((m, await EngineAsync(cs, instances, concurrency, m)));
            var after = await InsertLoopAsync(cs, concurrency, TimeSpan.FromSeconds(8));
            Console.WriteLine($"one-row INSERT (after):  {after:F0} TPS");
            var insertTps = (before + after) / 2;
            Console.WriteLine($"one-row INSERT (mean):   {insertTps:F0} TPS");
            foreach (var (m, rate) in rates)
                Console.WriteLine($"engine ({m}): {rate:F0} instances/s   ratio to INSERT TPS: {rate / insertTps:F2} (goal ≥ 0.25)");
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
                try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        var name = $"bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await using (var conn = new NpgsqlConnection(TestPostgres.With(admin, "postgres")))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(TestPostgres.With(admin, name)) { MaxPoolSize = 100, NoResetOnClose = true }.ConnectionString;
        await PersistenceSetup.MigrateAsync(cs);
        return cs;
    }

    private static async Task<double> InsertLoopAsync(string cs, int concurrency, TimeSpan duration)
    {
        await using var ds = NpgsqlDataSource.Create(cs);
        await using (var create = ds.CreateCommand("CREATE TABLE IF NOT EXISTS bench_insert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL)"))
            await create.ExecuteNonQueryAsync();
        long count = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await using var conn = await ds.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand("INSERT INTO bench_insert (payload) VALUES ($1)", conn);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "x" });
            await cmd.PrepareAsync();
            while (sw.Elapsed < duration)
            {
                await cmd.ExecuteNonQueryAsync();
                Interlocked.Increment(ref count);
            }
        }));
        return count / sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> EngineAsync(string cs, int instances, int concurrency, string mode)
    {
        var services = new ServiceCollection();
        services.AddAgentRuntimeEngine(o =>
        {
            o.ConnectionString = cs;
            o.RunWorkers = mode == "queued";
            o.Concurrency = concurrency;
            o.ClaimBatchSize = 16;
            o.PollInterval = TimeSpan.FromMilliseconds(20);
        });
        services.AddTestActivities();
        await using var provider = services.BuildServiceProvider();
        await EngineTestHost.PublishAsync(cs, ReferenceWorkflows.StraightThrough.Replace("id: reference", $"id: reference-{mode}", StringComparison.Ordinal),
            provider.GetRequiredService<ActivityRegistry>());
        var engine = provider.GetRequiredService<WorkflowEngine>();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var h in hosted) await h.StartAsync(CancellationToken.None);

        // Warm-up (JIT, pools, definition cache), not counted.
        for (var i = 0; i < 200; i++) await engine.StartAsync($"reference-{mode}", Input(i), new StartOptions { RunInline = true });
        var baseline = await CompletedAsync(cs, mode);

        var next = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var n && n <= instances)
                await engine.StartAsync($"reference-{mode}", Input(n), new StartOptions { RunInline = mode == "inline" });
        }));
        var started = sw.Elapsed;
        long done;
        while ((done = await CompletedAsync(cs, mode) - baseline) < instances)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"only {done} of {instances} completed");
            await Task.Delay(50);
        }
        var elapsed = sw.Elapsed;
        Console.WriteLine($"  {mode}: started {instances} in {started.TotalSeconds:F1}s, all completed after {elapsed.TotalSeconds:F1}s");
        foreach (var h in hosted) await h.StopAsync(CancellationToken.None);
        return instances / elapsed.TotalSeconds;
    }

    private static JsonObject Input(int n) => new() { ["amount"] = n % 100, ["customer"] = "c-" + n.ToString(CultureInfo.InvariantCulture) };

    private static async Task<long> CompletedAsync(string cs, string mode)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM workflow_instances WHERE workflow_id = $1 AND status = 'completed'", conn);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"reference-{mode}" });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
