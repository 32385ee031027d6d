using System.Runtime.InteropServices;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Benchmarks;

/// <summary>
/// A host process that only runs engine workers (claim, execute, commit, heartbeat) against a database, with the test
/// agents and activity types registered. The crash and multi-host tests start it as a child process and SIGKILL it.
/// </summary>
internal static class WorkerCommand
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var connection = args.Get("connection") ?? throw new ArgumentException("--connection is required");
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(new LoggerFactory([new StderrLoggerProvider()]));
        services.AddAgentRuntimeEngine(o =>
        {
            o.ConnectionString = connection;
            o.HostId = args.Get("host-id") ?? o.HostId;
            o.LeaseDuration = Durations.Parse(args.Get("lease") ?? "5s");
            o.Concurrency = args.Int("concurrency", 4);
            o.ClaimBatchSize = args.Int("batch", 4);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        });
        services.AddTestActivities();
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        foreach (var h in hosted) await h.StartAsync(stop.Token);
        Console.WriteLine($"worker ready {provider.GetRequiredService<EngineOptions>().HostId}");
        try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
        foreach (var h in hosted) await h.StopAsync(CancellationToken.None);
        return 0;
    }
}
