using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>A task row loaded for a change (under <c>FOR UPDATE</c>); the service mutates it and <see cref="HumanTaskSql.Save"/> writes it back.</summary>
internal sealed class TaskRow
{
    public Guid Id;
    public string Kind = "";
    public Guid? InstanceId;
    public string? WorkflowId;
    public int? Version;
    public string? NodeId;
    /// <summary>The node visit the task belongs to (insert only).</summary>
    public int? Visit;
    public string? SubjectType;
    public string? SubjectId;
    public string Title = "";
    public string? Instructions;
    public JsonNode? Data;
    public JsonObject? Form;
    public string? Assignee;
    public string[] Roles = [];
    public string[] CandidateGroups = [];
    public string[] ExcludedUsers = [];
    public string Priority = "normal";
    public string State = "";
    public string? ClaimedBy;
    public int Revision;
    public string? StartedBy;
    public string[] Editors = [];
    public bool AllowSelfApproval;
    public string? EscalateTo;
    public string? Owner;
    public long? GraceMs;
    public DateTimeOffset CreatedAt;
    public DateTimeOffset UpdatedAt;
    public DateTimeOffset? DueAt;
    public DateTimeOffset? RemindAt;
    public DateTimeOffset? RemindedAt;
    public DateTimeOffset? EscalatedAt;
    public DateTimeOffset? TimeoutAt;
    public DateTimeOffset? NextCheckAt;
    public string? Outcome;
    public string? DecidedBy;
    public DateTimeOffset? DecidedAt;
    public JsonObject? Result;
    public string? Comment;

    /// <summary>Where a notification about this task goes: the assignee, else its roles/groups.</summary>
    public string Recipient => Assignee ?? (Roles.Length > 0 ? "role:" + string.Join(",", Roles)
        : CandidateGroups.Length > 0 ? "group:" + string.Join(",", CandidateGroups) : "anyone");

    public HumanTaskView ToView() => new(
        Id, Kind, State, Revision, Title, Instructions, Data?.DeepClone(), Form?.DeepClone().AsObject(), Assignee, Roles, CandidateGroups,
        ExcludedUsers, Priority, ClaimedBy, InstanceId, WorkflowId, Version, NodeId, SubjectType, SubjectId, StartedBy, Editors,
        AllowSelfApproval, EscalateTo, CreatedAt, UpdatedAt, DueAt, RemindAt, RemindedAt, EscalatedAt, TimeoutAt, Outcome, DecidedBy,
        DecidedAt, Result?.DeepClone(), Comment) { Owner = Owner };

    /// <summary>
    /// The next SLA step still to take: the reminder (if before the due date and not sent), the escalation at the due date,
    /// then the timeout (only once escalated, so a task is always escalated before it times out). Null: nothing left.
    /// </summary>
    public DateTimeOffset? ComputeNextCheck()
    {
        if (!HumanTaskStates.IsOpen(State)) return null;
        DateTimeOffset? next = null;
        if (RemindAt is { } r && RemindedAt is null && EscalatedAt is null) next = r;
        if (DueAt is { } d && EscalatedAt is null) next = next is null || d < next ? d : next;
        if (EscalatedAt is not null && TimeoutAt is { } t) next = next is null || t < next ? t : next;
        return next;
    }
}

/// <summary>The task store's SQL, shared by the activity seam (statements that ride in a step commit) and the service.</summary>
internal static class HumanTaskSql
{
    public const string Columns = """
        id, kind, instance_id, workflow_id, version, node_id, subject_type, subject_id, title, instructions, data::text, form::text,
        assignee, roles, candidate_groups, excluded_users, priority, state, claimed_by, revision, started_by, editors, allow_self_approval,
        escalate_to, owner, grace_ms, created_at, updated_at, due_at, remind_at, reminded_at, escalated_at, timeout_at, next_check_at,
        outcome, decided_by, decided_at, result::text, comment
        """;

    public static TaskRow Read(NpgsqlDataReader r)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        DateTimeOffset? T(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
        JsonNode? J(int i) => r.IsDBNull(i) ? null : JsonNode.Parse(r.GetString(i));
        return new TaskRow
        {
            Id = r.GetGuid(0), Kind = r.GetString(1), InstanceId = r.IsDBNull(2) ? null : r.GetGuid(2), WorkflowId = S(3),
            Version = r.IsDBNull(4) ? null : r.GetInt32(4), NodeId = S(5), SubjectType = S(6), SubjectId = S(7), Title = r.GetString(8),
            Instructions = S(9), Data = J(10), Form = J(11) as JsonObject, Assignee = S(12), Roles = r.GetFieldValue<string[]>(13),
            CandidateGroups = r.GetFieldValue<string[]>(14), ExcludedUsers = r.GetFieldValue<string[]>(15), Priority = r.GetString(16),
            State = r.GetString(17), ClaimedBy = S(18), Revision = r.GetInt32(19), StartedBy = S(20), Editors = r.GetFieldValue<string[]>(21),
            AllowSelfApproval = r.GetBoolean(22), EscalateTo = S(23), Owner = S(24), GraceMs = r.IsDBNull(25) ? null : r.GetInt64(25),
            CreatedAt = r.GetFieldValue<DateTimeOffset>(26), UpdatedAt = r.GetFieldValue<DateTimeOffset>(27), DueAt = T(28), RemindAt = T(29),
            RemindedAt = T(30), EscalatedAt = T(31), TimeoutAt = T(32), NextCheckAt = T(33), Outcome = S(34), DecidedBy = S(35),
            DecidedAt = T(36), Result = J(37) as JsonObject, Comment = S(38),
        };
    }

    /// <summary>A task id that is a function of (instance, node, visit): re-running the step can only ever name the same task.</summary>
    public static Guid DeterministicId(Guid instanceId, string nodeId, int visit)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"human-task:{instanceId:N}:{nodeId}:{visit}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style (name-based) so it never collides with v7 ids
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>
    /// Inserts the task, its <c>created</c> history entry and its notification in one statement. <c>ON CONFLICT DO NOTHING</c>:
    /// the id is deterministic per node visit, so a repeated insert (a retried step) is a no-op, not a second task.
    /// </summary>
    public static NpgsqlBatchCommand Insert(TaskRow t, string actor, string channel)
    {
        var c = new NpgsqlBatchCommand("""
            WITH t AS (
              INSERT INTO human_tasks (id, kind, instance_id, workflow_id, version, node_id, visit, subject_type, subject_id, title, instructions,
                  data, form, assignee, roles, candidate_groups, excluded_users, priority, state, revision, started_by, editors,
                  allow_self_approval, escalate_to, owner, grace_ms, created_at, updated_at, due_at, remind_at, timeout_at, next_check_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'available', 1, $19, $20,
                  $21, $22, $23, $24, $25, $25, $26, $27, $28, $29)
              ON CONFLICT DO NOTHING
              RETURNING id),
            e AS (
              INSERT INTO human_task_events (task_id, kind, actor, revision, data, at)
              SELECT id, 'created', $30, 1, NULL, $25 FROM t RETURNING task_id)
            INSERT INTO outbox_messages (instance_id, kind, channel, recipient, body, created_at, attempts)
            SELECT $31, 'task.created', $32, $33, $34, $25, 0 FROM e
            """);
        var p = c.Parameters;
        p.Add(InstanceStore.P(t.Id));
        p.Add(InstanceStore.P(t.Kind));
        p.Add(new NpgsqlParameter { Value = (object?)t.InstanceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        p.Add(InstanceStore.NullableText(t.WorkflowId));
        p.Add(new NpgsqlParameter { Value = (object?)t.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(InstanceStore.NullableText(t.NodeId));
        p.Add(new NpgsqlParameter { Value = (object?)t.Visit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(InstanceStore.NullableText(t.SubjectType));
        p.Add(InstanceStore.NullableText(t.SubjectId));
        p.Add(InstanceStore.P(t.Title));
        p.Add(InstanceStore.NullableText(t.Instructions));
        p.Add(NullableJson(t.Data));
        p.Add(NullableJson(t.Form));
        p.Add(InstanceStore.NullableText(t.Assignee));
        p.Add(TextArray(t.Roles));
        p.Add(TextArray(t.CandidateGroups));
        p.Add(TextArray(t.ExcludedUsers));
        p.Add(InstanceStore.P(t.Priority));
        p.Add(InstanceStore.NullableText(t.StartedBy));
        p.Add(TextArray(t.Editors));
        p.Add(InstanceStore.P(t.AllowSelfApproval));
        p.Add(InstanceStore.NullableText(t.EscalateTo));
        p.Add(InstanceStore.NullableText(t.Owner));
        p.Add(new NpgsqlParameter { Value = (object?)t.GraceMs ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(InstanceStore.P(t.CreatedAt));
        p.Add(NullableTime(t.DueAt));
        p.Add(NullableTime(t.RemindAt));
        p.Add(NullableTime(t.TimeoutAt));
        p.Add(NullableTime(t.NextCheckAt));
        p.Add(InstanceStore.P(actor));
        p.Add(InstanceStore.P(t.InstanceId ?? Guid.Empty));
        p.Add(InstanceStore.P(channel));
        p.Add(InstanceStore.P(t.Recipient));
        p.Add(InstanceStore.Jsonb(NotificationBody(t, "task.created", $"New task: {t.Title}").ToJsonString()));
        return c;
    }

    /// <summary>Writes the mutable columns back and increments the revision (<paramref name="bumpRevision"/>).</summary>
    public static NpgsqlBatchCommand Save(TaskRow t, bool bumpRevision)
    {
        if (bumpRevision) t.Revision++;
        t.NextCheckAt = t.ComputeNextCheck();
        var c = new NpgsqlBatchCommand("""
            UPDATE human_tasks SET state = $2, claimed_by = $3, assignee = $4, roles = $5, candidate_groups = $6, revision = $7,
                   reminded_at = $8, escalated_at = $9, next_check_at = $10, outcome = $11, decided_by = $12, decided_at = $13,
                   result = $14, comment = $15, updated_at = $16
             WHERE id = $1
            """);
        var p = c.Parameters;
        p.Add(InstanceStore.P(t.Id));
        p.Add(InstanceStore.P(t.State));
        p.Add(InstanceStore.NullableText(t.ClaimedBy));
        p.Add(InstanceStore.NullableText(t.Assignee));
        p.Add(TextArray(t.Roles));
        p.Add(TextArray(t.CandidateGroups));
        p.Add(InstanceStore.P(t.Revision));
        p.Add(NullableTime(t.RemindedAt));
        p.Add(NullableTime(t.EscalatedAt));
        p.Add(NullableTime(t.NextCheckAt));
        p.Add(InstanceStore.NullableText(t.Outcome));
        p.Add(InstanceStore.NullableText(t.DecidedBy));
        p.Add(NullableTime(t.DecidedAt));
        p.Add(NullableJson(t.Result));
        p.Add(InstanceStore.NullableText(t.Comment));
        p.Add(InstanceStore.P(t.UpdatedAt));
        return c;
    }

    public static NpgsqlBatchCommand Event(Guid taskId, string kind, string actor, int revision, JsonNode? data, DateTimeOffset at)
    {
        var c = new NpgsqlBatchCommand("INSERT INTO human_task_events (task_id, kind, actor, revision, data, at) VALUES ($1, $2, $3, $4, $5, $6)");
        c.Parameters.Add(InstanceStore.P(taskId));
        c.Parameters.Add(InstanceStore.P(kind));
        c.Parameters.Add(InstanceStore.P(actor));
        c.Parameters.Add(InstanceStore.P(revision));
        c.Parameters.Add(NullableJson(data));
        c.Parameters.Add(InstanceStore.P(at));
        return c;
    }

    public static NpgsqlBatchCommand Notify(TaskRow t, string kind, string channel, string message, DateTimeOffset at, string? recipient = null)
    {
        var c = new NpgsqlBatchCommand("INSERT INTO outbox_messages (instance_id, kind, channel, recipient, body, created_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, 0)");
        c.Parameters.Add(InstanceStore.P(t.InstanceId ?? Guid.Empty));
        c.Parameters.Add(InstanceStore.P(kind));
        c.Parameters.Add(InstanceStore.P(channel));
        c.Parameters.Add(InstanceStore.P(recipient ?? t.Recipient));
        c.Parameters.Add(InstanceStore.Jsonb(NotificationBody(t, kind, message).ToJsonString()));
        c.Parameters.Add(InstanceStore.P(at));
        return c;
    }

    /// <summary>
    /// Delivers the decision to the waiting instance: a durable <c>task</c> message (name = task id) and a wake-up, in the
    /// caller's transaction, so the decision and the resume commit together. Nothing happens for a finished instance.
    /// </summary>
    public static NpgsqlBatchCommand ResumeInstance(Guid instanceId, Guid taskId, JsonObject output, DateTimeOffset at)
    {
        var c = new NpgsqlBatchCommand("""
            WITH i AS (
              UPDATE workflow_instances SET ready_at = LEAST(COALESCE(ready_at, $4), $4)
               WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')
              RETURNING id)
            INSERT INTO instance_messages (instance_id, kind, name, payload, created_at)
            SELECT id, 'task', $2, $3, $4 FROM i
            """);
        c.Parameters.Add(InstanceStore.P(instanceId));
        c.Parameters.Add(InstanceStore.P(taskId.ToString()));
        // With the deciding request's trace (the resumed slice links to it).
        c.Parameters.Add(InstanceStore.Jsonb(Telemetry.EngineTelemetry.WrapMessagePayload(output)!.ToJsonString()));
        c.Parameters.Add(InstanceStore.P(at));
        return c;
    }

    /// <summary>Cancels the open tasks of a cancelled instance (rides in the slice commit that cancels it).</summary>
    public static NpgsqlBatchCommand CancelOpenTasksOf(Guid instanceId, DateTimeOffset at, string? reason)
    {
        var c = new NpgsqlBatchCommand("""
            WITH t AS (
              UPDATE human_tasks SET state = 'cancelled', revision = revision + 1, next_check_at = NULL, updated_at = $2, comment = $3
               WHERE instance_id = $1 AND state IN ('available', 'claimed')
              RETURNING id, revision)
            INSERT INTO human_task_events (task_id, kind, actor, revision, data, at)
            SELECT id, 'cancelled', 'system:engine', revision, NULL, $2 FROM t
            """);
        c.Parameters.Add(InstanceStore.P(instanceId));
        c.Parameters.Add(InstanceStore.P(at));
        c.Parameters.Add(InstanceStore.NullableText(reason));
        return c;
    }

    public static JsonObject NotificationBody(TaskRow t, string kind, string message) => new()
    {
        ["event"] = kind,
        ["taskId"] = t.Id.ToString(),
        ["title"] = t.Title,
        ["message"] = message,
        ["to"] = t.Recipient,
        ["priority"] = t.Priority,
        ["dueAt"] = t.DueAt?.ToString("O"),
        ["instanceId"] = t.InstanceId?.ToString(),
        ["workflowId"] = t.WorkflowId,
        ["nodeId"] = t.NodeId,
    };

    public static NpgsqlParameter TextArray(IEnumerable<string> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static NpgsqlParameter NullableJson(JsonNode? value) =>
        new() { Value = value is null ? DBNull.Value : value.ToJsonString(), NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter NullableTime(DateTimeOffset? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
