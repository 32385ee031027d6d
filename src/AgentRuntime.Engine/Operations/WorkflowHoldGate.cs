using System.Collections.Frozen;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// Workflow-scope pause: a path of a paused workflow holds before its next step (status <c>paused</c>, journal entry
/// <c>held</c>), and no new instance starts. The set of paused workflows is read with one query and cached for
/// <see cref="OperationsOptions.HoldCacheTtl"/>; a pause or resume made through this host refreshes it at once, another
/// host sees it within the TTL (so "at the next step" is exact on the pausing host, at most one TTL late elsewhere).
/// </summary>
public sealed class WorkflowHoldGate : IExecutionGate
{
    private readonly NpgsqlDataSource _db;
    private readonly OperationsOptions _options;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(FrozenDictionary<string, string> Holds, long At);

    internal WorkflowHoldGate(NpgsqlDataSource db, OperationsOptions options, TimeProvider clock)
    {
        _db = db;
        _options = options;
        _clock = clock;
    }

    public async ValueTask<string?> CheckAsync(GateContext context, CancellationToken cancellationToken) =>
        await HoldOfAsync(context.WorkflowId, cancellationToken) is { } reason ? $"workflow paused: {reason}" : null;

    /// <summary>The pause reason of <paramref name="workflowId"/>, or null when it is not paused.</summary>
    public async ValueTask<string?> HoldOfAsync(string workflowId, CancellationToken ct)
    {
        var snapshot = _snapshot;
        if (snapshot is null || _clock.GetElapsedTime(snapshot.At) > _options.HoldCacheTtl) snapshot = await RefreshAsync(snapshot, ct);
        return snapshot.Holds.GetValueOrDefault(workflowId);
    }

    /// <summary>Drops the cached set (after a local pause or resume) so the next check reads the table.</summary>
    public void Invalidate() => _snapshot = null;

    private async Task<Snapshot> RefreshAsync(Snapshot? seen, CancellationToken ct)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            if (_snapshot is { } current && !ReferenceEquals(current, seen)) return current; // another caller refreshed
            var holds = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var cmd = _db.CreateCommand("SELECT workflow_id, reason FROM workflow_holds"))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) holds[reader.GetString(0)] = reader.GetString(1);
            }
            var fresh = new Snapshot(holds.ToFrozenDictionary(StringComparer.Ordinal), _clock.GetTimestamp());
            _snapshot = fresh;
            return fresh;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
