using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// Which instances a bulk operation addresses. At least one criterion is required (a filter matching "everything" is
/// refused). <paramref name="Agent"/>: instances whose workflow version has an agent node running that agent.
/// <paramref name="IncidentKind"/>: instances with an open incident whose error type is this (full or short name) or whose
/// activity type is this (e.g. <c>compensation</c>). Times bound <c>created_at</c> (from inclusive, to exclusive).
/// </summary>
public sealed record BulkFilter(
    string? Workflow = null, int? Version = null, string? Status = null, string? Agent = null,
    DateTimeOffset? CreatedFrom = null, DateTimeOffset? CreatedTo = null, string? IncidentKind = null)
{
    public bool IsEmpty => Workflow is null && Version is null && Status is null && Agent is null && CreatedFrom is null && CreatedTo is null && IncidentKind is null;
}

public static class BulkOperationKinds
{
    public const string Cancel = "cancel";
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Retry = "retry";
    public const string Compensate = "compensate";

    public static readonly string[] All = [Cancel, Pause, Resume, Retry, Compensate];

    /// <summary>Applied set-based, a chunk per statement (a message per instance).</summary>
    internal static readonly string[] Fast = [Cancel, Pause, Resume];

    /// <summary>Applied one instance at a time (incident retries, compensations with their connector calls).</summary>
    internal static readonly string[] Slow = [Retry, Compensate];
}

public sealed record BulkOperationView(
    Guid Id, string Operation, JsonNode? Filter, string Reason, string RequestedBy, string Status, int Total,
    int Pending, int Succeeded, int Skipped, int Failed, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt)
{
    public int Processed => Total - Pending;
}

public sealed record BulkItemView(Guid InstanceId, string Status, string? Detail, string? Host, DateTimeOffset? ProcessedAt);

/// <summary>
/// Bulk operations: submit (the filter is materialised into <c>bulk_operation_items</c> by one INSERT … SELECT in the
/// submit transaction, with the operation's audit entry), read progress and per-instance results, and process: any
/// host claims a chunk of pending items with <c>FOR UPDATE SKIP LOCKED</c> and applies it in the same transaction, so
/// hosts split the work, and a host that dies mid-chunk leaves its chunk pending for another (nothing half-applied:
/// cancel/pause/resume of a chunk is one statement; retry/compensate of an instance is idempotent).
/// </summary>
public sealed class BulkOperations
{
    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly OperationsService _ops;
    private readonly CompensationRunner _compensation;
    private readonly OperationsOptions _options;
    private readonly EngineOptions _engine;
    private readonly WorkSignal _engineSignal;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _wake = new(0, 64);

    internal BulkOperations(NpgsqlDataSource db, AuditTrail audit, OperationsService ops, CompensationRunner compensation, OperationsOptions options,
        EngineOptions engine, WorkSignal engineSignal, TimeProvider clock)
    {
        _db = db;
        _audit = audit;
        _ops = ops;
        _compensation = compensation;
        _options = options;
        _engine = engine;
        _engineSignal = engineSignal;
        _clock = clock;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// Submits <paramref name="operation"/> over the instances <paramref name="filter"/> matches now. Returns the operation
    /// id and how many instances it addresses (<see cref="OperationResult.Data"/>: <c>{id, total}</c>).
    /// </summary>
    public async Task<OperationResult> SubmitAsync(BulkFilter filter, string operation, string? reason, string actor, CancellationToken ct = default)
    {
        var why = OperationsService.RequireReason(reason);
        if (!BulkOperationKinds.All.Contains(operation))
            return OperationResult.Invalid($"operation must be one of: {string.Join(", ", BulkOperationKinds.All)}.");
        if (filter.IsEmpty)
            return OperationResult.Invalid("The filter is empty: name at least one of workflow, version, status, agent, createdFrom, createdTo, incidentKind.");
        if (filter.Status is not null && !Instances.InstanceStatus.All.Contains(filter.Status))
            return OperationResult.Invalid($"filter.status must be one of: {string.Join(", ", Instances.InstanceStatus.All)}.");

        var id = Guid.CreateVersion7(_clock.GetUtcNow());
        var now = _clock.GetUtcNow();
        var filterJson = JsonSerializer.Serialize(filter, Json);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO bulk_operations (id, operation, filter, reason, requested_by, status, total, created_at) VALUES ($1, $2, $3, $4, $5, 'running', 0, $6)
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(id));
            cmd.Parameters.Add(InstanceStore.P(operation));
            cmd.Parameters.Add(InstanceStore.Jsonb(filterJson));
            cmd.Parameters.Add(InstanceStore.P(why));
            cmd.Parameters.Add(InstanceStore.P(actor));
            cmd.Parameters.Add(InstanceStore.P(now));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        // What each operation can apply to at all; the rest of the filter is the caller's.
        var implicitCondition = operation switch
        {
            BulkOperationKinds.Compensate => "i.status IN ('completed', 'failed', 'cancelled')",
            BulkOperationKinds.Retry => "EXISTS (SELECT 1 FROM incidents r WHERE r.instance_id = i.id AND r.status = 'open')",
            _ => "i.status NOT IN ('completed', 'failed', 'cancelled')",
        };
        int total;
        await using (var cmd = new NpgsqlCommand($"""
            WITH ins AS (
              INSERT INTO bulk_operation_items (operation_id, instance_id, status)
              SELECT $1, i.id, 'pending' FROM workflow_instances i
               WHERE {implicitCondition}
                 AND ($2::text IS NULL OR i.workflow_id = $2)
                 AND ($3::int IS NULL OR i.version = $3)
                 AND ($4::text IS NULL OR i.status = $4)
                 AND ($5::timestamptz IS NULL OR i.created_at >= $5)
                 AND ($6::timestamptz IS NULL OR i.created_at < $6)
                 AND ($7::text IS NULL OR EXISTS (
                       SELECT 1 FROM workflow_versions v, jsonb_array_elements(v.canonical_json->'flowchart'->'nodes') n
                        WHERE v.workflow_id = i.workflow_id AND v.version = i.version AND n->>'type' = 'agent' AND n->'inputs'->>'agent' = $7))
                 AND ($8::text IS NULL OR EXISTS (
                       SELECT 1 FROM incidents k WHERE k.instance_id = i.id AND k.status = 'open'
                          AND (k.error_type = $8 OR k.error_type LIKE '%.' || $8 OR k.activity_type = $8)))
               LIMIT $9
              RETURNING 1)
            SELECT count(*)::int FROM ins
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(id));
            cmd.Parameters.Add(InstanceStore.NullableText(filter.Workflow));
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.Parameters.Add(InstanceStore.NullableText(filter.Status));
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.CreatedFrom ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.CreatedTo ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(InstanceStore.NullableText(filter.Agent));
            cmd.Parameters.Add(InstanceStore.NullableText(filter.IncidentKind));
            cmd.Parameters.Add(InstanceStore.P(_options.MaxBulkItems));
            total = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        await using (var cmd = new NpgsqlCommand("""
            UPDATE bulk_operations SET total = $2, status = CASE WHEN $2 = 0 THEN 'completed' ELSE 'running' END,
                   completed_at = CASE WHEN $2 = 0 THEN $3 END WHERE id = $1
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(id));
            cmd.Parameters.Add(InstanceStore.P(total));
            cmd.Parameters.Add(InstanceStore.P(now));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await _audit.AppendAsync(new AuditRecord(actor, OperationsAuditActions.BulkSubmitted, "bulk-operation", id.ToString(), why,
            new JsonObject { ["operation"] = operation, ["filter"] = JsonNode.Parse(filterJson), ["total"] = total }), conn, tx, ct);
        await tx.CommitAsync(ct);
        Wake();
        return OperationResult.Accepted(new JsonObject { ["id"] = id.ToString(), ["operation"] = operation, ["total"] = total });
    }

    /// <summary>Wakes this host's processor (a submit on this host).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount < 8) _wake.Release();
    }

    internal Task<bool> WaitForWorkAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);

    public async Task<BulkOperationView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT operation, filter::text, reason, requested_by, status, total, created_at, completed_at FROM bulk_operations WHERE id = $1")
                    { Parameters = { InstanceStore.P(id) } },
                new NpgsqlBatchCommand("SELECT status, count(*)::int FROM bulk_operation_items WHERE operation_id = $1 GROUP BY status")
                    { Parameters = { InstanceStore.P(id) } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var (op, filter, reason, by, status, total, created, completed) = (reader.GetString(0), JsonNode.Parse(reader.GetString(1)), reader.GetString(2),
            reader.GetString(3), reader.GetString(4), reader.GetInt32(5), reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(7));
        await reader.NextResultAsync(ct);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) counts[reader.GetString(0)] = reader.GetInt32(1);
        return new BulkOperationView(id, op, filter, reason, by, status, total, counts.GetValueOrDefault("pending"), counts.GetValueOrDefault("succeeded"),
            counts.GetValueOrDefault("skipped"), counts.GetValueOrDefault("failed"), created, completed);
    }

    /// <summary>Per-instance results in instance-id order; <paramref name="after"/> is the last id of the previous page.</summary>
    public async Task<IReadOnlyList<BulkItemView>> ResultsAsync(Guid id, string? status, Guid? after, int limit, CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand("""
            SELECT instance_id, status, detail, host, processed_at FROM bulk_operation_items
             WHERE operation_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR instance_id > $3)
             ORDER BY instance_id LIMIT $4
            """);
        cmd.Parameters.Add(InstanceStore.P(id));
        cmd.Parameters.Add(InstanceStore.NullableText(status));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(InstanceStore.P(Math.Clamp(limit, 1, 1000)));
        var list = new List<BulkItemView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new BulkItemView(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return list;
    }

    // ---- processing ------------------------------------------------------------------------------------------------

    /// <summary>Processes chunks until no pending item is left that this host can claim. Returns how many items it processed.</summary>
    public async Task<int> ProcessAvailableAsync(CancellationToken ct = default)
    {
        var total = 0;
        while (true)
        {
            var n = await ProcessChunkAsync(BulkOperationKinds.Fast, _options.BulkChunkSize, ct);
            if (n == 0) n = await ProcessChunkAsync(BulkOperationKinds.Slow, _options.BulkSlowChunkSize, ct);
            if (n == 0) return total;
            total += n;
        }
    }

    private sealed record Claimed(Guid OperationId, Guid InstanceId, string Operation, string Reason, string RequestedBy);

    /// <summary>One chunk, one transaction: claim (row locks, SKIP LOCKED), apply, record results, complete finished operations.</summary>
    internal async Task<int> ProcessChunkAsync(string[] operations, int size, CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        var claimed = new List<Claimed>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT b.operation_id, b.instance_id, o.operation, o.reason, o.requested_by
              FROM bulk_operation_items b JOIN bulk_operations o ON o.id = b.operation_id
             WHERE b.status = 'pending' AND o.operation = ANY($1)
             ORDER BY b.operation_id, b.instance_id
             LIMIT $2
               FOR UPDATE OF b SKIP LOCKED
            """, conn, tx))
        {
            cmd.Parameters.Add(InstanceStore.P(operations));
            cmd.Parameters.Add(InstanceStore.P(size));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                claimed.Add(new Claimed(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }
        if (claimed.Count == 0)
        {
            await tx.RollbackAsync(ct);
            return 0;
        }

        var now = _clock.GetUtcNow();
        foreach (var group in claimed.GroupBy(c => c.OperationId))
        {
            var first = group.First();
            var ids = group.Select(c => c.InstanceId).ToArray();
            if (BulkOperationKinds.Fast.Contains(first.Operation))
            {
                var kind = first.Operation switch
                {
                    BulkOperationKinds.Cancel => MessageKinds.Cancel,
                    BulkOperationKinds.Pause => MessageKinds.Pause,
                    _ => MessageKinds.Resume,
                };
                await ApplyFastAsync(conn, tx, first.OperationId, ids, kind, new JsonObject { ["reason"] = first.Reason, ["by"] = first.RequestedBy, ["bulkOperation"] = first.OperationId.ToString() }, now, ct);
                _engineSignal.Notify(Math.Min(ids.Length, 64));
            }
            else
            {
                foreach (var item in group)
                {
                    var result = first.Operation == BulkOperationKinds.Compensate
                        ? await _compensation.CompensateAsync(item.InstanceId, item.Reason, item.RequestedBy, ct)
                        : await _ops.RetryInstanceAsync(item.InstanceId, item.Reason, item.RequestedBy, ct);
                    var (status, detail) = result.Outcome switch
                    {
                        OperationOutcome.Accepted => ("succeeded", first.Operation == BulkOperationKinds.Compensate
                            ? $"compensated {result.Data?["compensated"]} action(s)" : "incidents retried"),
                        OperationOutcome.Failed => ("failed", result.Detail),
                        _ => ("skipped", result.Detail),
                    };
                    await using var cmd = new NpgsqlCommand("UPDATE bulk_operation_items SET status = $3, detail = $4, host = $5, processed_at = $6 WHERE operation_id = $1 AND instance_id = $2", conn, tx);
                    cmd.Parameters.Add(InstanceStore.P(item.OperationId));
                    cmd.Parameters.Add(InstanceStore.P(item.InstanceId));
                    cmd.Parameters.Add(InstanceStore.P(status));
                    cmd.Parameters.Add(InstanceStore.NullableText(InstanceStore.Truncate(detail, 1000)));
                    cmd.Parameters.Add(InstanceStore.P(_engine.HostId));
                    cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
                    await cmd.ExecuteNonQueryAsync(ct);
                }
            }
        }
        await tx.CommitAsync(ct);
        // Completion is checked after the commit, not inside it: two hosts finishing the last two chunks at once would each
        // still see the other's items as pending (READ COMMITTED) and neither would complete the operation. Checked after
        // its own commit, the later of the two sees both.
        await using (var cmd = new NpgsqlCommand("""
            UPDATE bulk_operations o SET status = 'completed', completed_at = $2
             WHERE o.id = ANY($1) AND o.status = 'running'
               AND NOT EXISTS (SELECT 1 FROM bulk_operation_items b WHERE b.operation_id = o.id AND b.status = 'pending')
            """, conn))
        {
            cmd.Parameters.Add(InstanceStore.P(claimed.Select(c => c.OperationId).Distinct().ToArray()));
            cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        return claimed.Count;
    }

    private async Task ApplyFastAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid operationId, Guid[] ids, string kind, JsonObject payload, DateTimeOffset now, CancellationToken ct)
    {
        // One statement: message every unfinished instance of the chunk, then record which got it and which had finished.
        await using var cmd = new NpgsqlCommand("""
            WITH live AS (
              UPDATE workflow_instances SET ready_at = LEAST(COALESCE(ready_at, $3), $3)
               WHERE id = ANY($2) AND status NOT IN ('completed', 'failed', 'cancelled')
              RETURNING id),
            msg AS (
              INSERT INTO instance_messages (instance_id, kind, payload, created_at) SELECT id, $4, $5, $3 FROM live RETURNING instance_id)
            UPDATE bulk_operation_items b
               SET status = CASE WHEN m.instance_id IS NULL THEN 'skipped' ELSE 'succeeded' END,
                   detail = CASE WHEN m.instance_id IS NULL THEN 'the instance had already finished' ELSE 'accepted: applied at the instance''s next slice' END,
                   host = $6, processed_at = $3
              FROM unnest($2::uuid[]) AS ids(id) LEFT JOIN msg m ON m.instance_id = ids.id
             WHERE b.operation_id = $1 AND b.instance_id = ids.id
            """, conn, tx);
        cmd.Parameters.Add(InstanceStore.P(operationId));
        cmd.Parameters.Add(InstanceStore.P(ids));
        cmd.Parameters.Add(InstanceStore.P(now));
        cmd.Parameters.Add(InstanceStore.P(kind));
        cmd.Parameters.Add(InstanceStore.Jsonb(payload.ToJsonString()));
        cmd.Parameters.Add(InstanceStore.P(_engine.HostId));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
