using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Incidents;

/// <summary>
/// A failure that had nowhere to go: the node's retries were exhausted and its <c>error</c> port is not connected.
/// The instance is suspended until an ops lead retries the node, skips it to a named port, or cancels the instance.
/// </summary>
public sealed class IncidentRecord
{
    public Guid Id { get; set; }
    public Guid InstanceId { get; set; }
    public required string WorkflowId { get; set; }
    public int Version { get; set; }
    public required string NodeId { get; set; }
    public required string ActivityType { get; set; }
    public int TokenId { get; set; }
    public required string ErrorType { get; set; }
    public required string Message { get; set; }
    public int Attempts { get; set; }
    /// <summary>See <see cref="IncidentStatus"/>.</summary>
    public required string Status { get; set; }
    /// <summary>How it was resolved: <c>retry</c>, <c>skip:&lt;port&gt;</c>, <c>cancel</c>.</summary>
    public string? Resolution { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public required string Host { get; set; }
}

public static class IncidentStatus
{
    public const string Open = "open";
    /// <summary>A resolution was requested; the instance applies it (exactly once) on its next slice.</summary>
    public const string Resolving = "resolving";
    public const string Resolved = "resolved";
    public const string Cancelled = "cancelled";
}

internal sealed class IncidentRecordConfiguration : IEntityTypeConfiguration<IncidentRecord>
{
    public void Configure(EntityTypeBuilder<IncidentRecord> b)
    {
        b.ToTable("incidents");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Version).HasColumnName("version");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.ActivityType).HasColumnName("activity_type").HasMaxLength(100);
        b.Property(x => x.TokenId).HasColumnName("token_id");
        b.Property(x => x.ErrorType).HasColumnName("error_type").HasMaxLength(300);
        b.Property(x => x.Message).HasColumnName("message");
        b.Property(x => x.Attempts).HasColumnName("attempts");
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.Resolution).HasColumnName("resolution").HasMaxLength(200);
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.ResolvedAt).HasColumnName("resolved_at");
        b.Property(x => x.Host).HasColumnName("host").HasMaxLength(200);
        b.HasIndex(x => new { x.Status, x.CreatedAt }).HasDatabaseName("ix_incidents_status");
        b.HasIndex(x => x.InstanceId).HasDatabaseName("ix_incidents_instance");
    }
}
