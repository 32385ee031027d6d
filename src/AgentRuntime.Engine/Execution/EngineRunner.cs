using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// Claims runnable instances and runs one slice of each. The background worker calls it in a loop; tests call
/// <see cref="RunUntilIdleAsync"/> to drive the engine deterministically.
/// </summary>
public sealed class EngineRunner
{
    private readonly InstanceStore _store;
    private readonly DefinitionCache _definitions;
    private readonly SliceExecutor _executor;
    private readonly LeaseTracker _leases;
    private readonly EngineOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<EngineRunner> _logger;

    internal EngineRunner(InstanceStore store, DefinitionCache definitions, SliceExecutor executor, LeaseTracker leases, EngineOptions options, TimeProvider clock, ILogger<EngineRunner> logger)
    {
        _store = store;
        _definitions = definitions;
        _executor = executor;
        _leases = leases;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Claims up to <paramref name="max"/> instances and runs a slice of each, one after the other. Returns how many were claimed.</summary>
    public async Task<int> RunBatchAsync(int max, CancellationToken cancellationToken = default)
    {
        var rows = await _store.ClaimAsync(max, cancellationToken);
        var claimedAt = _clock.GetUtcNow();
        foreach (var row in rows)
        {
            _leases.Hold(row.Id);
            if (row.ReadyAt is { } ready)
                AgentRuntimeMetrics.ClaimLag.Record(Math.Max(0, (claimedAt - ready).TotalSeconds), new KeyValuePair<string, object?>(TelemetryAttributes.WorkflowId, row.WorkflowId));
        }
        foreach (var row in rows)
        {
            try
            {
                var run = await LoadAsync(row, cancellationToken);
                await _executor.RunAsync(run, cancellationToken);
            }
            catch (LeaseLostException e)
            {
                _logger.LogWarning("Instance {InstanceId}: lease lost, slice rolled back ({Message})", row.Id, e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // one instance's failure must not stop the batch; its lease expires and it is retried
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.LogError(e, "Instance {InstanceId}: slice failed; it will be retried when its lease expires", row.Id);
            }
            finally
            {
                _leases.Release(row.Id);
            }
        }
        return rows.Count;
    }

    /// <summary>Runs slices until nothing is claimable now (timers due later and signals not yet sent do not count).</summary>
    public async Task<int> RunUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        var total = 0;
        while (await RunBatchAsync(_options.ClaimBatchSize, cancellationToken) is var n and > 0) total += n;
        return total;
    }

    internal async Task<InstanceRun> LoadAsync(InstanceStore.ClaimedRow row, CancellationToken ct)
    {
        var workflow = await _definitions.GetAsync(row.WorkflowId, row.Version, ct);
        var run = new InstanceRun
        {
            Id = row.Id,
            Workflow = workflow,
            Status = row.Status,
            HoldReason = row.HoldReason,
            CreatedAt = row.CreatedAt,
            StartedBy = row.StartedBy,
            LeaseToken = row.LeaseToken,
            Input = JsonNode.Parse(row.Input),
            Vars = JsonNode.Parse(row.Variables) as JsonObject ?? [],
            Outputs = JsonNode.Parse(row.Outputs) as JsonObject ?? [],
            State = InstanceState.Deserialize(row.State),
            Clock = _clock,
            HostId = _options.HostId,
            TraceParent = row.TraceParent,
        };
        run.Messages.AddRange(row.Messages);
        return run;
    }
}

/// <summary>The instances this host currently holds leases on (heartbeats extend them).</summary>
internal sealed class LeaseTracker
{
    private readonly ConcurrentDictionary<Guid, byte> _held = new();

    public void Hold(Guid id) => _held[id] = 0;
    public void Release(Guid id) => _held.TryRemove(id, out _);
    public IReadOnlyCollection<Guid> Snapshot() => _held.Keys.ToArray();
}

/// <summary>Wakes idle worker loops when this host creates work (a start, a signal), instead of waiting for the next poll.</summary>
internal sealed class WorkSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1024);

    public void Notify(int count = 1)
    {
        for (var i = 0; i < count && _semaphore.CurrentCount < 64; i++) _semaphore.Release();
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _semaphore.WaitAsync(timeout, ct);
}
