using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Connectors;

/// <summary>
/// The action ledger: one row per action execution, keyed by its idempotency key. For a transactional connector the
/// row is written completed in the step's own commit; for an external connector the <c>intent</c> row commits before
/// the call and <c>completed</c> after it, so recovery knows to re-send (with the same key) an intent without completion.
/// Also the source for compensation in reverse order (each row carries the action's compensation).
/// </summary>
public sealed class ActionLedgerRecord
{
    public required string IdempotencyKey { get; set; }
    public Guid InstanceId { get; set; }
    public required string NodeId { get; set; }
    public required string Action { get; set; }
    public required string Connector { get; set; }
    /// <summary><c>intent</c> or <c>completed</c>.</summary>
    public required string Status { get; set; }
    public string? RequestJson { get; set; }
    public string? ResponseJson { get; set; }
    public string? CompensationJson { get; set; }
    public int Sends { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public required string Host { get; set; }
}

/// <summary>
/// What the <c>record</c> connector writes: an effect visible to tests and reports. There is deliberately no unique
/// constraint on the idempotency key, so a duplicated effect would show here rather than being hidden by the table.
/// </summary>
public sealed class ConnectorRecord
{
    public long Id { get; set; }
    public Guid InstanceId { get; set; }
    public required string NodeId { get; set; }
    public required string Action { get; set; }
    public required string IdempotencyKey { get; set; }
    public required string PayloadJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class ActionLedgerRecordConfiguration : IEntityTypeConfiguration<ActionLedgerRecord>
{
    public void Configure(EntityTypeBuilder<ActionLedgerRecord> b)
    {
        b.ToTable("action_ledger");
        b.HasKey(x => x.IdempotencyKey);
        b.Property(x => x.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(300);
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.Action).HasColumnName("action").HasMaxLength(200);
        b.Property(x => x.Connector).HasColumnName("connector").HasMaxLength(100);
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.RequestJson).HasColumnName("request").HasColumnType("jsonb");
        b.Property(x => x.ResponseJson).HasColumnName("response").HasColumnType("jsonb");
        b.Property(x => x.CompensationJson).HasColumnName("compensation").HasColumnType("jsonb");
        b.Property(x => x.Sends).HasColumnName("sends");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.CompletedAt).HasColumnName("completed_at");
        b.Property(x => x.Host).HasColumnName("host").HasMaxLength(200);
        b.HasIndex(x => new { x.InstanceId, x.CreatedAt }).HasDatabaseName("ix_action_ledger_instance");
    }
}

internal sealed class ConnectorRecordConfiguration : IEntityTypeConfiguration<ConnectorRecord>
{
    public void Configure(EntityTypeBuilder<ConnectorRecord> b)
    {
        b.ToTable("connector_records");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.NodeId).HasColumnName("node_id").HasMaxLength(100);
        b.Property(x => x.Action).HasColumnName("action").HasMaxLength(200);
        b.Property(x => x.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(300);
        b.Property(x => x.PayloadJson).HasColumnName("payload").HasColumnType("jsonb");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.HasIndex(x => x.InstanceId).HasDatabaseName("ix_connector_records_instance");
    }
}
