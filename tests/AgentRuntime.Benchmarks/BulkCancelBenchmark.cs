using System.Diagnostics;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// Bulk cancel load: N instances waiting on a signal, one bulk cancel by workflow filter, run by the background bulk
/// processor and the engine workers of one host. Prints the submit time (the filter materialised in one INSERT …
/// SELECT), items/s until every item is processed (messages delivered), and instances/s until every instance is
/// cancelled (each cancel applied by the instance's own slice).
/// </summary>
internal static class BulkCancelBenchmark
{
    private const string Workflow = """
        id: bulk-bench
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: go } }
            - { id: done, type: end }
          edges:
            - { from: hold.done, to: done }
        """;

    public static async Task<int> RunAsync(Arguments args)
    {
        var instances = args.Int("instances", 10_000);
        var concurrency = args.Int("concurrency", 8);
        var cs = args.Get("connection") ?? await TestPostgres.CreateDatabaseAsync("bulkbench");
        var services = new ServiceCollection();
        services.AddAgentRuntimeEngine(o =>
        {
            o.ConnectionString = cs;
            o.RunWorkers = true;
            o.Concurrency = concurrency;
            o.ClaimBatchSize = 16;
            o.PollInterval = TimeSpan.FromMilliseconds(20);
        });
        services.AddSingleton(new OperationsOptions { BulkPollInterval = TimeSpan.FromMilliseconds(50) });
        services.AddTestActivities();
        await using var provider = services.BuildServiceProvider();
        await EngineTestHost.PublishAsync(cs, Workflow, provider.GetRequiredService<ActivityRegistry>());
        var engine = provider.GetRequiredService<WorkflowEngine>();

        Console.WriteLine($"instances={instances} concurrency={concurrency} cores={Environment.ProcessorCount}");
        var setup = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= instances)
                await engine.StartAsync("bulk-bench", null, new StartOptions { RunInline = true });
        }));
        Console.WriteLine($"setup: {instances} waiting instances in {setup.Elapsed.TotalSeconds:F1} s");

        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var h in hosted) await h.StartAsync(CancellationToken.None);
        try
        {
            var bulk = provider.GetRequiredService<BulkOperations>();
            var clock = Stopwatch.StartNew();
            var submitted = await bulk.SubmitAsync(new BulkFilter(Workflow: "bulk-bench"), "cancel", "benchmark", "bench");
            var id = Guid.Parse(submitted.Data!["id"]!.GetValue<string>());
            var submitSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"submit: {submitted.Data["total"]} items materialised in {submitSeconds * 1000:F0} ms");
            double itemsDone = 0;
            while (true)
            {
                var view = (await bulk.GetAsync(id))!;
                if (view.Status == "completed" && itemsDone == 0)
                {
                    itemsDone = clock.Elapsed.TotalSeconds;
                    Console.WriteLine($"items: {view.Succeeded} succeeded, {view.Skipped} skipped, {view.Failed} failed in {itemsDone:F1} s ({view.Total / itemsDone:F0} items/s)");
                }
                var cancelled = await CountAsync(cs, "SELECT count(*) FROM workflow_instances WHERE status = 'cancelled'");
                Console.Error.Write($"\r  processed {view.Processed}/{view.Total}, cancelled {cancelled}/{instances}   ");
                if (itemsDone > 0 && cancelled >= instances) break;
                await Task.Delay(200);
            }
            var all = clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine();
            Console.WriteLine($"cancelled: {instances} instances in {all:F1} s ({instances / all:F0} instances/s end to end)");
        }
        finally
        {
            foreach (var h in hosted) await h.StopAsync(CancellationToken.None);
        }
        return 0;
    }

    private static async Task<long> CountAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
