using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Audit;

/// <summary>
/// A row of <c>audit_entries</c>. The table is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, and the
/// hash chain makes any change that bypasses the trigger (a superuser disabling it) visible to
/// <see cref="AuditTrail.VerifyAsync(CancellationToken)"/>. Written and read by <see cref="AuditTrail"/> with plain
/// Npgsql; mapped here so migrations create it.
/// </summary>
internal sealed class AuditEntryRow
{
    public long Sequence { get; set; }
    public Guid Id { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string SubjectType { get; set; }
    public required string SubjectId { get; set; }
    public string? Reason { get; set; }
    public string? Data { get; set; }
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}

/// <summary>
/// The single row of <c>audit_chain_head</c>: the last sequence and hash. Appends lock it <c>FOR UPDATE</c>, which
/// serialises them across connections and hosts into one chain; it also lets verification notice a truncated tail.
/// </summary>
internal sealed class AuditChainHeadRow
{
    public short Id { get; set; }
    public long LastSequence { get; set; }
    public required string LastHash { get; set; }
}

internal sealed class AuditEntryRowConfiguration : IEntityTypeConfiguration<AuditEntryRow>
{
    public void Configure(EntityTypeBuilder<AuditEntryRow> b)
    {
        b.ToTable("audit_entries");
        b.HasKey(x => x.Sequence);
        b.Property(x => x.Sequence).HasColumnName("sequence").ValueGeneratedNever();
        b.Property(x => x.Id).HasColumnName("id");
        b.Property(x => x.OccurredAt).HasColumnName("occurred_at");
        b.Property(x => x.Actor).HasColumnName("actor").HasMaxLength(AuditLimits.Actor);
        b.Property(x => x.Action).HasColumnName("action").HasMaxLength(AuditLimits.Action);
        b.Property(x => x.SubjectType).HasColumnName("subject_type").HasMaxLength(AuditLimits.SubjectType);
        b.Property(x => x.SubjectId).HasColumnName("subject_id").HasMaxLength(AuditLimits.SubjectId);
        b.Property(x => x.Reason).HasColumnName("reason");
        b.Property(x => x.Data).HasColumnName("data").HasColumnType("jsonb");
        b.Property(x => x.PreviousHash).HasColumnName("previous_hash").HasMaxLength(64).IsFixedLength();
        b.Property(x => x.Hash).HasColumnName("hash").HasMaxLength(64).IsFixedLength();
        b.HasIndex(x => x.Id).IsUnique();
        b.HasIndex(x => new { x.SubjectType, x.SubjectId, x.Sequence });
        b.HasIndex(x => new { x.SubjectId, x.Sequence });
        b.HasIndex(x => new { x.Actor, x.Sequence });
        b.HasIndex(x => x.OccurredAt);
    }
}

internal sealed class AuditChainHeadRowConfiguration : IEntityTypeConfiguration<AuditChainHeadRow>
{
    public void Configure(EntityTypeBuilder<AuditChainHeadRow> b)
    {
        b.ToTable("audit_chain_head", t => t.HasCheckConstraint("ck_audit_chain_head_single_row", "id = 1"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(x => x.LastSequence).HasColumnName("last_sequence");
        b.Property(x => x.LastHash).HasColumnName("last_hash").HasMaxLength(64).IsFixedLength();
        b.HasData(new AuditChainHeadRow { Id = 1, LastSequence = 0, LastHash = AuditFormat.GenesisHash });
    }
}

/// <summary>Column limits of the audit trail (characters). Longer values are refused before anything is written.</summary>
public static class AuditLimits
{
    public const int Actor = 200;
    public const int Action = 100;
    public const int SubjectType = 100;
    public const int SubjectId = 300;
    /// <summary>Reason text limit (the column is unbounded text; this keeps entries reviewable).</summary>
    public const int Reason = 10_000;
    /// <summary>Canonical data limit in characters.</summary>
    public const int Data = 1_000_000;
}
