using System.Data;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>
/// The task store (inbox): read, claim, release, reassign, complete; create a task outside an instance.
/// <para>
/// <b>Every change is one READ COMMITTED transaction</b> that locks the task row (<c>FOR UPDATE</c>), checks the operation id,
/// the expected revision and the actor's rights, then writes the row (revision + 1), its history entry, any notification
/// (outbox), the resume message for the waiting instance, and — for completions and reassignments — the audit entry, last,
/// just before commit. Two concurrent changes of one task serialise on the row lock: the second sees the first's revision
/// and is refused with <see cref="TaskOperationStatus.Conflict"/>, writing nothing.
/// </para>
/// <para>
/// <b>Operation ids.</b> A successful operation stores its result under (task, operation id) in the same transaction; a
/// repeat (even concurrent: it waits for the row lock) is answered with that first result and applies nothing. Refusals
/// are not stored: they changed nothing, so a repeat is simply evaluated again.
/// </para>
/// </summary>
public sealed class HumanTaskService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly NpgsqlDataSource _db;
    private readonly TimeProvider _clock;
    private readonly HumanTaskOptions _options;
    private readonly WorkSignal _signal;
    private readonly AuditTrail _audit;
    private readonly Dictionary<string, IHumanTaskCompletionHandler[]> _handlers;

    internal HumanTaskService(NpgsqlDataSource db, TimeProvider clock, HumanTaskOptions options, WorkSignal signal, IEnumerable<IHumanTaskCompletionHandler> handlers)
    {
        _db = db;
        _clock = clock;
        _options = options;
        _signal = signal;
        _audit = new AuditTrail(db, clock);
        _handlers = handlers.GroupBy(h => h.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    // ---- reads ---------------------------------------------------------------------------------------------

    public async Task<HumanTaskView?> GetAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        await using var cmd = _db.CreateCommand($"SELECT {HumanTaskSql.Columns} FROM human_tasks WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(taskId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? HumanTaskSql.Read(reader).ToView() : null;
    }

    /// <summary>Tasks matching <paramref name="query"/>: most urgent first (priority, then due date, then age).</summary>
    public async Task<IReadOnlyList<HumanTaskView>> ListAsync(HumanTaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var cmd = _db.CreateCommand($"""
            SELECT {HumanTaskSql.Columns} FROM human_tasks
             WHERE ($1::text[] IS NULL OR state = ANY($1)) AND ($2::uuid IS NULL OR instance_id = $2) AND ($3::text IS NULL OR kind = $3)
               AND ($4::text IS NULL OR (
                     NOT (excluded_users && $7 OR EXISTS (SELECT 1 FROM unnest(excluded_users) x WHERE lower(x) = ANY($8)))
                     AND (claimed_by IS NULL OR claimed_by = $4)
                     AND (assignee = ANY($7) OR lower(assignee) = ANY($8) OR claimed_by = $4 OR roles && $5 OR candidate_groups && $5
                          OR (assignee IS NULL AND cardinality(roles) = 0 AND cardinality(candidate_groups) = 0))))
               AND ($9::text IS NULL OR (
                     (NOT (excluded_users && $7 OR EXISTS (SELECT 1 FROM unnest(excluded_users) x WHERE lower(x) = ANY($8)))
                      AND (assignee = ANY($7) OR lower(assignee) = ANY($8) OR roles && $5 OR candidate_groups && $5
                           OR (assignee IS NULL AND cardinality(roles) = 0 AND cardinality(candidate_groups) = 0)))
                     OR started_by = ANY($7) OR lower(started_by) = ANY($8) OR owner = ANY($7) OR lower(owner) = ANY($8) OR editors && $7
                     OR EXISTS (SELECT 1 FROM unnest(editors) x WHERE lower(x) = ANY($8))
                     OR claimed_by = $9 OR decided_by = $9))
             ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, due_at NULLS LAST, created_at, id
             LIMIT $6
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = query.States is { Count: > 0 } s ? s.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)query.InstanceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(InstanceStore.NullableText(query.Kind));
        var person = query.For ?? query.VisibleTo; // both given: the same person (the caller)
        cmd.Parameters.Add(InstanceStore.NullableText(query.For?.Name));
        cmd.Parameters.Add(HumanTaskSql.TextArray(person?.Roles ?? []));
        cmd.Parameters.Add(InstanceStore.P(Math.Clamp(query.Limit, 1, 500)));
        cmd.Parameters.Add(HumanTaskSql.TextArray(person?.ExactNames ?? []));
        cmd.Parameters.Add(HumanTaskSql.TextArray(person?.LowerEmails ?? []));
        cmd.Parameters.Add(InstanceStore.NullableText(query.VisibleTo?.Name));
        var list = new List<HumanTaskView>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) list.Add(HumanTaskSql.Read(reader).ToView());
        return list;
    }

    /// <summary>The task's history, oldest first.</summary>
    public async Task<IReadOnlyList<HumanTaskEventView>> GetHistoryAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        await using var cmd = _db.CreateCommand("SELECT id, kind, actor, revision, data::text, at FROM human_task_events WHERE task_id = $1 ORDER BY id");
        cmd.Parameters.Add(InstanceStore.P(taskId));
        var list = new List<HumanTaskEventView>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new HumanTaskEventView(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : JsonNode.Parse(reader.GetString(4)), reader.GetFieldValue<DateTimeOffset>(5)));
        return list;
    }

    // ---- create outside an instance ------------------------------------------------------------------------

    /// <summary>
    /// Creates a task that belongs to no instance (e.g. an owner's sign-off of a stage promotion) in its own transaction.
    /// Its decision reaches the <see cref="IHumanTaskCompletionHandler"/> registered for its <see cref="HumanTaskRequest.Kind"/>,
    /// inside the deciding transaction. Tasks inside an instance are created with <see cref="HumanTasks.CreateAndWait"/>.
    /// </summary>
    public async Task<HumanTaskView> CreateAsync(HumanTaskRequest request, string createdBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var row = HumanTasks.Build(request, _clock.GetUtcNow());
        await using var conn = await _db.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(conn) { BatchCommands = { HumanTaskSql.Insert(row, createdBy, _options.NotificationChannel) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return row.ToView();
    }

    // ---- operations ----------------------------------------------------------------------------------------

    /// <summary>Takes an available task: only its candidates (assignee, role/group members, not excluded) may.</summary>
    public Task<TaskOperationResult> ClaimAsync(Guid taskId, TaskActor actor, int expectedRevision, string operationId, CancellationToken cancellationToken = default) =>
        RunAsync(taskId, actor, expectedRevision, operationId, "claim", (t, now, change) =>
        {
            if (t.State == HumanTaskStates.Claimed)
                return Refuse(TaskOperationStatus.Conflict, "already-claimed", $"The task is already claimed by {t.ClaimedBy}.");
            if (CandidateRefusal(t, actor) is { } refusal) return refusal;
            t.State = HumanTaskStates.Claimed;
            t.ClaimedBy = actor.Name;
            change.Event("claimed", null);
            return null;
        }, cancellationToken);

    /// <summary>Gives a claimed task back to its candidates. Only whoever claimed it may.</summary>
    public Task<TaskOperationResult> ReleaseAsync(Guid taskId, TaskActor actor, int expectedRevision, string operationId, CancellationToken cancellationToken = default) =>
        RunAsync(taskId, actor, expectedRevision, operationId, "release", (t, now, change) =>
        {
            if (t.State != HumanTaskStates.Claimed)
                return Refuse(TaskOperationStatus.Conflict, "not-claimed", "The task is not claimed.");
            if (t.ClaimedBy != actor.Name)
                return Refuse(TaskOperationStatus.Forbidden, "not-claimant", $"Only {t.ClaimedBy}, who claimed the task, can release it.");
            t.State = HumanTaskStates.Available;
            t.ClaimedBy = null;
            change.Event("released", null);
            return null;
        }, cancellationToken);

    /// <summary>
    /// Hands the task to another user and/or role (replacing its assignment; it becomes available again). The claimant or a
    /// candidate may. Audited.
    /// </summary>
    public Task<TaskOperationResult> ReassignAsync(Guid taskId, TaskActor actor, int expectedRevision, string operationId, string? assignee, string? role,
        string? reason = null, CancellationToken cancellationToken = default) =>
        RunAsync(taskId, actor, expectedRevision, operationId, "reassign", (t, now, change) =>
        {
            if (string.IsNullOrWhiteSpace(assignee) && string.IsNullOrWhiteSpace(role))
                return Invalid("assignee", "give an assignee or a role to reassign to");
            if (assignee is not null && t.ExcludedUsers.Contains(assignee, StringComparer.Ordinal))
                return Invalid("assignee", $"{assignee} is excluded from this task");
            if (t.ClaimedBy != actor.Name && CandidateRefusal(t, actor) is { } refusal) return refusal;
            var from = new JsonObject { ["assignee"] = t.Assignee, ["roles"] = ToArray(t.Roles), ["candidateGroups"] = ToArray(t.CandidateGroups), ["claimedBy"] = t.ClaimedBy };
            t.Assignee = string.IsNullOrWhiteSpace(assignee) ? null : assignee;
            t.Roles = string.IsNullOrWhiteSpace(role) ? [] : [role];
            t.CandidateGroups = [];
            t.State = HumanTaskStates.Available;
            t.ClaimedBy = null;
            var data = new JsonObject { ["from"] = from, ["to"] = new JsonObject { ["assignee"] = t.Assignee, ["roles"] = ToArray(t.Roles) } };
            change.Event("reassigned", data);
            change.Notify("task.reassigned", $"Task reassigned to you: {t.Title}");
            change.Audit(new AuditRecord(actor.Name, HumanTaskAuditActions.Reassigned, "task", t.Id.ToString(), reason, AuditData(t, data)));
            return null;
        }, cancellationToken);

    /// <summary>
    /// Decides the task: <c>approved</c>, <c>rejected</c> or <c>changes-requested</c>, optionally with an edited payload (which
    /// replaces the data under review; the edit and its diff are recorded and flow on as the output). Refusals: not a candidate
    /// or excluded (403), segregation of duties — the instance's starter or an earlier editor approving without
    /// <c>allowSelfApproval</c> (403), claimed by someone else or stale revision (409), bad outcome or form field (400).
    /// The instance resumes with the output; the decision is audited, in the same transaction.
    /// </summary>
    public Task<TaskOperationResult> CompleteAsync(Guid taskId, TaskActor actor, int expectedRevision, string operationId, TaskCompletion completion,
        CancellationToken cancellationToken = default) =>
        RunAsync(taskId, actor, expectedRevision, operationId, "complete", (t, now, change) =>
        {
            ArgumentNullException.ThrowIfNull(completion);
            if (!HumanTaskOutcomes.Decisions.Contains(completion.Outcome))
                return Invalid("outcome", $"must be one of: {string.Join(", ", HumanTaskOutcomes.Decisions)}");
            if (t.State == HumanTaskStates.Claimed && t.ClaimedBy != actor.Name)
                return Refuse(TaskOperationStatus.Conflict, "claimed-by-other", $"The task is claimed by {t.ClaimedBy}.");
            if (t.ClaimedBy != actor.Name && CandidateRefusal(t, actor) is { } refusal) return refusal;
            if (completion.Outcome == HumanTaskOutcomes.Approved && !t.AllowSelfApproval)
            {
                if (actor.Is(t.StartedBy))
                    return Refuse(TaskOperationStatus.Forbidden, "segregation-of-duties",
                        $"{actor.Name} started this instance and cannot also approve it (segregation of duties; the definition does not set allowSelfApproval).");
                if (t.Editors.Any(actor.Is))
                    return Refuse(TaskOperationStatus.Forbidden, "segregation-of-duties",
                        $"{actor.Name} edited the data under review and cannot also approve it (segregation of duties; the definition does not set allowSelfApproval).");
            }
            var finalData = completion.Payload?.DeepClone() ?? t.Data?.DeepClone();
            var errors = TaskForm.Validate(t.Form, finalData, completion.Outcome);
            if (errors.Count > 0)
                return new TaskOperationResult(TaskOperationStatus.Invalid, Code: "invalid-form",
                    Detail: string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")), Errors: errors);
            if (_handlers.TryGetValue(t.Kind, out var kindHandlers))
            {
                foreach (var h in kindHandlers)
                {
                    if (h.Validate(t.ToView(), completion) is { Count: > 0 } refused)
                        return new TaskOperationResult(TaskOperationStatus.Invalid, Code: "invalid-decision",
                            Detail: string.Join("; ", refused.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")), Errors: refused);
                }
            }

            var diff = completion.Payload is null ? [] : PayloadDiff.Compute(t.Data, finalData);
            var edited = diff.Count > 0;
            var output = new JsonObject
            {
                ["taskId"] = t.Id.ToString(),
                ["outcome"] = completion.Outcome,
                ["decidedBy"] = actor.Name,
                ["decidedAt"] = now.ToString("O"),
                ["data"] = finalData,
                ["edited"] = edited,
                ["diff"] = diff,
                ["comment"] = completion.Comment,
            };
            if (edited) output["editedBy"] = actor.Name;
            t.State = HumanTaskStates.Completed;
            t.ClaimedBy = actor.Name;
            t.Outcome = completion.Outcome;
            t.DecidedBy = actor.Name;
            t.DecidedAt = now;
            t.Result = output;
            t.Comment = completion.Comment;
            change.Event("completed", new JsonObject { ["outcome"] = completion.Outcome, ["edited"] = edited, ["diff"] = diff.DeepClone() });
            change.Decided(output);
            change.Audit(new AuditRecord(actor.Name, HumanTaskAuditActions.Completed, "task", t.Id.ToString(), completion.Comment,
                AuditData(t, new JsonObject { ["outcome"] = completion.Outcome, ["edited"] = edited, ["diff"] = diff.DeepClone() })));
            return null;
        }, cancellationToken);

    // ---- machinery -----------------------------------------------------------------------------------------

    /// <summary>What an operation writes besides the row: history, notification, resume, audit.</summary>
    internal sealed class Change(TaskRow task, string actor, DateTimeOffset now, string channel)
    {
        public List<NpgsqlBatchCommand> Commands { get; } = [];
        public List<AuditRecord> AuditRecords { get; } = [];
        public JsonObject? Output { get; private set; }
        private readonly List<(string Kind, JsonNode? Data)> _events = [];

        public void Event(string kind, JsonNode? data) => _events.Add((kind, data));
        public void Notify(string kind, string message, string? recipient = null) => Commands.Add(HumanTaskSql.Notify(task, kind, channel, message, now, recipient));
        public void Audit(AuditRecord record) => AuditRecords.Add(record);
        public void Decided(JsonObject output) => Output = output;

        /// <summary>Called after the revision moved: history entries carry the new revision.</summary>
        public IEnumerable<NpgsqlBatchCommand> EventCommands() => _events.Select(e => HumanTaskSql.Event(task.Id, e.Kind, actor, task.Revision, e.Data, now));
    }

    private delegate TaskOperationResult? Operation(TaskRow task, DateTimeOffset now, Change change);

    private async Task<TaskOperationResult> RunAsync(Guid taskId, TaskActor actor, int expectedRevision, string operationId, string operation,
        Operation apply, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.IsNullOrWhiteSpace(operationId) || operationId.Length > 200)
            return Invalid("operationId", "is required (at most 200 characters)");
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        TaskRow? task;
        await using (var select = new NpgsqlCommand($"SELECT {HumanTaskSql.Columns} FROM human_tasks WHERE id = $1 FOR UPDATE", conn, tx))
        {
            select.Parameters.Add(InstanceStore.P(taskId));
            await using var reader = await select.ExecuteReaderAsync(ct);
            task = await reader.ReadAsync(ct) ? HumanTaskSql.Read(reader) : null;
        }
        if (task is null) return new TaskOperationResult(TaskOperationStatus.NotFound, Code: "not-found", Detail: $"No task with id '{taskId}'.");

        // Checked under the row lock: a concurrent repeat of the same operation waits here and then finds the first result.
        await using (var prior = new NpgsqlCommand("SELECT operation, response::text FROM human_task_operations WHERE task_id = $1 AND operation_id = $2", conn, tx))
        {
            prior.Parameters.Add(InstanceStore.P(taskId));
            prior.Parameters.Add(InstanceStore.P(operationId));
            await using var reader = await prior.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                if (reader.GetString(0) != operation)
                    return Refuse(TaskOperationStatus.Conflict, "operation-id-reused", $"Operation id '{operationId}' was already used for a {reader.GetString(0)} of this task.");
                var first = JsonSerializer.Deserialize<HumanTaskView>(reader.GetString(1), Json);
                return new TaskOperationResult(TaskOperationStatus.Ok, first, Replayed: true);
            }
        }

        if (!HumanTaskStates.IsOpen(task.State))
            return Refuse(TaskOperationStatus.Conflict, "task-closed", $"The task is {task.State}; it takes no more changes.");
        if (task.Revision != expectedRevision)
            return Refuse(TaskOperationStatus.Conflict, "revision-mismatch",
                $"The task is at revision {task.Revision}, not {expectedRevision}: someone changed it first. Reload it and decide again.");

        var now = _clock.GetUtcNow();
        var change = new Change(task, actor.Name, now, _options.NotificationChannel);
        if (apply(task, now, change) is { } refused) return refused;

        task.UpdatedAt = now;
        var view = await CommitChangeAsync(conn, tx, task, change, bump: true, ct,
            storeOperation: (operationId, operation, actor.Name));
        return new TaskOperationResult(TaskOperationStatus.Ok, view);
    }

    /// <summary>Writes the row, history, outbox, resume, handler effects, the operation's result and the audit entries (last), and commits.</summary>
    internal async Task<HumanTaskView> CommitChangeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, TaskRow task, Change change, bool bump,
        CancellationToken ct, (string Id, string Operation, string Actor)? storeOperation = null)
    {
        var now = task.UpdatedAt;
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            batch.BatchCommands.Add(HumanTaskSql.Save(task, bump));
            foreach (var e in change.EventCommands()) batch.BatchCommands.Add(e);
            foreach (var c in change.Commands) batch.BatchCommands.Add(c);
            if (change.Output is { } output && task.InstanceId is { } instanceId)
                batch.BatchCommands.Add(HumanTaskSql.ResumeInstance(instanceId, task.Id, output, now));
            var view = task.ToView();
            if (storeOperation is { } op)
            {
                var c = new NpgsqlBatchCommand("INSERT INTO human_task_operations (task_id, operation_id, operation, actor, response, created_at) VALUES ($1, $2, $3, $4, $5, $6)");
                c.Parameters.Add(InstanceStore.P(task.Id));
                c.Parameters.Add(InstanceStore.P(op.Id));
                c.Parameters.Add(InstanceStore.P(op.Operation));
                c.Parameters.Add(InstanceStore.P(op.Actor));
                c.Parameters.Add(InstanceStore.Jsonb(JsonSerializer.Serialize(view, Json)));
                c.Parameters.Add(InstanceStore.P(now));
                batch.BatchCommands.Add(c);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        if (change.Output is { } decided && _handlers.TryGetValue(task.Kind, out var handlers))
        {
            foreach (var h in handlers) await h.OnDecidedAsync(new HumanTaskDecided(task.ToView(), (JsonObject)decided.DeepClone(), conn, tx), ct);
        }
        foreach (var record in change.AuditRecords) await _audit.AppendAsync(record, conn, tx, ct); // last: it holds the chain head until commit
        await tx.CommitAsync(ct);
        if (change.Output is not null && task.InstanceId is not null) _signal.Notify();
        if (change.Output is not null && task.Kind == "approval" && task.DecidedAt is { } decidedAt)
            Telemetry.AgentRuntimeMetrics.RecordApprovalLatency(task.WorkflowId ?? "", task.NodeId ?? "", task.Outcome ?? "", decidedAt - task.CreatedAt);
        return task.ToView();
    }

    internal static JsonObject AuditData(TaskRow t, JsonObject extra)
    {
        var data = new JsonObject
        {
            ["instanceId"] = t.InstanceId?.ToString(),
            ["workflowId"] = t.WorkflowId,
            ["nodeId"] = t.NodeId,
            ["kind"] = t.Kind,
            ["revision"] = t.Revision + 1,
        };
        foreach (var (k, v) in extra) data[k] = v?.DeepClone();
        return data;
    }

    private static TaskOperationResult? CandidateRefusal(TaskRow t, TaskActor actor)
    {
        if (t.ExcludedUsers.Any(actor.Is))
            return Refuse(TaskOperationStatus.Forbidden, "excluded", $"{actor.Name} is excluded from this task.");
        var open = t.Assignee is null && t.Roles.Length == 0 && t.CandidateGroups.Length == 0;
        if (open || actor.Is(t.Assignee) || actor.HasAny(t.Roles) || actor.HasAny(t.CandidateGroups)) return null;
        var offered = new List<string>();
        if (t.Assignee is not null) offered.Add($"user {t.Assignee}");
        if (t.Roles.Length > 0) offered.Add($"role {string.Join("/", t.Roles)}");
        if (t.CandidateGroups.Length > 0) offered.Add($"groups {string.Join("/", t.CandidateGroups)}");
        return Refuse(TaskOperationStatus.Forbidden, "not-a-candidate",
            $"{actor.Name} is not a candidate for this task (it is offered to {string.Join(" and ", offered)}).");
    }

    private static TaskOperationResult Refuse(TaskOperationStatus status, string code, string detail) => new(status, Code: code, Detail: detail);

    private static TaskOperationResult Invalid(string field, string message) =>
        new(TaskOperationStatus.Invalid, Code: "invalid-request", Detail: $"{field}: {message}", Errors: new Dictionary<string, string[]> { [field] = [message] });

    private static JsonArray ToArray(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)i).ToArray());
}
