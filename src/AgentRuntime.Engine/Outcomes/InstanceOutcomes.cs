using System.Globalization;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Outcomes;

/// <summary>
/// One completed instance's value of its workflow's business outcome (the definition's <c>outcome.measure</c>),
/// with the target and direction of the version it ran on, so "met" is judged against the goal that applied then.
/// Written in the same commit that completes the instance.
/// </summary>
public sealed class InstanceOutcomeRecord
{
    public Guid InstanceId { get; set; }
    public required string WorkflowId { get; set; }
    public int Version { get; set; }
    public required string Metric { get; set; }
    public string? Unit { get; set; }
    /// <summary>Null when the measure could not be evaluated (see <see cref="Error"/>).</summary>
    public double? Value { get; set; }
    public double? Target { get; set; }
    public string? Direction { get; set; }
    /// <summary>Value against target in the direction; null without a target, a known direction or a value.</summary>
    public bool? Met { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>When the instance ended; the time axis of the outcome report.</summary>
    public DateTimeOffset MeasuredAt { get; set; }
}

/// <summary>Directions an outcome can have.</summary>
public static class OutcomeDirections
{
    public const string LowerIsBetter = "lower-is-better";
    public const string HigherIsBetter = "higher-is-better";

    /// <summary>Whether <paramref name="value"/> meets <paramref name="target"/>; null when either is unknown.</summary>
    public static bool? Met(double? value, double? target, string? direction) => (value, target, direction) switch
    {
        ({ } v, { } t, LowerIsBetter) => v <= t,
        ({ } v, { } t, HigherIsBetter) => v >= t,
        _ => null,
    };
}

/// <summary>Evaluates a completed instance's outcome measure and builds the row that commits with it.</summary>
internal static class OutcomeMeasurement
{
    /// <summary>
    /// The measure's scope is the instance's data plus <c>instance.startedAt</c> and <c>instance.endedAt</c> (ISO-8601
    /// UTC), so <c>(timestamp(instance.endedAt) - timestamp(instance.startedAt)) / 3600</c> gives hours.
    /// </summary>
    public static InstanceOutcomeRecord? Measure(InstanceRun run)
    {
        if (run.Workflow.Definition.Outcome is not { Measure: { Length: > 0 } measure } outcome) return null;
        var ended = run.CompletedAt ?? run.Clock.GetUtcNow();
        var record = new InstanceOutcomeRecord
        {
            InstanceId = run.Id,
            WorkflowId = run.WorkflowId,
            Version = run.Version,
            Metric = outcome.Metric,
            Unit = outcome.Unit,
            Target = outcome.Target,
            Direction = outcome.Direction,
            StartedAt = run.CreatedAt,
            MeasuredAt = ended,
        };
        try
        {
            var scope = new ExpressionScope
            {
                Input = run.Input,
                Vars = new JsonObjectView(run.Vars),
                Outputs = new JsonObjectView(run.Outputs),
                Instance = InstanceFacts(run, ended),
                TimeProvider = run.Clock,
            };
            var value = Expressions.Evaluate(measure, scope);
            if (value is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d)) record.Value = d;
            else if (value is JsonValue n && double.TryParse(n.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)) record.Value = parsed;
            else record.Error = $"The measure gave {(value is null ? "null" : value.ToJsonString())}, not a number.";
        }
        catch (ExpressionException e)
        {
            record.Error = e.Message;
        }
        record.Met = OutcomeDirections.Met(record.Value, record.Target, record.Direction);
        return record;
    }

    public static JsonObject InstanceFacts(InstanceRun run, DateTimeOffset? ended) => new()
    {
        ["id"] = run.Id.ToString(),
        ["workflowId"] = run.WorkflowId,
        ["version"] = run.Version,
        ["startedAt"] = run.CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        ["endedAt"] = ended?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
    };

    public static NpgsqlBatchCommand Insert(InstanceOutcomeRecord r)
    {
        var c = new NpgsqlBatchCommand("""
            INSERT INTO instance_outcomes (instance_id, workflow_id, version, metric, unit, value, target, direction, met, error, started_at, measured_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (instance_id) DO NOTHING
            """);
        c.Parameters.Add(InstanceStore.P(r.InstanceId));
        c.Parameters.Add(InstanceStore.P(r.WorkflowId));
        c.Parameters.Add(InstanceStore.P(r.Version));
        c.Parameters.Add(InstanceStore.P(r.Metric));
        c.Parameters.Add(InstanceStore.NullableText(r.Unit));
        c.Parameters.Add(new NpgsqlParameter { Value = (object?)r.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        c.Parameters.Add(new NpgsqlParameter { Value = (object?)r.Target ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        c.Parameters.Add(InstanceStore.NullableText(r.Direction));
        c.Parameters.Add(new NpgsqlParameter { Value = (object?)r.Met ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        c.Parameters.Add(InstanceStore.NullableText(r.Error));
        c.Parameters.Add(InstanceStore.P(r.StartedAt));
        c.Parameters.Add(InstanceStore.P(r.MeasuredAt));
        return c;
    }

    /// <summary>After the commit: the value as a metric point (the row is the record; this is for dashboards).</summary>
    public static void Record(InstanceOutcomeRecord r)
    {
        if (r.Value is not { } value) return;
        var tags = new System.Diagnostics.TagList
        {
            { TelemetryAttributes.WorkflowId, r.WorkflowId }, { TelemetryAttributes.OutcomeMetric, r.Metric }, { TelemetryAttributes.OutcomeUnit, r.Unit ?? "" },
        };
        if (r.Met is { } met) tags.Add(TelemetryAttributes.OutcomeMet, met);
        AgentRuntimeMetrics.OutcomeValue.Record(value, tags);
    }
}

internal sealed class InstanceOutcomeRecordConfiguration : IEntityTypeConfiguration<InstanceOutcomeRecord>
{
    public void Configure(EntityTypeBuilder<InstanceOutcomeRecord> b)
    {
        b.ToTable("instance_outcomes");
        b.HasKey(x => x.InstanceId);
        b.Property(x => x.InstanceId).HasColumnName("instance_id");
        b.Property(x => x.WorkflowId).HasColumnName("workflow_id").HasMaxLength(100);
        b.Property(x => x.Version).HasColumnName("version");
        b.Property(x => x.Metric).HasColumnName("metric").HasMaxLength(200);
        b.Property(x => x.Unit).HasColumnName("unit").HasMaxLength(100);
        b.Property(x => x.Value).HasColumnName("value");
        b.Property(x => x.Target).HasColumnName("target");
        b.Property(x => x.Direction).HasColumnName("direction").HasMaxLength(50);
        b.Property(x => x.Met).HasColumnName("met");
        b.Property(x => x.Error).HasColumnName("error");
        b.Property(x => x.StartedAt).HasColumnName("started_at");
        b.Property(x => x.MeasuredAt).HasColumnName("measured_at");
        // The report reads one workflow's rows over a time range.
        b.HasIndex(x => new { x.WorkflowId, x.MeasuredAt }).HasDatabaseName("ix_instance_outcomes_workflow_time");
    }
}
