using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Workflows;

/// <summary>A workflow: the stable id under which immutable versions accumulate.</summary>
public sealed class WorkflowRecord
{
    public required string Id { get; set; }
    public string? Name { get; set; }
    public string? OwnerName { get; set; }
    public string? OwnerEmail { get; set; }
    /// <summary>Highest version number ever stored (draft or published).</summary>
    public int LatestVersion { get; set; }
    /// <summary>The version new instances start on; null until something is published.</summary>
    public int? PublishedVersion { get; set; }
    /// <summary>A retired workflow starts no instances and its scheduled jobs are removed.</summary>
    public bool Retired { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<WorkflowVersionRecord> Versions { get; set; } = [];
}

/// <summary>
/// One immutable version of a definition. <see cref="CanonicalJson"/> is what the engine runs; the source text
/// is kept as written so the Studio and exports can show it. A database trigger refuses any change to the
/// content of a published version.
/// </summary>
public sealed class WorkflowVersionRecord
{
    public required string WorkflowId { get; set; }
    public int Version { get; set; }
    public required string ContentHash { get; set; }
    public required string CanonicalJson { get; set; }
    public required string SourceText { get; set; }
    /// <summary><c>yaml</c> or <c>json</c>.</summary>
    public required string SourceFormat { get; set; }
    /// <summary>Where it came from: a file path under <c>workflows/</c>, or <c>api</c>.</summary>
    public string? SourceName { get; set; }
    /// <summary><c>draft</c> or <c>published</c>.</summary>
    public required string Status { get; set; }
    /// <summary>Readiness warnings at the time of storing, as JSON (the publish gate re-evaluates them).</summary>
    public string? WarningsJson { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
}

internal sealed class WorkflowRecordConfiguration : IEntityTypeConfiguration<WorkflowRecord>
{
    public void Configure(EntityTypeBuilder<WorkflowRecord> b)
    {
        b.ToTable("workflows");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").HasMaxLength(100);
        b.Property(x => x.Name).HasColumnName("name").HasMaxLength(300);
        b.Property(x => x.OwnerName).HasColumnName("owner_name").HasMaxLength(300);
        b.Property(x => x.OwnerEmail).HasColumnName("owner_email").HasMaxLength(300);
        b.Property(x => x.LatestVersion).HasColumnName("latest_version");
        b.Property(x => x.PublishedVersion).HasColumnName("published_version");
        b.Property(x => x.Retired).HasColumnName("retired");
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.UpdatedAt).HasColumnName("updated_at").IsConcurrencyToken();
        b.HasMany(x => x.Versions).WithOne().HasForeignKey(v => v.WorkflowId);
    }
}

internal sealed class WorkflowVersionRecordConfiguration : IEntityTypeConfiguration<WorkflowVersionRecord>
{
    public void Configure(EntityTypeBuilder<WorkflowVersionRecord> b)
    {
        b.ToTable("workflow_versions");
        b.HasKey(x => new { x.WorkflowId, x.Version });
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Version).HasColumnName("version");
        b.Property(x => x.ContentHash).HasColumnName("content_hash").HasMaxLength(64);
        b.Property(x => x.CanonicalJson).HasColumnName("canonical_json").HasColumnType("jsonb");
        b.Property(x => x.SourceText).HasColumnName("source_text");
        b.Property(x => x.SourceFormat).HasColumnName("source_format").HasMaxLength(10);
        b.Property(x => x.SourceName).HasColumnName("source_name").HasMaxLength(500);
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.WarningsJson).HasColumnName("warnings").HasColumnType("jsonb");
        b.Property(x => x.CreatedBy).HasColumnName("created_by").HasMaxLength(200);
        b.Property(x => x.CreatedAt).HasColumnName("created_at");
        b.Property(x => x.PublishedAt).HasColumnName("published_at");
        b.HasIndex(x => new { x.WorkflowId, x.ContentHash });
    }
}
