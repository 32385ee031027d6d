using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Incidents;
using AgentRuntime.Engine.Telemetry;
using Npgsql;

namespace AgentRuntime.Engine.Instances;

/// <summary>
/// The engine's public API: start instances, send signals, resolve incidents, read instances and incidents.
/// Everything that changes a running instance is a durable message the instance applies on its next slice, exactly
/// once and under its lease, so an API call never races a host that is executing the instance.
/// </summary>
public sealed class WorkflowEngine
{
    private readonly InstanceStore _store;
    private readonly DefinitionCache _definitions;
    private readonly SliceExecutor _executor;
    private readonly LeaseTracker _leases;
    private readonly WorkSignal _signal;
    private readonly ActivityRegistry _activities;
    private readonly EngineOptions _options;
    private readonly TimeProvider _clock;
    private readonly TelemetrySignals _signals;
    private readonly Operations.WorkflowHoldGate? _holds;

    internal WorkflowEngine(InstanceStore store, DefinitionCache definitions, SliceExecutor executor, LeaseTracker leases, WorkSignal signal,
        ActivityRegistry activities, EngineOptions options, TimeProvider clock, TelemetrySignals signals, Operations.WorkflowHoldGate? holds = null)
    {
        _holds = holds;
        _signals = signals;
        _store = store;
        _definitions = definitions;
        _executor = executor;
        _leases = leases;
        _signal = signal;
        _activities = activities;
        _options = options;
        _clock = clock;
    }

    private NpgsqlDataSource Db => _store.DataSource;

    /// <summary>
    /// Starts an instance on the workflow's published version (or <see cref="StartOptions.Version"/>). Validates the input
    /// against the definition's input fields (<see cref="InputValidationException"/>), evaluates the initial variables,
    /// and either queues the instance for a worker or runs its first slice inline.
    /// </summary>
    public async Task<StartResult> StartAsync(string workflowId, JsonNode? input, StartOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StartOptions();
        // A paused workflow takes no new instances (ops controls, workflow scope).
        if (_holds is not null && await _holds.HoldOfAsync(workflowId, cancellationToken) is { } hold)
            throw new WorkflowNotStartableException(workflowId, $"it is paused ({hold})");
        for (var attempt = 1; ; attempt++)
        {
            // The published version is cached; the insert itself re-checks it (same statement), so a start never lands
            // on a version that is no longer published: on a mismatch the cache is dropped and the start runs again.
            var cached = options.Version is null && attempt == 1 && _published.TryGetValue(workflowId, out var v) ? v : (int?)null;
            var version = options.Version ?? cached ?? await PublishedVersionAsync(workflowId, cancellationToken);
            if (options.Version is null) _published[workflowId] = version;
            try
            {
                return await StartOnAsync(workflowId, version, options.Version is null, input, options, cancellationToken);
            }
            catch (PublishedVersionChangedException) when (attempt < 3)
            {
                _published.TryRemove(workflowId, out _);
            }
            catch (PublishedVersionChangedException)
            {
                throw new WorkflowNotStartableException(workflowId, "its published version keeps changing or it was retired");
            }
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _published = new(StringComparer.Ordinal);

    private async Task<StartResult> StartOnAsync(string workflowId, int version, bool requirePublished, JsonNode? input, StartOptions options, CancellationToken cancellationToken)
    {
        var workflow = await _definitions.GetAsync(workflowId, version, cancellationToken);
        var errors = InputValidator.Validate(workflow.Definition.Input, input);
        if (errors.Count > 0) throw new InputValidationException(errors);

        var id = Guid.CreateVersion7(_clock.GetUtcNow());
        // The span the instance starts in: its context is stored on the row so that every later slice links back to it.
        using var span = EngineTelemetry.StartInstance(id, workflowId, version, options.RunInline);
        input = input?.DeepClone() ?? new JsonObject();
        var vars = new JsonObject();
        var state = new InstanceState();
        state.AddToken(workflow.StartNode);
        var run = new InstanceRun
        {
            Id = id,
            Workflow = workflow,
            Status = InstanceStatus.Running,
            CreatedAt = _clock.GetUtcNow(),
            StartedBy = options.StartedBy,
            LeaseToken = 0,
            IsNew = true,
            RequirePublished = requirePublished,
            Input = input,
            Vars = vars,
            Outputs = [],
            State = state,
            Clock = _clock,
            HostId = _options.HostId,
            TraceParent = EngineTelemetry.TraceParentOf(span ?? System.Diagnostics.Activity.Current),
        };
        foreach (var (name, expression) in workflow.Definition.Variables)
        {
            var value = Expressions.Evaluate(expression, run.Scope);
            vars[name] = value?.Parent is null ? value : value.DeepClone();
        }

        if (!options.RunInline)
        {
            await _store.InsertQueuedAsync(id, workflowId, version, input, vars, state, requirePublished, run.TraceParent, cancellationToken, options.StartedBy);
            AgentRuntimeMetrics.RecordStarted(workflowId, version);
            _signals.RecordQueuedStart(workflowId);
            _signal.Notify();
            return new StartResult(id, workflowId, version, InstanceStatus.Running);
        }

        _leases.Hold(id, run.LeaseToken);
        try
        {
            await _executor.RunAsync(run, cancellationToken);
        }
        finally
        {
            _leases.Release(id);
        }
        return new StartResult(id, workflowId, version, run.Status);
    }

    private async Task<int> PublishedVersionAsync(string workflowId, CancellationToken ct)
    {
        await using var cmd = Db.CreateCommand("SELECT published_version, retired FROM workflows WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new WorkflowNotFoundException(workflowId);
        if (reader.GetBoolean(1)) throw new WorkflowNotStartableException(workflowId, "it is retired");
        if (reader.IsDBNull(0)) throw new WorkflowNotStartableException(workflowId, "no version is published");
        return reader.GetInt32(0);
    }

    /// <summary>Delivers a named signal. A wait on that name resumes; if none is waiting yet, the signal is buffered for the next one.</summary>
    public async Task<SignalOutcome> SignalAsync(Guid instanceId, string name, JsonNode? payload, CancellationToken cancellationToken = default)
    {
        if (await _store.SendMessageAsync(instanceId, MessageKinds.Signal, name, payload, cancellationToken))
        {
            _signal.Notify();
            return SignalOutcome.Accepted;
        }
        return await ExistsAsync(instanceId, cancellationToken) ? SignalOutcome.Finished : SignalOutcome.NotFound;
    }

    /// <summary>Cancels an instance: it stops at its next slice, and its open incidents are closed.</summary>
    public Task<SignalOutcome> CancelAsync(Guid instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendAsync(instanceId, MessageKinds.Cancel, new JsonObject { ["reason"] = reason ?? "cancelled" }, cancellationToken);

    /// <summary>Pauses an instance: every path holds before its next step until <see cref="ResumeAsync"/>.</summary>
    public Task<SignalOutcome> PauseAsync(Guid instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendAsync(instanceId, MessageKinds.Pause, new JsonObject { ["reason"] = reason ?? "paused" }, cancellationToken);

    public Task<SignalOutcome> ResumeAsync(Guid instanceId, CancellationToken cancellationToken = default) =>
        SendAsync(instanceId, MessageKinds.Resume, null, cancellationToken);

    private async Task<SignalOutcome> SendAsync(Guid instanceId, string kind, JsonNode? payload, CancellationToken ct)
    {
        if (await _store.SendMessageAsync(instanceId, kind, null, payload, ct))
        {
            _signal.Notify();
            return SignalOutcome.Accepted;
        }
        return await ExistsAsync(instanceId, ct) ? SignalOutcome.Finished : SignalOutcome.NotFound;
    }

    private async Task<bool> ExistsAsync(Guid instanceId, CancellationToken ct)
    {
        await using var cmd = Db.CreateCommand("SELECT 1 FROM workflow_instances WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(instanceId));
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    // ---- incidents -------------------------------------------------------------------------------------------

    /// <summary>Runs the failed node again (its retry policy starts over).</summary>
    public Task<IncidentActionResult> RetryIncidentAsync(Guid incidentId, CancellationToken cancellationToken = default) =>
        ResolveIncidentAsync(incidentId, MessageKinds.IncidentRetry, "retry", null, cancellationToken);

    /// <summary>Does not run the failed node again: its path continues along <paramref name="port"/>.</summary>
    public async Task<IncidentActionResult> SkipIncidentAsync(Guid incidentId, string port, CancellationToken cancellationToken = default)
    {
        var incident = await GetIncidentAsync(incidentId, cancellationToken);
        if (incident is null) return new IncidentActionResult(IncidentActionOutcome.NotFound);
        var workflow = await _definitions.GetAsync(incident.WorkflowId, incident.Version, cancellationToken);
        var node = workflow.Node(incident.NodeId);
        var ports = node is not null && _activities.Catalog.TryGet(node.Type, out var d) ? d.PortsOf(node).Select(p => p.Name).ToList() : [];
        var connected = ports.Where(p => workflow.Targets(incident.NodeId, p).Count > 0).ToList();
        if (!connected.Contains(port))
            return new IncidentActionResult(IncidentActionOutcome.InvalidPort,
                $"Port '{port}' is not a connected port of node '{incident.NodeId}'. Connected ports: {string.Join(", ", connected)}.");
        return await ResolveIncidentAsync(incidentId, MessageKinds.IncidentSkip, $"skip:{port}", port, cancellationToken);
    }

    /// <summary>Cancels the incident's instance.</summary>
    public Task<IncidentActionResult> CancelIncidentAsync(Guid incidentId, CancellationToken cancellationToken = default) =>
        ResolveIncidentAsync(incidentId, MessageKinds.Cancel, "cancel", null, cancellationToken);

    private async Task<IncidentActionResult> ResolveIncidentAsync(Guid incidentId, string kind, string resolution, string? port, CancellationToken ct)
    {
        var payload = new JsonObject { ["incidentId"] = incidentId.ToString() };
        if (port is not null) payload["port"] = port;
        if (kind == MessageKinds.Cancel) payload["reason"] = $"cancelled from incident {incidentId}";
        // One statement: claim the incident (only an open one), wake the instance, append the message. A second
        // concurrent request finds the incident no longer open and gets NotOpen.
        await using var cmd = Db.CreateCommand("""
            WITH inc AS (
              UPDATE incidents SET status = 'resolving', resolution = $2 WHERE id = $1 AND status = 'open' RETURNING instance_id),
            i AS (
              UPDATE workflow_instances w SET ready_at = LEAST(COALESCE(w.ready_at, $5), $5)
                FROM inc WHERE w.id = inc.instance_id RETURNING w.id)
            INSERT INTO instance_messages (instance_id, kind, payload, created_at)
            SELECT id, $3, $4, $5 FROM i
            """);
        cmd.Parameters.Add(InstanceStore.P(incidentId));
        cmd.Parameters.Add(InstanceStore.P(resolution));
        cmd.Parameters.Add(InstanceStore.P(kind));
        cmd.Parameters.Add(InstanceStore.Jsonb(payload.ToJsonString()));
        cmd.Parameters.Add(InstanceStore.P(_clock.GetUtcNow()));
        if (await cmd.ExecuteNonQueryAsync(ct) == 1)
        {
            _signal.Notify();
            return new IncidentActionResult(IncidentActionOutcome.Accepted);
        }
        var incident = await GetIncidentAsync(incidentId, ct);
        return incident is null
            ? new IncidentActionResult(IncidentActionOutcome.NotFound)
            : new IncidentActionResult(IncidentActionOutcome.NotOpen, $"The incident is {incident.Status}.");
    }

    public async Task<IncidentView?> GetIncidentAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await using var cmd = Db.CreateCommand($"SELECT {IncidentColumns} FROM incidents WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(incidentId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadIncident(reader) : null;
    }

    /// <summary>Incidents, newest first. <paramref name="status"/> defaults to all; <c>open</c> is the exception queue.</summary>
    public async Task<Page<IncidentView>> ListIncidentsAsync(string? status = null, string? workflowId = null, Guid? instanceId = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 500);
        var (afterTime, afterId) = DecodeCursor(cursor);
        await using var cmd = Db.CreateCommand($"""
            SELECT {IncidentColumns} FROM incidents
             WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR workflow_id = $2) AND ($3::uuid IS NULL OR instance_id = $3)
               AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5))
             ORDER BY created_at DESC, id DESC LIMIT $6
            """);
        cmd.Parameters.Add(InstanceStore.NullableText(status));
        cmd.Parameters.Add(InstanceStore.NullableText(workflowId));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)instanceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)afterTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(InstanceStore.P(afterId));
        cmd.Parameters.Add(InstanceStore.P(limit + 1));
        var items = new List<IncidentView>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(ReadIncident(reader));
        return Paged(items, limit, i => (i.CreatedAt, i.Id));
    }

    private const string IncidentColumns = "id, instance_id, workflow_id, version, node_id, activity_type, error_type, message, attempts, status, resolution, created_at, resolved_at";

    private static IncidentView ReadIncident(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        r.GetInt32(8), r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10), r.GetFieldValue<DateTimeOffset>(11),
        r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12));

    // ---- instances -------------------------------------------------------------------------------------------

    private const string SummaryColumns = "id, workflow_id, version, status, waiting_on, hold_reason, error, created_at, updated_at, completed_at, started_by";

    private static InstanceSummary ReadSummary(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetString(10));

    /// <summary>An instance with its data, its journal (oldest first, up to <paramref name="journalLimit"/> entries) and its incidents.</summary>
    public async Task<InstanceDetails?> GetInstanceAsync(Guid instanceId, int journalLimit = 1000, CancellationToken cancellationToken = default)
    {
        await using var conn = await Db.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT {SummaryColumns}, input::text, variables::text, outputs::text, output::text, lease_owner FROM workflow_instances WHERE id = $1")
                    { Parameters = { InstanceStore.P(instanceId) } },
                new NpgsqlBatchCommand("""
                    SELECT seq, token_id, node_id, activity_type, attempt, status, port, input::text, output::text, error, lineage, started_at, duration_ms, host
                      FROM journal_entries WHERE instance_id = $1 ORDER BY seq LIMIT $2
                    """) { Parameters = { InstanceStore.P(instanceId), InstanceStore.P(journalLimit) } },
                new NpgsqlBatchCommand($"SELECT {IncidentColumns} FROM incidents WHERE instance_id = $1 ORDER BY created_at")
                    { Parameters = { InstanceStore.P(instanceId) } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var summary = ReadSummary(reader);
        var input = ParseJson(reader, 11);
        var vars = ParseJson(reader, 12);
        var outputs = ParseJson(reader, 13);
        var output = ParseJson(reader, 14);
        var leaseOwner = reader.IsDBNull(15) ? null : reader.GetString(15);
        await reader.NextResultAsync(cancellationToken);
        var journal = new List<JournalEntryView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            journal.Add(new JournalEntryView(reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), ParseJson(reader, 7), ParseJson(reader, 8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<string[]>(10),
                reader.GetFieldValue<DateTimeOffset>(11), reader.GetDouble(12), reader.GetString(13)));
        }
        await reader.NextResultAsync(cancellationToken);
        var incidents = new List<IncidentView>();
        while (await reader.ReadAsync(cancellationToken)) incidents.Add(ReadIncident(reader));
        return new InstanceDetails(summary, input, vars, outputs, output, leaseOwner, journal, incidents);
    }

    /// <summary>Instances, newest first, optionally of one workflow and/or in one status.</summary>
    public async Task<Page<InstanceSummary>> ListInstancesAsync(string? workflowId = null, string? status = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 500);
        var (afterTime, afterId) = DecodeCursor(cursor);
        await using var cmd = Db.CreateCommand($"""
            SELECT {SummaryColumns} FROM workflow_instances
             WHERE ($1::text IS NULL OR workflow_id = $1) AND ($2::text IS NULL OR status = $2)
               AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
             ORDER BY created_at DESC, id DESC LIMIT $5
            """);
        cmd.Parameters.Add(InstanceStore.NullableText(workflowId));
        cmd.Parameters.Add(InstanceStore.NullableText(status));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)afterTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(InstanceStore.P(afterId));
        cmd.Parameters.Add(InstanceStore.P(limit + 1));
        var items = new List<InstanceSummary>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(ReadSummary(reader));
        return Paged(items, limit, i => (i.CreatedAt, i.Id));
    }

    private static JsonNode? ParseJson(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : JsonNode.Parse(r.GetString(ordinal));

    private static Page<T> Paged<T>(List<T> items, int limit, Func<T, (DateTimeOffset, Guid)> key)
    {
        if (items.Count <= limit) return new Page<T>(items, null);
        items.RemoveAt(items.Count - 1);
        var (t, id) = key(items[^1]);
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{t.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{id:N}"));
        return new Page<T>(items, cursor);
    }

    /// <summary>Decodes a page cursor; throws <see cref="FormatException"/> for a malformed one.</summary>
    public static (DateTimeOffset? After, Guid AfterId) DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (null, Guid.Empty);
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var parts = text.Split('_');
            return (new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero), Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new FormatException("The cursor is not valid.", e);
        }
    }
}
