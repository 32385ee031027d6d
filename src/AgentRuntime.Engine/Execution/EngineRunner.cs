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

    /// <summary>
    /// Claims up to <paramref name="max"/> instances and runs a slice of each, one after the other. Returns how many were
    /// claimed. When <paramref name="cancellationToken"/> fires, the slice in progress is cancelled, every claimed row not
    /// finished is released at once (not left to expire) and the cancellation is rethrown.
    /// </summary>
    public async Task<int> RunBatchAsync(int max, CancellationToken cancellationToken = default)
    {
        var outcome = await RunBatchAsync(max, cancellationToken, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return outcome.Claimed;
    }

    /// <summary>
    /// The worker's form. <paramref name="stopping"/> (graceful stop): no new claim, and rows of this batch not yet started
    /// are released; the slice in progress runs on. <paramref name="abort"/> (the drain timed out): the slice in progress
    /// is cancelled and released too. Returns normally in both cases, with the rows it released.
    /// </summary>
    internal async Task<BatchOutcome> RunBatchAsync(int max, CancellationToken stopping, CancellationToken abort)
    {
        if (stopping.IsCancellationRequested) return BatchOutcome.None;
        var rows = await _store.ClaimAsync(max, abort);
        var claimedAt = _clock.GetUtcNow();
        foreach (var row in rows)
        {
            _leases.Hold(row.Id, row.LeaseToken);
            if (row.ReadyAt is { } ready)
                AgentRuntimeMetrics.ClaimLag.Record(Math.Max(0, (claimedAt - ready).TotalSeconds), new KeyValuePair<string, object?>(TelemetryAttributes.WorkflowId, row.WorkflowId));
        }
        var unfinished = new List<InstanceStore.ClaimedRow>();
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                if (stopping.IsCancellationRequested)
                {
                    unfinished.AddRange(rows.Skip(i));
                    break;
                }
                try
                {
                    var run = await LoadAsync(row, abort);
                    await _executor.RunAsync(run, abort);
                }
                catch (LeaseLostException e)
                {
                    _logger.LogWarning("Instance {InstanceId}: lease lost, slice rolled back ({Message})", row.Id, e.Message);
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    unfinished.AddRange(rows.Skip(i));
                    break;
                }
#pragma warning disable CA1031 // one instance's failure must not stop the batch; its lease expires and it is retried
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _logger.LogError(e, "Instance {InstanceId}: slice failed; it will be retried when its lease expires", row.Id);
                }
                _leases.Release(row.Id);
            }
        }
        finally
        {
            // Not left to expire: another host may claim these rows at once. Runs even when the batch was cancelled.
            var released = unfinished.Count == 0 ? [] : await ReleaseAsync(unfinished);
            foreach (var row in unfinished) _leases.Release(row.Id);
            unfinished = [.. unfinished.Where(r => released.Contains(r.Id))];
        }
        return new BatchOutcome(rows.Count, [.. unfinished.Select(r => r.Id)]);
    }

    private async Task<HashSet<Guid>> ReleaseAsync(List<InstanceStore.ClaimedRow> rows)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return [.. await _store.ReleaseAsync(rows.Select(r => (r.Id, r.LeaseToken)).ToList(), timeout.Token)];
        }
#pragma warning disable CA1031 // the database may be gone during shutdown: the leases then expire as after a crash
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning(e, "Could not release {Count} leases; they expire after the lease duration", rows.Count);
            return [];
        }
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

/// <summary>What one claim-and-run batch did: rows claimed, and rows handed back unfinished (released, not left to expire).</summary>
internal sealed record BatchOutcome(int Claimed, IReadOnlyList<Guid> Released)
{
    public static readonly BatchOutcome None = new(0, []);
}

/// <summary>The instances this host currently holds leases on, with the lease token of each claim (heartbeats extend them).</summary>
internal sealed class LeaseTracker
{
    private readonly ConcurrentDictionary<Guid, long> _held = new();

    public void Hold(Guid id, long leaseToken) => _held[id] = leaseToken;
    public void Release(Guid id) => _held.TryRemove(id, out _);
    public IReadOnlyCollection<Guid> Snapshot() => _held.Keys.ToArray();
    public IReadOnlyList<(Guid Id, long LeaseToken)> Held() => [.. _held.Select(kv => (kv.Key, kv.Value))];
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
