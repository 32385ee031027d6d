using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// The engine's own evidence that a workflow emitted signals, kept whether or not anything is exported: per workflow
/// and minute, how many slices (<c>instance.slice</c> spans) and node executions (<c>activity</c> spans) ran, how many
/// instances started, ended and faulted. Readiness checkpoint 5 ("telemetry flowing") reads it with
/// <see cref="ReadAsync"/>.
/// <para>
/// Cheap by construction: slices add to counters in memory; <see cref="FlushAsync"/> (every
/// <see cref="FlushInterval"/> from the engine's background service, and on stop) writes them with one upsert that
/// adds to the rows. Nothing touches the hot commit, and several hosts add to the same rows. A host that dies loses at
/// most its last interval of counts, which is acceptable for evidence of flow (the journal stays the record of work).
/// </para>
/// </summary>
public sealed class TelemetrySignals(TimeProvider clock, ILogger<TelemetrySignals> logger)
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private Dictionary<(string Workflow, DateTimeOffset Bucket), Counts> _pending = [];
    private NpgsqlDataSource? _dataSource;

    internal void Attach(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    internal sealed class Counts
    {
        public long Slices, Activities, Started, Ended, Faults;
        public DateTimeOffset Last;

        public void Add(Counts o)
        {
            Slices += o.Slices; Activities += o.Activities; Started += o.Started; Ended += o.Ended; Faults += o.Faults;
            if (o.Last > Last) Last = o.Last;
        }
    }

    /// <summary>Counts one committed slice of an instance of <paramref name="workflowId"/>.</summary>
    internal void RecordSlice(string workflowId, int activities, bool started, bool ended, int faults)
    {
        var now = clock.GetUtcNow();
        var bucket = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        lock (_gate)
        {
            if (!_pending.TryGetValue((workflowId, bucket), out var c)) _pending[(workflowId, bucket)] = c = new Counts();
            c.Slices++;
            c.Activities += activities;
            if (started) c.Started++;
            if (ended) c.Ended++;
            c.Faults += faults;
            c.Last = now;
        }
    }

    /// <summary>Counts a queued start (the instance's first slice runs later, on whichever host claims it).</summary>
    internal void RecordQueuedStart(string workflowId)
    {
        var now = clock.GetUtcNow();
        var bucket = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        lock (_gate)
        {
            if (!_pending.TryGetValue((workflowId, bucket), out var c)) _pending[(workflowId, bucket)] = c = new Counts();
            c.Started++;
            c.Last = now;
        }
    }

    /// <summary>Writes the counts gathered since the last flush. On failure they are kept for the next one.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        if (_dataSource is null) return;
        Dictionary<(string Workflow, DateTimeOffset Bucket), Counts> batch;
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            batch = _pending;
            _pending = [];
        }
        try
        {
            var rows = batch.ToArray();
            await using var cmd = _dataSource.CreateCommand("""
                INSERT INTO telemetry_signals AS s (workflow_id, bucket_start, slices, activities, instances_started, instances_ended, faults, last_signal_at)
                SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::timestamptz[])
                ON CONFLICT (workflow_id, bucket_start) DO UPDATE SET
                  slices = s.slices + excluded.slices, activities = s.activities + excluded.activities,
                  instances_started = s.instances_started + excluded.instances_started,
                  instances_ended = s.instances_ended + excluded.instances_ended, faults = s.faults + excluded.faults,
                  last_signal_at = GREATEST(s.last_signal_at, excluded.last_signal_at)
                """);
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Key.Workflow).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.Key.Bucket).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Value.Slices).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Value.Activities).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Value.Started).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Value.Ended).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Value.Faults).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.Value.Last).ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            lock (_gate)
            {
                foreach (var (key, counts) in batch)
                {
                    if (_pending.TryGetValue(key, out var c)) c.Add(counts);
                    else _pending[key] = counts;
                }
            }
            if (e is not OperationCanceledException) logger.LogWarning(e, "Could not write telemetry signal counts; keeping them for the next flush");
            else throw;
        }
    }

    /// <summary>
    /// What the engine recorded for <paramref name="workflowId"/> in [<paramref name="from"/>, <paramref name="to"/>):
    /// totals, the last signal's time, and per-hour rows. Counts not yet flushed (up to <see cref="FlushInterval"/>) are not included.
    /// </summary>
    public async Task<SignalEvidence> ReadAsync(string workflowId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var dataSource = _dataSource ?? throw new InvalidOperationException("The signal store is not attached to a database.");
        await using var cmd = dataSource.CreateCommand("""
            SELECT date_trunc('hour', bucket_start, 'UTC') AS h, sum(slices), sum(activities), sum(instances_started), sum(instances_ended), sum(faults), max(last_signal_at)
              FROM telemetry_signals
             WHERE workflow_id = $1 AND bucket_start >= $2 AND bucket_start < $3
             GROUP BY h ORDER BY h
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workflowId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var hours = new List<SignalBucket>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            hours.Add(new SignalBucket(reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return new SignalEvidence(workflowId, from, to,
            hours.Sum(h => h.Slices), hours.Sum(h => h.Activities), hours.Sum(h => h.InstancesStarted), hours.Sum(h => h.InstancesEnded),
            hours.Sum(h => h.Faults), hours.Count == 0 ? null : hours.Max(h => h.LastSignalAt), hours);
    }
}

/// <summary>Signals the engine recorded for one workflow in a window (see <see cref="TelemetrySignals.ReadAsync"/>).</summary>
public sealed record SignalEvidence(string WorkflowId, DateTimeOffset From, DateTimeOffset To, long Slices, long Activities,
    long InstancesStarted, long InstancesEnded, long Faults, DateTimeOffset? LastSignalAt, IReadOnlyList<SignalBucket> Hours)
{
    /// <summary>True when the workflow emitted at least one signal in the window.</summary>
    public bool Flowing => Slices > 0 || InstancesStarted > 0;
}

public sealed record SignalBucket(DateTimeOffset Start, long Slices, long Activities, long InstancesStarted, long InstancesEnded, long Faults, DateTimeOffset LastSignalAt);

/// <summary>Per workflow and minute: the engine's record that the workflow emitted signals (see <see cref="TelemetrySignals"/>).</summary>
public sealed class TelemetrySignalRecord
{
    public required string WorkflowId { get; set; }
    public DateTimeOffset BucketStart { get; set; }
    public long Slices { get; set; }
    public long Activities { get; set; }
    public long InstancesStarted { get; set; }
    public long InstancesEnded { get; set; }
    public long Faults { get; set; }
    public DateTimeOffset LastSignalAt { get; set; }
}

internal sealed class TelemetrySignalRecordConfiguration : IEntityTypeConfiguration<TelemetrySignalRecord>
{
    public void Configure(EntityTypeBuilder<TelemetrySignalRecord> b)
    {
        b.ToTable("telemetry_signals");
        b.HasKey(x => new { x.WorkflowId, x.BucketStart });
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.BucketStart).HasColumnName("bucket_start");
        b.Property(x => x.Slices).HasColumnName("slices");
        b.Property(x => x.Activities).HasColumnName("activities");
        b.Property(x => x.InstancesStarted).HasColumnName("instances_started");
        b.Property(x => x.InstancesEnded).HasColumnName("instances_ended");
        b.Property(x => x.Faults).HasColumnName("faults");
        b.Property(x => x.LastSignalAt).HasColumnName("last_signal_at");
    }
}
