using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>
/// One human task (the inbox row). Lifecycle: <c>available</c> → <c>claimed</c> → <c>completed</c> / <c>timed-out</c> /
/// <c>cancelled</c> (see <see cref="HumanTaskStates"/>). Every change increments <see cref="Revision"/>, which clients echo
/// back as their expected revision (optimistic concurrency). The hot paths (create in a step commit, claim/complete,
/// SLA sweep) use raw Npgsql (<see cref="HumanTaskService"/>, <see cref="TaskSlaProcessor"/>); EF only builds the schema.
/// </summary>
public sealed class HumanTaskRecord
{
    public Guid Id { get; set; }
    /// <summary><c>approval</c> for the approval activity; other features use their own kinds (e.g. a promotion sign-off).</summary>
    public required string Kind { get; set; }
    public Guid? InstanceId { get; set; }
    public string? WorkflowId { get; set; }
    public int? Version { get; set; }
    public string? NodeId { get; set; }
    public int? Visit { get; set; }
    /// <summary>What a task outside an instance is about (e.g. <c>agent</c> / <c>refund-proposer</c>).</summary>
    public string? SubjectType { get; set; }
    public string? SubjectId { get; set; }
    public required string Title { get; set; }
    public string? Instructions { get; set; }
    public string? DataJson { get; set; }
    public string? FormJson { get; set; }
    public string? Assignee { get; set; }
    public string[] Roles { get; set; } = [];
    public string[] CandidateGroups { get; set; } = [];
    public string[] ExcludedUsers { get; set; } = [];
    public required string Priority { get; set; }
    public required string State { get; set; }
    public string? ClaimedBy { get; set; }
    public int Revision { get; set; }
    /// <summary>Who started the instance (segregation of duties: may not approve unless <see cref="AllowSelfApproval"/>).</summary>
    public string? StartedBy { get; set; }
    /// <summary>Who edited the data under review before this task (segregation of duties, as for <see cref="StartedBy"/>).</summary>
    public string[] Editors { get; set; } = [];
    public bool AllowSelfApproval { get; set; }
    public string? EscalateTo { get; set; }
    /// <summary>The workflow owner: the escalation target when no <see cref="EscalateTo"/> role is set.</summary>
    public string? Owner { get; set; }
    public long? GraceMs { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset? RemindAt { get; set; }
    public DateTimeOffset? RemindedAt { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
    public DateTimeOffset? TimeoutAt { get; set; }
    /// <summary>The next SLA step's time (reminder, escalation, timeout); null when none is pending. Swept with SKIP LOCKED.</summary>
    public DateTimeOffset? NextCheckAt { get; set; }
    public string? Outcome { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    /// <summary>The decision as the activity's output: outcome, decidedBy, decidedAt, data, edited, diff, comment.</summary>
    public string? ResultJson { get; set; }
    public string? Comment { get; set; }
}

/// <summary>The first result of an operation id on a task: a repeat is answered from here and applies nothing.</summary>
public sealed class HumanTaskOperationRecord
{
    public Guid TaskId { get; set; }
    public required string OperationId { get; set; }
    public required string Operation { get; set; }
    public required string Actor { get; set; }
    public required string ResponseJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The task's own history: created, claimed, released, reassigned, reminded, escalated, completed, timed-out, cancelled.</summary>
public sealed class HumanTaskEventRecord
{
    public long Id { get; set; }
    public Guid TaskId { get; set; }
    public required string Kind { get; set; }
    public required string Actor { get; set; }
    public int Revision { get; set; }
    public string? DataJson { get; set; }
    public DateTimeOffset At { get; set; }
}

internal sealed class HumanTaskRecordConfiguration : IEntityTypeConfiguration<HumanTaskRecord>
{
    public void Configure(EntityTypeBuilder<HumanTaskRecord> b)
    {
        b.ToTable("human_tasks");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(50);
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Version).HasColumnName("version");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.Visit).HasColumnName("visit");
        b.Property(x => x.SubjectType).HasColumnName("subject_type").HasMaxLength(100);
        b.Property(x => x.SubjectId).HasColumnName("subject_id").HasMaxLength(200);
        b.Property(x => x.Title).HasColumnName("title");
        b.Property(x => x.Instructions).HasColumnName("instructions");
        b.Property(x => x.DataJson).HasColumnName("data").HasColumnType("jsonb");
        b.Property(x => x.FormJson).HasColumnName("form").HasColumnType("jsonb");
        b.Property(x => x.Assignee).HasColumnName("assignee").HasMaxLength(200);
        b.Property(x => x.Roles).HasColumnName("roles");
        b.Property(x => x.CandidateGroups).HasColumnName("candidate_groups");
        b.Property(x => x.ExcludedUsers).HasColumnName("excluded_users");
        b.Property(x => x.Priority).HasColumnName("priority").HasMaxLength(20);
        b.Property(x => x.State).HasColumnName("state").HasMaxLength(20);
        b.Property(x => x.ClaimedBy).HasColumnName("claimed_by").HasMaxLength(200);
        b.Property(x => x.Revision).HasColumnName("revision");
        b.Property(x => x.StartedBy).HasColumnName("started_by").HasMaxLength(200);
        b.Property(x => x.Editors).HasColumnName("editors");
        b.Property(x => x.AllowSelfApproval).HasColumnName("allow_self_approval");
        b.Property(x => x.EscalateTo).HasColumnName("escalate_to").HasMaxLength(200);
        b.Property(x => x.Owner).HasColumnName("owner").HasMaxLength(200);
        b.Property(x => x.GraceMs).HasColumnName("grace_ms");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        b.Property(x => x.DueAt).HasColumnName("due_at");
        b.Property(x => x.RemindAt).HasColumnName("remind_at");
        b.Property(x => x.RemindedAt).HasColumnName("reminded_at");
        b.Property(x => x.EscalatedAt).HasColumnName("escalated_at");
        b.Property(x => x.TimeoutAt).HasColumnName("timeout_at");
        b.Property(x => x.NextCheckAt).HasColumnName("next_check_at");
        b.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(30);
        b.Property(x => x.DecidedBy).HasColumnName("decided_by").HasMaxLength(200);
        b.Property(x => x.DecidedAt).HasColumnName("decided_at");
        b.Property(x => x.ResultJson).HasColumnName("result").HasColumnType("jsonb");
        b.Property(x => x.Comment).HasColumnName("comment");
        // One task per node visit: a step re-executed after a crash inserts the same (deterministic) id, never a second task.
        b.HasIndex(x => new { x.InstanceId, x.NodeId, x.Visit }).IsUnique().HasDatabaseName("ux_human_tasks_node_visit").HasFilter("instance_id IS NOT NULL");
        // The SLA sweep scans only open tasks with a pending step.
        b.HasIndex(x => x.NextCheckAt).HasDatabaseName("ix_human_tasks_next_check").HasFilter("next_check_at IS NOT NULL");
        b.HasIndex(x => new { x.State, x.CreatedAt }).HasDatabaseName("ix_human_tasks_state");
    }
}

internal sealed class HumanTaskOperationRecordConfiguration : IEntityTypeConfiguration<HumanTaskOperationRecord>
{
    public void Configure(EntityTypeBuilder<HumanTaskOperationRecord> b)
    {
        b.ToTable("human_task_operations");
        b.HasKey(x => new { x.TaskId, x.OperationId });
        b.Property(x => x.TaskId).HasColumnName("task_id");
        b.Property(x => x.OperationId).HasColumnName("operation_id").HasMaxLength(200);
        b.Property(x => x.Operation).HasColumnName("operation").HasMaxLength(30);
        b.Property(x => x.Actor).HasColumnName("actor").HasMaxLength(200);
        b.Property(x => x.ResponseJson).HasColumnName("response").HasColumnType("jsonb");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
    }
}

internal sealed class HumanTaskEventRecordConfiguration : IEntityTypeConfiguration<HumanTaskEventRecord>
{
    public void Configure(EntityTypeBuilder<HumanTaskEventRecord> b)
    {
        b.ToTable("human_task_events");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.TaskId).HasColumnName("task_id");
        b.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(30);
        b.Property(x => x.Actor).HasColumnName("actor").HasMaxLength(200);
        b.Property(x => x.Revision).HasColumnName("revision");
        b.Property(x => x.DataJson).HasColumnName("data").HasColumnType("jsonb");
        b.Property(x => x.At).HasColumnName("at");
        b.HasIndex(x => new { x.TaskId, x.Id }).HasDatabaseName("ix_human_task_events_task");
    }
}
