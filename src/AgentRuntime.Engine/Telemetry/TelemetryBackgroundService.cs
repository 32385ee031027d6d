using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// The engine's telemetry chores in a host: registers the queue-depth probe behind <c>agentruntime.queue.depth</c>, and
/// flushes <see cref="TelemetrySignals"/> every <see cref="TelemetrySignals.FlushInterval"/> and once more on stop.
/// </summary>
internal sealed class TelemetryBackgroundService(TelemetrySignals signals, QueueDepthProbe probe, ILogger<TelemetryBackgroundService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        AgentRuntimeMetrics.Register(probe);
        using var timer = new PeriodicTimer(TelemetrySignals.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await signals.FlushAsync(stoppingToken);
                }
#pragma warning disable CA1031 // evidence is best effort; the loop must survive a database hiccup
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogWarning(e, "Telemetry signal flush failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        AgentRuntimeMetrics.Unregister(probe);
        try
        {
            await signals.FlushAsync(cancellationToken);
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogWarning(e, "Final telemetry signal flush failed");
        }
    }
}
