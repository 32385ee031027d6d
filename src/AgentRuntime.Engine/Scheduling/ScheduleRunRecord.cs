using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRuntime.Engine.Scheduling;

/// <summary>
/// One firing of a scheduled governance job (audit sampling, data-readiness probe, telemetry check): which tick it was
/// (the trigger's scheduled fire time), which host ran it, and how it ended. (job, scheduled fire time) is unique: a tick
/// runs once across all hosts — a second host that somehow fired the same tick finds the row and does nothing.
/// </summary>
public sealed class ScheduleRunRecord
{
    public long Id { get; set; }
    public required string JobId { get; set; }
    public DateTimeOffset ScheduledFireAt { get; set; }
    public DateTimeOffset FiredAt { get; set; }
    public required string Host { get; set; }
    /// <summary>running, succeeded, failed.</summary>
    public required string Status { get; set; }
    public bool Manual { get; set; }
    public string? ResultJson { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

internal sealed class ScheduleRunRecordConfiguration : IEntityTypeConfiguration<ScheduleRunRecord>
{
    public void Configure(EntityTypeBuilder<ScheduleRunRecord> b)
    {
        b.ToTable("schedule_runs");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        b.Property(x => x.JobId).HasColumnName("job_id").HasMaxLength(300);
        b.Property(x => x.ScheduledFireAt).HasColumnName("scheduled_fire_at");
        b.Property(x => x.FiredAt).HasColumnName("fired_at");
        b.Property(x => x.Host).HasColumnName("host").HasMaxLength(300);
        b.Property(x => x.Status).HasColumnName("status").HasMaxLength(20);
        b.Property(x => x.Manual).HasColumnName("manual");
        b.Property(x => x.ResultJson).HasColumnName("result").HasColumnType("jsonb");
        b.Property(x => x.FinishedAt).HasColumnName("finished_at");
        b.HasIndex(x => new { x.JobId, x.ScheduledFireAt }).IsUnique().HasDatabaseName("ux_schedule_runs_job_tick");
    }
}
