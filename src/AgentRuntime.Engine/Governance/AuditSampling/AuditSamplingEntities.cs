using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Governance.AuditSampling;

/// <summary>
/// One run of a workflow's audit sampling: the window it covered (from the previous run's end to this run's start), how
/// many decisions the window held and how many were sampled. The next run starts where this one ended, so windows never overlap.
/// </summary>
public sealed class AuditRunRecord
{
    public Guid Id { get; set; }
    public required string WorkflowId { get; set; }
    public int WorkflowVersion { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public DateTimeOffset WindowEnd { get; set; }
    public long Sampled { get; set; }
    /// <summary>The sampling spec applied (rate/size/stratifyBy), as JSON.</summary>
    public string? SpecJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A sampled agent decision and its review. <c>decision_id</c> is unique: a decision is sampled at most once, whatever runs,
/// hosts or retries do. The review task is created after the sample commits (and re-created by the next run if a host died in
/// between: samples without a task are picked up again).
/// </summary>
public sealed class AuditSampleRecord
{
    public Guid DecisionId { get; set; }
    public Guid RunId { get; set; }
    public required string WorkflowId { get; set; }
    public required string AgentId { get; set; }
    /// <summary>The decision's own outcome (done, low-confidence, …): the stratum, with the agent.</summary>
    public required string Outcome { get; set; }
    public Guid? TaskId { get; set; }
    /// <summary>pending, passed, failed.</summary>
    public required string Status { get; set; }
    /// <summary>criterion id → pass/fail.</summary>
    public string? ResultsJson { get; set; }
    public string? Comment { get; set; }
    public string? ReviewedBy { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public DateTimeOffset SampledAt { get; set; }
}

/// <summary>An escalation the audit protocol ran (notify-owner, demote, pause) and the failure rate that triggered it.</summary>
public sealed class AuditEscalationRecord
{
    public Guid Id { get; set; }
    public required string WorkflowId { get; set; }
    public required string AgentId { get; set; }
    public required string Action { get; set; }
    public double FailureRate { get; set; }
    public long Reviews { get; set; }
    public double Threshold { get; set; }
    /// <summary>What was done: e.g. "demoted execute → draft", "paused", "owner notified", or why nothing could be done.</summary>
    public string? Detail { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// How many agent decisions one workflow made per agent, outcome and ten minutes (<c>agent_decision_tallies</c>): the strata sizes
/// of a sampling window without scanning the window. Maintained by a statement-level trigger on <c>agent_decisions</c>
/// (one grouped upsert per INSERT statement, in the inserting transaction, so a tally commits with its decisions);
/// <see cref="Shard"/> is the inserting backend's pid: concurrent transactions never update the same row, so eight workers
/// deciding for one hot stratum do not queue on one row lock until each other's commit (nor deadlock). A window's stratum size is the sum over its
/// buckets and shards. A DELETE of decisions subtracts, a TRUNCATE empties the tallies; agent, outcome, workflow and time of
/// a decision are never updated. Rows older than a workflow's last sampling window are deleted by the sampler (never read again).
/// </summary>
public sealed class AgentDecisionTallyRecord
{
    public required string WorkflowId { get; set; }
    /// <summary>The ten minutes (UTC, <c>date_bin('10 minutes', created_at, epoch)</c>) the decisions were stamped in.</summary>
    public DateTimeOffset Bucket { get; set; }
    public required string AgentId { get; set; }
    public required string Outcome { get; set; }
    /// <summary>The inserting backend's pid (<c>pg_backend_pid()</c>).</summary>
    public int Shard { get; set; }
    public long N { get; set; }
}

internal sealed class AgentDecisionTallyRecordConfiguration : IEntityTypeConfiguration<AgentDecisionTallyRecord>
{
    public void Configure(EntityTypeBuilder<AgentDecisionTallyRecord> b)
    {
        b.ToTable("agent_decision_tallies");
        // Workflow and bucket lead: a window's counts are one range scan of the key.
        b.HasKey(x => new { x.WorkflowId, x.Bucket, x.AgentId, x.Outcome, x.Shard });
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Bucket).HasColumnName("bucket");
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(30);
        b.Property(x => x.Shard).HasColumnName("shard");
        b.Property(x => x.N).HasColumnName("n");
    }
}

internal sealed class AuditRunRecordConfiguration : IEntityTypeConfiguration<AuditRunRecord>
{
    public void Configure(EntityTypeBuilder<AuditRunRecord> b)
    {
        b.ToTable("audit_runs");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.WorkflowVersion).HasColumnName("workflow_version");
        b.Property(x => x.WindowStart).HasColumnName("window_start");
        b.Property(x => x.WindowEnd).HasColumnName("window_end");
        b.Property(x => x.Sampled).HasColumnName("sampled");
        b.Property(x => x.SpecJson).HasColumnName("spec").HasColumnType("jsonb");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.HasIndex(x => new { x.WorkflowId, x.WindowEnd }).HasDatabaseName("ix_audit_runs_workflow_window_end");
    }
}

internal sealed class AuditSampleRecordConfiguration : IEntityTypeConfiguration<AuditSampleRecord>
{
    public void Configure(EntityTypeBuilder<AuditSampleRecord> b)
    {
        b.ToTable("audit_samples");
        b.HasKey(x => x.DecisionId); // a decision is sampled at most once
        b.Property(x => x.DecisionId).HasColumnName("decision_id");
        b.Property(x => x.RunId).HasColumnName("run_id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(30);
        b.Property(x => x.TaskId).HasColumnName("task_id");
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.ResultsJson).HasColumnName("results").HasColumnType("jsonb");
        b.Property(x => x.Comment).HasColumnName("comment");
        b.Property(x => x.ReviewedBy).HasColumnName("reviewed_by").HasMaxLength(300);
        b.Property(x => x.ReviewedAt).HasColumnName("reviewed_at");
        b.Property(x => x.SampledAt).HasColumnName("sampled_at");
        b.HasIndex(x => new { x.AgentId, x.WorkflowId, x.ReviewedAt }).HasDatabaseName("ix_audit_samples_agent_workflow_reviewed");
        // Few indexes on purpose: a run inserts up to 1% of the window in one statement, and every index is written per row.
        b.HasIndex(x => x.WorkflowId).HasDatabaseName("ix_audit_samples_without_task").HasFilter("task_id IS NULL");
    }
}

internal sealed class AuditEscalationRecordConfiguration : IEntityTypeConfiguration<AuditEscalationRecord>
{
    public void Configure(EntityTypeBuilder<AuditEscalationRecord> b)
    {
        b.ToTable("audit_escalations");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.Action).HasColumnName("action").HasMaxLength(30);
        b.Property(x => x.FailureRate).HasColumnName("failure_rate");
        b.Property(x => x.Reviews).HasColumnName("reviews");
        b.Property(x => x.Threshold).HasColumnName("threshold");
        b.Property(x => x.Detail).HasColumnName("detail").HasMaxLength(2000);
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.HasIndex(x => new { x.WorkflowId, x.AgentId, x.CreatedAt }).HasDatabaseName("ix_audit_escalations_workflow_agent_time");
    }
}
