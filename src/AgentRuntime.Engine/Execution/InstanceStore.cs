using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// The hot path's SQL, in raw Npgsql (no change tracking): claim, commit, heartbeat, messages.
/// <para>
/// Claim: <c>SELECT … FOR UPDATE SKIP LOCKED</c> over runnable rows (<c>ready_at &lt;= now</c>, lease free or expired),
/// then the same statement stamps a lease (owner, expiry) and increments <c>lease_token</c>. Commit: one batch (one round
/// trip, one implicit transaction) whose first statement updates the instance row only if <c>lease_token</c> is still the
/// one this host claimed; if not, it divides by zero on purpose, which aborts the whole batch: a host that lost its
/// lease (expired and re-claimed elsewhere) writes nothing: no state, no journal, no effect.
/// </para>
/// </summary>
internal sealed class InstanceStore(NpgsqlDataSource dataSource, EngineOptions options, TimeProvider clock)
{
    private const string FencingViolation = "22012"; // division_by_zero, raised deliberately by the fenced UPDATE

    public NpgsqlDataSource DataSource => dataSource;

    internal sealed record ClaimedRow(
        Guid Id, string WorkflowId, int Version, string Status, string? HoldReason, long LeaseToken,
        string Input, string Variables, string Outputs, string State, DateTimeOffset CreatedAt, List<PendingMessage> Messages, string? StartedBy = null,
        string? TraceParent = null, DateTimeOffset? ReadyAt = null);

    /// <summary>
    /// The guard of a start on "the published version": the insert happens only if <c>$version</c> is still the
    /// published version at commit time, checked inside the same statement (no extra round trip). Otherwise the
    /// statement divides by zero on purpose and the start is retried with a fresh lookup.
    /// </summary>
    private const string PublishedGuard = "EXISTS (SELECT 1 FROM workflows WHERE id = $16 AND published_version = $17 AND NOT retired)";

    public async Task InsertQueuedAsync(Guid id, string workflowId, int version, JsonNode? input, JsonObject vars, InstanceState state, bool requirePublished, string? traceParent, CancellationToken ct, string? startedBy = null)
    {
        var now = clock.GetUtcNow();
        await using var cmd = dataSource.CreateCommand($"""
            WITH i AS (
              INSERT INTO workflow_instances (id, workflow_id, version, status, input, variables, outputs, state, created_at, updated_at, ready_at, lease_token, slice_count, started_by, trace_parent)
              SELECT $1, $2, $3, 'running', $4, $5, '{"{}"}', $6, $7, $7, $7, 0, 0, $8, $9
               WHERE {(requirePublished ? PublishedGuard.Replace("$16", "$2", StringComparison.Ordinal).Replace("$17", "$3", StringComparison.Ordinal) : "true")}
              RETURNING 1)
            SELECT 1 / count(*) FROM i
            """);
        cmd.Parameters.Add(P(id));
        cmd.Parameters.Add(P(workflowId));
        cmd.Parameters.Add(P(version));
        cmd.Parameters.Add(Jsonb(input?.ToJsonString() ?? "null"));
        cmd.Parameters.Add(Jsonb(vars.ToJsonString()));
        cmd.Parameters.Add(Jsonb(state.Serialize()));
        cmd.Parameters.Add(P(now));
        cmd.Parameters.Add(NullableText(startedBy));
        cmd.Parameters.Add(NullableText(traceParent));
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == FencingViolation)
        {
            throw new PublishedVersionChangedException(workflowId, e);
        }
    }

    /// <summary>Claims up to <paramref name="max"/> runnable instances for this host, with their pending messages.</summary>
    public async Task<List<ClaimedRow>> ClaimAsync(int max, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var expires = now + options.LeaseDuration;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        var claim = new NpgsqlBatchCommand("""
            WITH c AS (
              SELECT id FROM workflow_instances
              WHERE ready_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at < $1)
              ORDER BY ready_at
              LIMIT $2
              FOR UPDATE SKIP LOCKED)
            UPDATE workflow_instances i
               SET lease_owner = $3, lease_token = i.lease_token + 1, lease_expires_at = $4
              FROM c WHERE i.id = c.id
            RETURNING i.id, i.workflow_id, i.version, i.status, i.hold_reason, i.lease_token,
                      i.input::text, i.variables::text, i.outputs::text, i.state::text, i.created_at, i.started_by, i.trace_parent, i.ready_at
            """);
        claim.Parameters.Add(P(now));
        claim.Parameters.Add(P(max));
        claim.Parameters.Add(P(options.HostId));
        claim.Parameters.Add(P(expires));
        batch.BatchCommands.Add(claim);
        // Same implicit transaction, so it sees the claim just made; the partial index keeps it to pending messages only.
        var messages = new NpgsqlBatchCommand("""
            SELECT m.id, m.instance_id, m.kind, m.name, m.payload::text
              FROM instance_messages m JOIN workflow_instances i ON i.id = m.instance_id
             WHERE m.consumed_at IS NULL AND i.lease_owner = $1 AND i.lease_expires_at = $2
             ORDER BY m.id
            """);
        messages.Parameters.Add(P(options.HostId));
        messages.Parameters.Add(P(expires));
        batch.BatchCommands.Add(messages);

        var rows = new List<ClaimedRow>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ClaimedRow(
                reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5),
                reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetString(9),
                reader.GetFieldValue<DateTimeOffset>(10), [], reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13)));
        }
        await reader.NextResultAsync(ct);
        if (rows.Count > 0)
        {
            var byId = rows.ToDictionary(r => r.Id);
            while (await reader.ReadAsync(ct))
            {
                if (byId.TryGetValue(reader.GetGuid(1), out var row))
                {
                    var payload = EngineTelemetry.UnwrapMessagePayload(reader.IsDBNull(4) ? null : JsonNode.Parse(reader.GetString(4)), out var traceParent);
                    row.Messages.Add(new PendingMessage(reader.GetInt64(0), reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetString(3), payload, traceParent));
                }
            }
        }
        return rows;
    }

    /// <summary>Extends the leases this host holds. Returns how many rows were still ours.</summary>
    public async Task<int> HeartbeatAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        await using var cmd = dataSource.CreateCommand(
            "UPDATE workflow_instances SET lease_expires_at = $1 WHERE id = ANY($2) AND lease_owner = $3 AND lease_expires_at IS NOT NULL");
        cmd.Parameters.Add(P(clock.GetUtcNow() + options.LeaseDuration));
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(P(options.HostId));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Hands claimed rows back without running them (graceful stop): owner and expiry cleared, <c>ready_at</c> = now at the
    /// latest (a claimed row was already due, so it keeps its earlier <c>ready_at</c> and with it its place at the front of the
    /// claim order, instead of queuing behind the backlog); any host claims them on its next poll. Fenced twice: the row must still carry the token of our claim and still
    /// name this host, so a row whose slice committed (lease already cleared) or that another host took over is left
    /// alone. Returns the ids actually released.
    /// </summary>
    public async Task<List<Guid>> ReleaseAsync(IReadOnlyList<(Guid Id, long LeaseToken)> held, CancellationToken ct)
    {
        var released = new List<Guid>();
        if (held.Count == 0) return released;
        await using var cmd = dataSource.CreateCommand("""
            UPDATE workflow_instances i SET lease_owner = NULL, lease_expires_at = NULL, ready_at = LEAST(COALESCE(i.ready_at, $3), $3)
              FROM unnest($1::uuid[], $2::bigint[]) AS r(id, token)
             WHERE i.id = r.id AND i.lease_token = r.token AND i.lease_owner = $4
            RETURNING i.id
            """);
        cmd.Parameters.Add(P(held.Select(h => h.Id).ToArray()));
        cmd.Parameters.Add(P(held.Select(h => h.LeaseToken).ToArray()));
        cmd.Parameters.Add(P(clock.GetUtcNow()));
        cmd.Parameters.Add(P(options.HostId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) released.Add(reader.GetGuid(0));
        return released;
    }

    /// <summary>
    /// Persists the slice. <paramref name="keepLease"/>: a checkpoint in the middle of a slice (before an external call);
    /// otherwise the lease is released. Throws <see cref="LeaseLostException"/> when the fencing check fails.
    /// </summary>
    public async Task CommitAsync(InstanceRun run, bool keepLease, IReadOnlyList<NpgsqlBatchCommand> extra, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        var final = InstanceStatus.IsFinal(run.Status);
        var readyAt = keepLease ? now : run.ReadyAt;
        object leaseOwner = keepLease ? options.HostId : DBNull.Value;
        object leaseExpires = keepLease ? now + options.LeaseDuration : DBNull.Value;

        NpgsqlBatchCommand row;
        if (run.IsNew)
        {
            row = new NpgsqlBatchCommand($"""
                WITH i AS (
                  INSERT INTO workflow_instances (status, hold_reason, waiting_on, variables, outputs, state, output, error, updated_at, completed_at,
                      ready_at, lease_owner, lease_expires_at, id, lease_token, workflow_id, version, input, created_at, slice_count, started_by, trace_parent)
                  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $20, $21
                   WHERE {(run.RequirePublished ? PublishedGuard : "true")}
                  RETURNING 1)
                SELECT 1 / count(*) FROM i
                """);
        }
        else
        {
            row = new NpgsqlBatchCommand("""
                WITH u AS (
                  UPDATE workflow_instances SET status = $1, hold_reason = $2, waiting_on = $3, variables = $4, outputs = $5, state = $6,
                         output = $7, error = $8, updated_at = $9, completed_at = $10, ready_at = $11, lease_owner = $12,
                         lease_expires_at = $13, slice_count = slice_count + 1
                   WHERE id = $14 AND lease_token = $15
                  RETURNING 1)
                SELECT 1 / count(*) FROM u
                """);
        }
        var p = row.Parameters;
        p.Add(P(run.Status));
        p.Add(NullableText(run.HoldReason));
        p.Add(NullableText(Truncate(run.WaitingOn, 500)));
        p.Add(Jsonb(run.Vars.ToJsonString()));
        p.Add(Jsonb(run.Outputs.ToJsonString()));
        p.Add(Jsonb(run.State.Serialize()));
        p.Add(run.Output is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : Jsonb(run.Output.ToJsonString()));
        p.Add(NullableText(run.Error));
        p.Add(P(now));
        p.Add(new NpgsqlParameter { Value = (object?)run.CompletedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter { Value = final ? DBNull.Value : (object?)readyAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter { Value = leaseOwner, NpgsqlDbType = NpgsqlDbType.Varchar });
        p.Add(new NpgsqlParameter { Value = leaseExpires, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(P(run.Id));
        p.Add(P(run.LeaseToken));
        if (run.IsNew)
        {
            p.Add(P(run.WorkflowId));
            p.Add(P(run.Version));
            p.Add(Jsonb(run.Input?.ToJsonString() ?? "null"));
            p.Add(P(run.CreatedAt));
            p.Add(NullableText(run.StartedBy));
            p.Add(NullableText(run.TraceParent));
        }
        batch.BatchCommands.Add(row);

        var pending = run.Pending;
        if (pending.Journal.Count > 0) batch.BatchCommands.Add(JournalInsert(run.Id, pending.Journal));
        foreach (var incident in pending.NewIncidents)
        {
            var c = new NpgsqlBatchCommand("""
                INSERT INTO incidents (id, instance_id, workflow_id, version, node_id, activity_type, token_id, error_type, message, attempts, status, created_at, host)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12)
                """);
            c.Parameters.Add(P(incident.Id));
            c.Parameters.Add(P(incident.InstanceId));
            c.Parameters.Add(P(incident.WorkflowId));
            c.Parameters.Add(P(incident.Version));
            c.Parameters.Add(P(incident.NodeId));
            c.Parameters.Add(P(incident.ActivityType));
            c.Parameters.Add(P(incident.TokenId));
            c.Parameters.Add(P(Truncate(incident.ErrorType, 300)!));
            c.Parameters.Add(P(incident.Message));
            c.Parameters.Add(P(incident.Attempts));
            c.Parameters.Add(P(incident.CreatedAt));
            c.Parameters.Add(P(incident.Host));
            batch.BatchCommands.Add(c);
        }
        foreach (var (id, status, resolution) in pending.IncidentUpdates)
        {
            var c = new NpgsqlBatchCommand("UPDATE incidents SET status = $2, resolution = $3, resolved_at = $4 WHERE id = $1");
            c.Parameters.Add(P(id));
            c.Parameters.Add(P(status));
            c.Parameters.Add(P(resolution));
            c.Parameters.Add(P(now));
            batch.BatchCommands.Add(c);
        }
        if (pending.CancelOpenIncidents)
        {
            var c = new NpgsqlBatchCommand("UPDATE incidents SET status = 'cancelled', resolution = COALESCE(resolution, 'cancel'), resolved_at = $2 WHERE instance_id = $1 AND status IN ('open', 'resolving')");
            c.Parameters.Add(P(run.Id));
            c.Parameters.Add(P(now));
            batch.BatchCommands.Add(c);
        }
        if (pending.ConsumedMessages.Count > 0)
        {
            var c = new NpgsqlBatchCommand("UPDATE instance_messages SET consumed_at = $2 WHERE id = ANY($1)");
            c.Parameters.Add(new NpgsqlParameter { Value = pending.ConsumedMessages.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            c.Parameters.Add(P(now));
            batch.BatchCommands.Add(c);
        }
        foreach (var c in pending.Commands) batch.BatchCommands.Add(c);
        foreach (var c in extra) batch.BatchCommands.Add(c);
        if (!run.IsNew && !final && !keepLease && readyAt is null)
        {
            // A message (signal, incident resolution) may have arrived while this slice ran. The row lock taken by the
            // UPDATE above orders us with the sender: either its message is visible to this later statement, or its
            // own UPDATE of ready_at waits for our commit and lands after it. No wake-up is lost.
            var c = new NpgsqlBatchCommand("""
                UPDATE workflow_instances SET ready_at = $2
                 WHERE id = $1 AND EXISTS (SELECT 1 FROM instance_messages WHERE instance_id = $1 AND consumed_at IS NULL)
                """);
            c.Parameters.Add(P(run.Id));
            c.Parameters.Add(P(now));
            batch.BatchCommands.Add(c);
        }

        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == FencingViolation)
        {
            if (run.IsNew) throw new PublishedVersionChangedException(run.WorkflowId, e);
            throw new LeaseLostException(run.Id, e);
        }
        run.IsNew = false;
        foreach (var after in pending.AfterCommit) after();
        pending.Clear();
    }

    private NpgsqlBatchCommand JournalInsert(Guid instanceId, List<JournalRow> rows)
    {
        // One multi-row INSERT through unnest: one statement whatever the number of entries.
        var n = rows.Count;
        var seq = new int[n]; var token = new int[n]; var node = new string[n]; var type = new string[n]; var attempt = new int[n];
        var status = new string[n]; var port = new string?[n]; var input = new string?[n]; var output = new string?[n]; var error = new string?[n];
        var lineage = new string?[n]; var started = new DateTimeOffset[n]; var duration = new double[n];
        for (var i = 0; i < n; i++)
        {
            var r = rows[i];
            seq[i] = r.Seq; token[i] = r.TokenId; node[i] = r.NodeId; type[i] = r.ActivityType; attempt[i] = r.Attempt; status[i] = r.Status;
            port[i] = r.Port; input[i] = r.InputJson; output[i] = r.OutputJson; error[i] = r.Error; lineage[i] = ArrayLiteral(r.Lineage);
            started[i] = r.StartedAt; duration[i] = r.DurationMs;
        }
        var c = new NpgsqlBatchCommand("""
            INSERT INTO journal_entries (instance_id, seq, token_id, node_id, activity_type, attempt, status, port, input, output, error, lineage, started_at, duration_ms, host)
            SELECT $1, s, t, nd, ty, a, st, po, i::jsonb, o::jsonb, e, l::text[], sa, d, $14
              FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $15::float8[])
                   AS x(s, t, nd, ty, a, st, po, i, o, e, l, sa, d)
            """);
        c.Parameters.Add(P(instanceId));
        c.Parameters.Add(P(seq));
        c.Parameters.Add(P(token));
        c.Parameters.Add(P(node));
        c.Parameters.Add(P(type));
        c.Parameters.Add(P(attempt));
        c.Parameters.Add(P(status));
        c.Parameters.Add(TextArray(port));
        c.Parameters.Add(TextArray(input));
        c.Parameters.Add(TextArray(output));
        c.Parameters.Add(TextArray(error));
        c.Parameters.Add(TextArray(lineage));
        c.Parameters.Add(P(started));
        c.Parameters.Add(P(options.HostId));
        c.Parameters.Add(P(duration));
        return c;
    }

    private static string? ArrayLiteral(string[]? items)
    {
        if (items is null || items.Length == 0) return null;
        var sb = new StringBuilder("{");
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append('"').Append(items[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Appends a durable message for an instance and makes it runnable, unless the instance has finished.</summary>
    public async Task<bool> SendMessageAsync(Guid instanceId, string kind, string? name, JsonNode? payload, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            WITH i AS (
              UPDATE workflow_instances SET ready_at = LEAST(COALESCE(ready_at, $5), $5)
               WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')
              RETURNING id)
            INSERT INTO instance_messages (instance_id, kind, name, payload, created_at)
            SELECT id, $2, $3, $4, $5 FROM i
            """);
        cmd.Parameters.Add(P(instanceId));
        cmd.Parameters.Add(P(kind));
        cmd.Parameters.Add(NullableText(name));
        // The sending request's trace rides with the payload, so the slice that applies it links to it.
        var stored = EngineTelemetry.WrapMessagePayload(payload);
        cmd.Parameters.Add(stored is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : Jsonb(stored.ToJsonString()));
        cmd.Parameters.Add(P(clock.GetUtcNow()));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    internal static NpgsqlParameter P<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    internal static NpgsqlParameter Jsonb(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    internal static NpgsqlParameter NullableText(string? s) => new() { Value = (object?)s ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter TextArray(string?[] values) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    internal static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

/// <summary>A start raced a publish (or retirement): the version it ran on is no longer the published one. Nothing was stored.</summary>
public sealed class PublishedVersionChangedException(string workflowId, Exception? inner = null)
    : Exception($"The published version of workflow '{workflowId}' changed while the instance was starting.", inner);

/// <summary>The instance's lease was taken over by another host: this host's slice was rolled back, nothing was written.</summary>
public sealed class LeaseLostException(Guid instanceId, Exception? inner = null)
    : Exception($"The lease on instance {instanceId} was lost; the slice was rolled back.", inner)
{
    public Guid InstanceId { get; } = instanceId;
}
