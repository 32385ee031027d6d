using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Instances;

/// <summary>
/// One workflow instance. Pinned to (<see cref="WorkflowId"/>, <see cref="Version"/>) for life. The execution frontier
/// (tokens, bookmarks, join arrivals) lives in <see cref="StateJson"/>; the columns beside it are what queries, the claim
/// and the fencing check need. The hot path reads and writes these rows with raw Npgsql (see <see cref="InstanceStore"/>);
/// EF only builds the schema and serves the read API.
/// </summary>
public sealed class InstanceRecord
{
    public Guid Id { get; set; }
    public required string WorkflowId { get; set; }
    public int Version { get; set; }
    /// <summary>See <see cref="InstanceStatus"/>.</summary>
    public required string Status { get; set; }
    /// <summary>Why a paused instance holds (instance pause, agent kill switch, workflow pause …).</summary>
    public string? HoldReason { get; set; }
    /// <summary>Human-readable: <c>signal:approve</c>, <c>timer:2026-…</c>, <c>incident:…</c>.</summary>
    public string? WaitingOn { get; set; }
    public required string InputJson { get; set; }
    public required string VariablesJson { get; set; }
    public required string OutputsJson { get; set; }
    public required string StateJson { get; set; }
    public string? OutputJson { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>When the instance has work a host may claim (now, a timer's due time); null while it only waits on a message.</summary>
    public DateTimeOffset? ReadyAt { get; set; }
    public string? LeaseOwner { get; set; }
    /// <summary>Fencing token: incremented by every claim and checked in every commit's WHERE.</summary>
    public long LeaseToken { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public int SliceCount { get; set; }
    /// <summary>The actor who started the instance through the API (null when started without one).</summary>
    public string? StartedBy { get; set; }
    /// <summary>W3C traceparent of the span the instance started in; later slices (resumes) link their spans to it.</summary>
    public string? TraceParent { get; set; }
}

/// <summary>Instance lifecycle states.</summary>
public static class InstanceStatus
{
    /// <summary>Has runnable work (queued, or executing on a host).</summary>
    public const string Running = "running";
    /// <summary>Blocked on a bookmark: timer, signal (later: human task).</summary>
    public const string Waiting = "waiting";
    /// <summary>An incident is open; an ops lead retries, skips or cancels.</summary>
    public const string Suspended = "suspended";
    /// <summary>Held before its next step (instance/workflow pause, agent kill switch); see <see cref="InstanceRecord.HoldReason"/>.</summary>
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Running, Waiting, Suspended, Paused, Completed, Failed, Cancelled];

    public static bool IsFinal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>One activity execution (or wait/resume/skip) of an instance: what a person needs to explain a run.</summary>
public sealed class JournalEntryRecord
{
    public long Id { get; set; }
    public Guid InstanceId { get; set; }
    public int Seq { get; set; }
    public int TokenId { get; set; }
    public required string NodeId { get; set; }
    public required string ActivityType { get; set; }
    public int Attempt { get; set; }
    /// <summary><c>completed</c>, <c>faulted</c>, <c>waiting</c>, <c>skipped</c>, <c>held</c>, <c>ended</c>.</summary>
    public required string Status { get; set; }
    public string? Port { get; set; }
    public string? InputJson { get; set; }
    public string? OutputJson { get; set; }
    public string? Error { get; set; }
    /// <summary>Data lineage: the expression root paths (e.g. <c>outputs.propose.amount</c>) the node's inputs derive from.</summary>
    public string[]? Lineage { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public double DurationMs { get; set; }
    public required string Host { get; set; }
}

/// <summary>
/// A durable message to one instance: a signal, an incident resolution, cancel, pause/resume (later: a completed
/// human task). Consumed exactly once: the executor marks it consumed in the same fenced commit that applies it.
/// </summary>
public sealed class InstanceMessageRecord
{
    public long Id { get; set; }
    public Guid InstanceId { get; set; }
    public required string Kind { get; set; }
    public string? Name { get; set; }
    public string? PayloadJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }
}

/// <summary>A message emitted by a step (e.g. a notification), committed with the step (transactional outbox).</summary>
public sealed class OutboxMessageRecord
{
    public long Id { get; set; }
    public Guid InstanceId { get; set; }
    public required string Kind { get; set; }
    public string? Channel { get; set; }
    public string? Recipient { get; set; }
    public required string BodyJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    /// <summary>Delivery attempts so far (the outbox dispatcher retries failed deliveries with backoff).</summary>
    public int Attempts { get; set; }
    /// <summary>Not before this time (backoff after a failed delivery); null = at once.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? LastError { get; set; }
}

internal sealed class InstanceRecordConfiguration : IEntityTypeConfiguration<InstanceRecord>
{
    public void Configure(EntityTypeBuilder<InstanceRecord> b)
    {
        b.ToTable("workflow_instances");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Version).HasColumnName("version");
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.HoldReason).HasColumnName("hold_reason").HasMaxLength(300);
        b.Property(x => x.WaitingOn).HasColumnName("waiting_on").HasMaxLength(500);
        b.Property(x => x.InputJson).HasColumnName("input").HasColumnType("jsonb");
        b.Property(x => x.VariablesJson).HasColumnName("variables").HasColumnType("jsonb");
        b.Property(x => x.OutputsJson).HasColumnName("outputs").HasColumnType("jsonb");
        b.Property(x => x.StateJson).HasColumnName("state").HasColumnType("jsonb");
        b.Property(x => x.OutputJson).HasColumnName("output").HasColumnType("jsonb");
        b.Property(x => x.Error).HasColumnName("error");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        b.Property(x => x.CompletedAt).HasColumnName("completed_at");
        b.Property(x => x.ReadyAt).HasColumnName("ready_at");
        b.Property(x => x.LeaseOwner).HasColumnName("lease_owner").HasMaxLength(200);
        b.Property(x => x.LeaseToken).HasColumnName("lease_token");
        b.Property(x => x.LeaseExpiresAt).HasColumnName("lease_expires_at");
        b.Property(x => x.SliceCount).HasColumnName("slice_count");
        b.Property(x => x.StartedBy).HasColumnName("started_by").HasMaxLength(200);
        b.Property(x => x.TraceParent).HasColumnName("trace_parent").HasMaxLength(64);
        // The claim scans only runnable rows: a partial index keeps waiting/finished instances out of it.
        b.HasIndex(x => x.ReadyAt).HasDatabaseName("ix_workflow_instances_ready").HasFilter("ready_at IS NOT NULL");
        b.HasIndex(x => new { x.WorkflowId, x.Status, x.CreatedAt }).HasDatabaseName("ix_workflow_instances_workflow_status");
        b.HasIndex(x => new { x.Status, x.CreatedAt }).HasDatabaseName("ix_workflow_instances_status");
        // Pinning: (workflow_id, version) names the immutable version the instance runs on; the engine resolves it before
        // inserting and published versions cannot be deleted (trigger). No foreign key on purpose: every concurrent start
        // would take FOR KEY SHARE on the same workflow_versions row (multixact contention on the hot path).
    }
}

internal sealed class JournalEntryRecordConfiguration : IEntityTypeConfiguration<JournalEntryRecord>
{
    public void Configure(EntityTypeBuilder<JournalEntryRecord> b)
    {
        b.ToTable("journal_entries");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.Seq).HasColumnName("seq");
        b.Property(x => x.TokenId).HasColumnName("token_id");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.ActivityType).HasColumnName("activity_type").HasMaxLength(100);
        b.Property(x => x.Attempt).HasColumnName("attempt");
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.Port).HasColumnName("port").HasMaxLength(100);
        b.Property(x => x.InputJson).HasColumnName("input").HasColumnType("jsonb");
        b.Property(x => x.OutputJson).HasColumnName("output").HasColumnType("jsonb");
        b.Property(x => x.Error).HasColumnName("error");
        b.Property(x => x.Lineage).HasColumnName("lineage");
        b.Property(x => x.StartedAt).HasColumnName("started_at");
        b.Property(x => x.DurationMs).HasColumnName("duration_ms");
        b.Property(x => x.Host).HasColumnName("host").HasMaxLength(200);
        // No foreign key to the instance on purpose: journal rows are appended in bulk on the hot path and the
        // commit that writes them is fenced on the instance row anyway.
        b.HasIndex(x => new { x.InstanceId, x.Seq }).HasDatabaseName("ix_journal_entries_instance");
    }
}

internal sealed class InstanceMessageRecordConfiguration : IEntityTypeConfiguration<InstanceMessageRecord>
{
    public void Configure(EntityTypeBuilder<InstanceMessageRecord> b)
    {
        b.ToTable("instance_messages");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(50);
        b.Property(x => x.Name).HasColumnName("name").HasMaxLength(200);
        b.Property(x => x.PayloadJson).HasColumnName("payload").HasColumnType("jsonb");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.ConsumedAt).HasColumnName("consumed_at");
        b.HasIndex(x => x.InstanceId).HasDatabaseName("ix_instance_messages_pending").HasFilter("consumed_at IS NULL");
    }
}

internal sealed class OutboxMessageRecordConfiguration : IEntityTypeConfiguration<OutboxMessageRecord>
{
    public void Configure(EntityTypeBuilder<OutboxMessageRecord> b)
    {
        b.ToTable("outbox_messages");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(50);
        b.Property(x => x.Channel).HasColumnName("channel").HasMaxLength(50);
        b.Property(x => x.Recipient).HasColumnName("recipient").HasMaxLength(500);
        b.Property(x => x.BodyJson).HasColumnName("body").HasColumnType("jsonb");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.DispatchedAt).HasColumnName("dispatched_at");
        b.Property(x => x.Attempts).HasColumnName("attempts").HasDefaultValue(0);
        b.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at");
        b.Property(x => x.LastError).HasColumnName("last_error");
        b.HasIndex(x => x.CreatedAt).HasDatabaseName("ix_outbox_pending").HasFilter("dispatched_at IS NULL");
    }
}
