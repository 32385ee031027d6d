using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Governance;

/// <summary>
/// An agent and its governed state. The definition lives in <see cref="AgentVersionRecord"/>s; <see cref="Stage"/> and
/// <see cref="Paused"/> change only through promotions, demotions and the kill switch (each audited), never by a re-sync.
/// </summary>
public sealed class AgentRecord
{
    public required string Id { get; set; }
    public required string Kind { get; set; }
    public string? Name { get; set; }
    public string? OwnerName { get; set; }
    public string? OwnerEmail { get; set; }
    public string? Role { get; set; }
    public int CurrentVersion { get; set; }
    public required string Stage { get; set; }
    public bool Paused { get; set; }
    public string? PausedReason { get; set; }
    public string? PausedBy { get; set; }
    public DateTimeOffset? PausedAt { get; set; }
    public DateTimeOffset StageChangedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One stored definition of an agent (model, prompt, schema, rules …). A changed definition is a new version.</summary>
public sealed class AgentVersionRecord
{
    public required string AgentId { get; set; }
    public int Version { get; set; }
    public required string ContentHash { get; set; }
    public required string DefinitionJson { get; set; }
    public string? SourceName { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// One run of an agent in an instance: what it was given, what it proposed, in which stage, what it cost, and what a
/// human then decided (draft: approved / edited / rejected; shadow: the human's own decision, with agreement). Written by
/// the agent node in the same commit as its step; the audit-sampling jobs sample these (indexed by workflow, agent, time).
/// </summary>
public sealed class AgentDecisionRecord
{
    public Guid Id { get; set; }
    public required string AgentId { get; set; }
    public int AgentVersion { get; set; }
    public required string WorkflowId { get; set; }
    public int WorkflowVersion { get; set; }
    public Guid InstanceId { get; set; }
    public required string NodeId { get; set; }
    public int Visit { get; set; }
    public required string Stage { get; set; }
    public string? InputJson { get; set; }
    public string? OutputJson { get; set; }
    public double? Confidence { get; set; }
    public string? Rationale { get; set; }
    /// <summary>The agent's own outcome: done, low-confidence, invalid-output, failed.</summary>
    public required string Outcome { get; set; }
    public string? InvalidReason { get; set; }
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }
    public decimal Cost { get; set; }
    public double DurationMs { get; set; }
    public string? TaskId { get; set; }
    /// <summary>approved, edited, rejected (draft); decided, rejected (shadow); null while pending or in execute.</summary>
    public string? HumanDecision { get; set; }
    public string? HumanActor { get; set; }
    public string? HumanOutputJson { get; set; }
    /// <summary>Shadow: the proposal agreed with the human's decision (per the agent's comparator).</summary>
    public bool? Agreement { get; set; }
    /// <summary>Draft: the human changed the draft before approving it.</summary>
    public bool? Edited { get; set; }
    /// <summary>Written by audit sampling: pass / fail.</summary>
    public string? AuditResult { get; set; }
    public DateTimeOffset? AuditedAt { get; set; }
    /// <summary>
    /// Uniform in [0, 1), drawn by the database when the row is written (<c>random()</c>). Audit sampling at rate r takes the
    /// window's decisions whose key is below r (Bernoulli sampling read straight off an index), and a fixed size takes the
    /// lowest keys: a sample costs an index range scan, not a sort of the whole history.
    /// </summary>
    public double SampleKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

/// <summary>
/// A requested or applied stage change: promotion (refused with its unmet reasons, or pending the owner's sign-off, then
/// approved/rejected), demotion (applied at once) or automatic demotion (a trigger fired).
/// </summary>
public sealed class AgentStageChangeRecord
{
    public Guid Id { get; set; }
    public required string AgentId { get; set; }
    /// <summary>promotion, demotion, auto-demotion.</summary>
    public required string Kind { get; set; }
    public required string FromStage { get; set; }
    public required string ToStage { get; set; }
    /// <summary>refused, pending, applied, rejected, superseded.</summary>
    public required string Status { get; set; }
    public string? Reason { get; set; }
    public required string RequestedBy { get; set; }
    public string? UnmetJson { get; set; }
    public string? EvidenceJson { get; set; }
    /// <summary>Who must sign off (the workflow owner), and the task that asks them.</summary>
    public string? SignOffBy { get; set; }
    public string? TaskId { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecisionReason { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

/// <summary>
/// Evidence written by scheduled jobs (data-readiness probes, telemetry checks, audit scheduling) that readiness
/// checkpoints read. Until a job writes a row the checkpoint shows as not yet evidenced, never as passed.
/// </summary>
public sealed class ReadinessEvidenceRecord
{
    public long Id { get; set; }
    public required string WorkflowId { get; set; }
    public string? AgentId { get; set; }
    /// <summary><c>data-readiness</c>, <c>telemetry</c>, <c>audit-schedule</c>.</summary>
    public required string Checkpoint { get; set; }
    /// <summary>E.g. the data source id for data-readiness.</summary>
    public string? Subject { get; set; }
    public bool Passed { get; set; }
    public string? DetailJson { get; set; }
    public DateTimeOffset ObservedAt { get; set; }
    /// <summary>After this the evidence is stale; null: the checkpoint's own window applies.</summary>
    public DateTimeOffset? ValidUntil { get; set; }
}

internal sealed class AgentRecordConfiguration : IEntityTypeConfiguration<AgentRecord>
{
    public void Configure(EntityTypeBuilder<AgentRecord> b)
    {
        b.ToTable("agents");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").HasMaxLength(100);
        b.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(20);
        b.Property(x => x.Name).HasColumnName("name").HasMaxLength(300);
        b.Property(x => x.OwnerName).HasColumnName("owner_name").HasMaxLength(300);
        b.Property(x => x.OwnerEmail).HasColumnName("owner_email").HasMaxLength(300);
        b.Property(x => x.Role).HasColumnName("role").HasMaxLength(200);
        b.Property(x => x.CurrentVersion).HasColumnName("current_version");
        b.Property(x => x.Stage).HasColumnName("stage").HasMaxLength(20);
        b.Property(x => x.Paused).HasColumnName("paused");
        b.Property(x => x.PausedReason).HasColumnName("paused_reason").HasMaxLength(2000);
        b.Property(x => x.PausedBy).HasColumnName("paused_by").HasMaxLength(300);
        b.Property(x => x.PausedAt).HasColumnName("paused_at");
        b.Property(x => x.StageChangedAt).HasColumnName("stage_changed_at");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.UpdatedAt).HasColumnName("updated_at");
    }
}

internal sealed class AgentVersionRecordConfiguration : IEntityTypeConfiguration<AgentVersionRecord>
{
    public void Configure(EntityTypeBuilder<AgentVersionRecord> b)
    {
        b.ToTable("agent_versions");
        b.HasKey(x => new { x.AgentId, x.Version });
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.Version).HasColumnName("version");
        b.Property(x => x.ContentHash).HasColumnName("content_hash").HasMaxLength(64);
        b.Property(x => x.DefinitionJson).HasColumnName("definition").HasColumnType("jsonb");
        b.Property(x => x.SourceName).HasColumnName("source_name").HasMaxLength(500);
        b.Property(x => x.CreatedBy).HasColumnName("created_by").HasMaxLength(300);
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.HasOne<AgentRecord>().WithMany().HasForeignKey(x => x.AgentId);
    }
}

internal sealed class AgentDecisionRecordConfiguration : IEntityTypeConfiguration<AgentDecisionRecord>
{
    public void Configure(EntityTypeBuilder<AgentDecisionRecord> b)
    {
        b.ToTable("agent_decisions");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.AgentVersion).HasColumnName("agent_version");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.WorkflowVersion).HasColumnName("workflow_version");
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.Visit).HasColumnName("visit");
        b.Property(x => x.Stage).HasColumnName("stage").HasMaxLength(20);
        b.Property(x => x.InputJson).HasColumnName("input").HasColumnType("jsonb");
        b.Property(x => x.OutputJson).HasColumnName("output").HasColumnType("jsonb");
        b.Property(x => x.Confidence).HasColumnName("confidence");
        b.Property(x => x.Rationale).HasColumnName("rationale");
        b.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(30);
        b.Property(x => x.InvalidReason).HasColumnName("invalid_reason");
        b.Property(x => x.InputTokens).HasColumnName("input_tokens");
        b.Property(x => x.OutputTokens).HasColumnName("output_tokens");
        b.Property(x => x.Cost).HasColumnName("cost").HasPrecision(18, 6);
        b.Property(x => x.DurationMs).HasColumnName("duration_ms");
        b.Property(x => x.TaskId).HasColumnName("task_id").HasMaxLength(100);
        b.Property(x => x.HumanDecision).HasColumnName("human_decision").HasMaxLength(20);
        b.Property(x => x.HumanActor).HasColumnName("human_actor").HasMaxLength(300);
        b.Property(x => x.HumanOutputJson).HasColumnName("human_output").HasColumnType("jsonb");
        b.Property(x => x.Agreement).HasColumnName("agreement");
        b.Property(x => x.Edited).HasColumnName("edited");
        b.Property(x => x.AuditResult).HasColumnName("audit_result").HasMaxLength(20);
        b.Property(x => x.AuditedAt).HasColumnName("audited_at");
        b.Property(x => x.SampleKey).HasColumnName("sample_key").HasDefaultValueSql("random()");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.DecidedAt).HasColumnName("decided_at");
        // Audit sampling reads ix_agent_decisions_workflow_hour_sample_key, an expression index EF cannot model, created by
        // migration AuditSamplingWindowIndex: (workflow_id, date_bin('1 hour', created_at, epoch), sample_key) INCLUDE (created_at,
        // agent_id, outcome, audit_result, id). Rate r reads the key range [0, r) of each hour of the window (never the history
        // before it); the included columns answer the window, the strata and the sample from the index alone (an index-only scan).
        // See AuditSampler.HourSql: the query's expression must be the index's.
        // Audit sampling's small strata and window edges: one stratum's decisions in a window, a range scan however rare the
        // outcome (with agent_id = ANY / outcome = ANY when a dimension is not stratified).
        b.HasIndex(x => new { x.WorkflowId, x.AgentId, x.Outcome, x.CreatedAt }).HasDatabaseName("ix_agent_decisions_workflow_agent_outcome_time");
        b.HasIndex(x => new { x.AgentId, x.CreatedAt }).HasDatabaseName("ix_agent_decisions_agent_time");
        b.HasIndex(x => x.InstanceId).HasDatabaseName("ix_agent_decisions_instance");
    }
}

internal sealed class AgentStageChangeRecordConfiguration : IEntityTypeConfiguration<AgentStageChangeRecord>
{
    public void Configure(EntityTypeBuilder<AgentStageChangeRecord> b)
    {
        b.ToTable("agent_stage_changes");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(20);
        b.Property(x => x.FromStage).HasColumnName("from_stage").HasMaxLength(20);
        b.Property(x => x.ToStage).HasColumnName("to_stage").HasMaxLength(20);
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.Reason).HasColumnName("reason").HasMaxLength(2000);
        b.Property(x => x.RequestedBy).HasColumnName("requested_by").HasMaxLength(300);
        b.Property(x => x.UnmetJson).HasColumnName("unmet").HasColumnType("jsonb");
        b.Property(x => x.EvidenceJson).HasColumnName("evidence").HasColumnType("jsonb");
        b.Property(x => x.SignOffBy).HasColumnName("sign_off_by").HasMaxLength(300);
        b.Property(x => x.TaskId).HasColumnName("task_id").HasMaxLength(100);
        b.Property(x => x.DecidedBy).HasColumnName("decided_by").HasMaxLength(300);
        b.Property(x => x.DecisionReason).HasColumnName("decision_reason").HasMaxLength(2000);
        b.Property(x => x.RequestedAt).HasColumnName("requested_at");
        b.Property(x => x.DecidedAt).HasColumnName("decided_at");
        b.HasIndex(x => new { x.AgentId, x.RequestedAt }).HasDatabaseName("ix_agent_stage_changes_agent_time");
        // At most one promotion awaiting sign-off per agent.
        b.HasIndex(x => x.AgentId).HasDatabaseName("ux_agent_stage_changes_one_pending").IsUnique().HasFilter("status = 'pending'");
    }
}

internal sealed class ReadinessEvidenceRecordConfiguration : IEntityTypeConfiguration<ReadinessEvidenceRecord>
{
    public void Configure(EntityTypeBuilder<ReadinessEvidenceRecord> b)
    {
        b.ToTable("readiness_evidence");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
        b.Property(x => x.Checkpoint).HasColumnName("checkpoint").HasMaxLength(50);
        b.Property(x => x.Subject).HasColumnName("subject").HasMaxLength(200);
        b.Property(x => x.Passed).HasColumnName("passed");
        b.Property(x => x.DetailJson).HasColumnName("detail").HasColumnType("jsonb");
        b.Property(x => x.ObservedAt).HasColumnName("observed_at");
        b.Property(x => x.ValidUntil).HasColumnName("valid_until");
        b.HasIndex(x => new { x.WorkflowId, x.Checkpoint, x.ObservedAt }).HasDatabaseName("ix_readiness_evidence_workflow_checkpoint_time");
    }
}
