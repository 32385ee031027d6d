using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// Runs on every host (when <see cref="OperationsOptions.RunBulkProcessor"/>, by default with the engine's workers):
/// processes pending bulk items, then sleeps until a local submit or the poll interval.
/// </summary>
internal sealed class BulkOperationWorker(BulkOperations bulk, OperationsOptions options, EngineOptions engine, ILogger<BulkOperationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!(options.RunBulkProcessor ?? engine.RunWorkers)) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await bulk.ProcessAvailableAsync(stoppingToken) > 0) continue;
                await bulk.WaitForWorkAsync(options.BulkPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed chunk rolls back and is retried; the loop must survive it
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogWarning(e, "Bulk operation chunk failed; retrying after the poll interval");
                await Task.Delay(options.BulkPollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
