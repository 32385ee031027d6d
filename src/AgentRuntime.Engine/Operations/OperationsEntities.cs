using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Operations;

/// <summary>
/// A paused workflow: while the row exists no instance of it starts, and every running instance holds before its next
/// step (<c>WorkflowHoldGate</c>). Deleting the row (resume) releases the held instances.
/// </summary>
public sealed class WorkflowHoldRecord
{
    public required string WorkflowId { get; set; }
    public required string Reason { get; set; }
    public required string PausedBy { get; set; }
    public DateTimeOffset PausedAt { get; set; }
}

/// <summary>
/// A bulk operation (cancel, pause, resume, retry, compensate) over the instances a filter matched at submit time. Its
/// items (<see cref="BulkOperationItemRecord"/>) are materialised in the same transaction; any host's
/// <c>BulkOperationProcessor</c> works through them in chunks, so the work survives a restart and spreads over hosts.
/// </summary>
public sealed class BulkOperationRecord
{
    public Guid Id { get; set; }
    public required string Operation { get; set; }
    public required string FilterJson { get; set; }
    public required string Reason { get; set; }
    public required string RequestedBy { get; set; }
    /// <summary><c>running</c> or <c>completed</c>.</summary>
    public required string Status { get; set; }
    public int Total { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>One instance of a bulk operation: <c>pending</c> until processed, then <c>succeeded</c>, <c>skipped</c> or <c>failed</c> with a detail.</summary>
public sealed class BulkOperationItemRecord
{
    public Guid OperationId { get; set; }
    public Guid InstanceId { get; set; }
    public required string Status { get; set; }
    public string? Detail { get; set; }
    public string? Host { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
}

/// <summary>
/// The compensation of one executed action (keyed by the action's idempotency key): <c>intent</c> before an external
/// call, <c>completed</c> after, <c>failed</c> with the error. A completed row is never run again, which makes
/// compensating an instance idempotent.
/// </summary>
public sealed class ActionCompensationRecord
{
    public required string ActionKey { get; set; }
    public Guid InstanceId { get; set; }
    public required string NodeId { get; set; }
    public required string Action { get; set; }
    public required string Connector { get; set; }
    public required string Status { get; set; }
    public string? RequestJson { get; set; }
    public string? ResponseJson { get; set; }
    public string? Error { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

internal sealed class WorkflowHoldRecordConfiguration : IEntityTypeConfiguration<WorkflowHoldRecord>
{
    public void Configure(EntityTypeBuilder<WorkflowHoldRecord> b)
    {
        b.ToTable("workflow_holds");
        b.HasKey(x => x.WorkflowId);
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Reason).HasColumnName("reason").HasMaxLength(1000);
        b.Property(x => x.PausedBy).HasColumnName("paused_by").HasMaxLength(200);
        b.Property(x => x.PausedAt).HasColumnName("paused_at");
    }
}

internal sealed class BulkOperationRecordConfiguration : IEntityTypeConfiguration<BulkOperationRecord>
{
    public void Configure(EntityTypeBuilder<BulkOperationRecord> b)
    {
        b.ToTable("bulk_operations");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.Operation).HasColumnName("operation").HasMaxLength(30);
        b.Property(x => x.FilterJson).HasColumnName("filter").HasColumnType("jsonb");
        b.Property(x => x.Reason).HasColumnName("reason").HasMaxLength(1000);
        b.Property(x => x.RequestedBy).HasColumnName("requested_by").HasMaxLength(200);
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.Total).HasColumnName("total");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.CompletedAt).HasColumnName("completed_at");
    }
}

internal sealed class BulkOperationItemRecordConfiguration : IEntityTypeConfiguration<BulkOperationItemRecord>
{
    public void Configure(EntityTypeBuilder<BulkOperationItemRecord> b)
    {
        b.ToTable("bulk_operation_items");
        b.HasKey(x => new { x.OperationId, x.InstanceId });
        b.Property(x => x.OperationId).HasColumnName("operation_id");
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.Detail).HasColumnName("detail").HasMaxLength(1000);
        b.Property(x => x.Host).HasColumnName("host").HasMaxLength(200);
        b.Property(x => x.ProcessedAt).HasColumnName("processed_at");
        b.HasOne<BulkOperationRecord>().WithMany().HasForeignKey(x => x.OperationId).OnDelete(DeleteBehavior.Cascade);
        // The processors' claim: pending items only (a partial index stays small as the work completes).
        b.HasIndex(x => x.OperationId).HasDatabaseName("ix_bulk_operation_items_pending").HasFilter("status = 'pending'");
    }
}

internal sealed class ActionCompensationRecordConfiguration : IEntityTypeConfiguration<ActionCompensationRecord>
{
    public void Configure(EntityTypeBuilder<ActionCompensationRecord> b)
    {
        b.ToTable("action_compensations");
        b.HasKey(x => x.ActionKey);
        b.Property(x => x.ActionKey).HasColumnName("action_key").HasMaxLength(300);
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.Action).HasColumnName("action").HasMaxLength(200);
        b.Property(x => x.Connector).HasColumnName("connector").HasMaxLength(100);
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.RequestJson).HasColumnName("request").HasColumnType("jsonb");
        b.Property(x => x.ResponseJson).HasColumnName("response").HasColumnType("jsonb");
        b.Property(x => x.Error).HasColumnName("error");
        b.Property(x => x.Attempts).HasColumnName("attempts");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.CompletedAt).HasColumnName("completed_at");
        b.HasIndex(x => x.InstanceId).HasDatabaseName("ix_action_compensations_instance");
    }
}
