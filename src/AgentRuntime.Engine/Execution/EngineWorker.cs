using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// The background side of the engine in a host process: <see cref="EngineOptions.Concurrency"/> loops that claim
/// and run slices (when <see cref="EngineOptions.RunWorkers"/>), and a heartbeat that extends the leases this host holds.
/// <para>
/// Timers are rows, not scheduler jobs: a waiting instance's <c>ready_at</c> is its earliest due time, and the same
/// <c>FOR UPDATE SKIP LOCKED</c> claim that picks up new work picks up due timers and expired leases. That keeps timers
/// durable and clustered with no second store to keep consistent with the instance row (a Quartz trigger would have to
/// be written in the same transaction as the bookmark, and Quartz's store has its own transactions); Quartz stays the
/// tool for cron-style jobs (audit sampling, readiness probes).
/// </para>
/// </summary>
internal sealed class EngineWorker(EngineRunner runner, InstanceStore store, LeaseTracker leases, WorkSignal signal, EngineOptions options, ILogger<EngineWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tasks = new List<Task> { HeartbeatAsync(stoppingToken) };
        if (options.RunWorkers)
        {
            for (var i = 0; i < options.Concurrency; i++) tasks.Add(LoopAsync(stoppingToken));
            logger.LogInformation("Engine workers started on host {HostId}: {Concurrency} loops, batch {Batch}, lease {Lease}",
                options.HostId, options.Concurrency, options.ClaimBatchSize, options.LeaseDuration);
        }
        await Task.WhenAll(tasks);
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var claimed = await runner.RunBatchAsync(options.ClaimBatchSize, ct);
                if (claimed == 0) await signal.WaitAsync(options.PollInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a database hiccup must not kill the worker loop
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Engine worker loop failed; retrying shortly");
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.EffectiveHeartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await store.HeartbeatAsync(leases.Snapshot(), ct);
                }
#pragma warning disable CA1031
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogWarning(e, "Lease heartbeat failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
