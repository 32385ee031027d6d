using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Outcomes;

/// <summary>Bucket sizes of an outcome report (UTC; weeks start on Monday, as PostgreSQL's <c>date_trunc</c>).</summary>
public static class OutcomeBuckets
{
    public static readonly IReadOnlyList<string> All = ["hour", "day", "week", "month"];

    public static DateTimeOffset Truncate(DateTimeOffset t, string bucket)
    {
        var u = t.ToUniversalTime();
        return bucket switch
        {
            "hour" => new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, 0, 0, TimeSpan.Zero),
            "day" => new DateTimeOffset(u.Year, u.Month, u.Day, 0, 0, 0, TimeSpan.Zero),
            "week" => new DateTimeOffset(u.Year, u.Month, u.Day, 0, 0, 0, TimeSpan.Zero).AddDays(-(((int)u.DayOfWeek + 6) % 7)),
            "month" => new DateTimeOffset(u.Year, u.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "hour, day, week or month"),
        };
    }

    public static DateTimeOffset Next(DateTimeOffset start, string bucket) => bucket switch
    {
        "hour" => start.AddHours(1),
        "day" => start.AddDays(1),
        "week" => start.AddDays(7),
        "month" => start.AddMonths(1),
        _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "hour, day, week or month"),
    };

    /// <summary>How many buckets cover [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static long Count(DateTimeOffset from, DateTimeOffset to, string bucket)
    {
        var first = Truncate(from, bucket);
        var approx = bucket switch { "hour" => (to - first).TotalHours, "day" => (to - first).TotalDays, "week" => (to - first).TotalDays / 7, _ => (to - first).TotalDays / 28 };
        return (long)Math.Ceiling(approx);
    }
}

/// <summary>Statistics of the outcome values in one bucket (or the whole window).</summary>
/// <param name="Count">Instances with a value.</param>
/// <param name="Target">The target that applied (the latest measured version's in the bucket; else the workflow's current one).</param>
/// <param name="MetRatio">Share of instances that met their version's target in its direction; null when none could be judged.</param>
/// <param name="Errors">Completed instances whose measure could not be evaluated.</param>
public sealed record OutcomeStats(DateTimeOffset? Start, DateTimeOffset? End, long Count, double? Mean, double? P50, double? P90,
    double? Min, double? Max, double? Target, double? MetRatio, long Errors);

/// <summary>Target against actual over time for one workflow's outcome.</summary>
public sealed record OutcomeReport(string WorkflowId, string? Metric, string? Unit, double? Target, string? Direction,
    DateTimeOffset From, DateTimeOffset To, string Bucket, OutcomeStats Summary, IReadOnlyList<OutcomeStats> Buckets);

public static class OutcomeReports
{
    /// <summary>
    /// Aggregates <c>instance_outcomes</c> of <paramref name="workflowId"/> measured in [<paramref name="from"/>,
    /// <paramref name="to"/>) per bucket, in one round trip (grouping sets give the buckets and the total together).
    /// Every bucket of the window is returned, empty ones with count 0, so a chart has no gaps.
    /// </summary>
    public static async Task<OutcomeReport> QueryAsync(DbConnection connection, string workflowId, string? metric, string? unit, double? target,
        string? direction, DateTimeOffset from, DateTimeOffset to, string bucket, CancellationToken ct = default)
    {
        if (!OutcomeBuckets.All.Contains(bucket)) throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "hour, day, week or month");
        if (connection is not NpgsqlConnection conn) throw new ArgumentException("A PostgreSQL connection is required.", nameof(connection));
        var opened = conn.State != System.Data.ConnectionState.Open;
        if (opened) await conn.OpenAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT b, GROUPING(b), count(value), avg(value),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY value), percentile_cont(0.9) WITHIN GROUP (ORDER BY value),
                       min(value), max(value), count(*) FILTER (WHERE met), count(met),
                       (array_agg(target ORDER BY measured_at DESC) FILTER (WHERE target IS NOT NULL))[1],
                       count(error)
                  FROM (SELECT date_trunc($4, measured_at, 'UTC') AS b, value, met, target, measured_at, error
                          FROM instance_outcomes
                         WHERE workflow_id = $1 AND measured_at >= $2 AND measured_at < $3
                           AND ($5::text IS NULL OR metric = $5)) x
                 GROUP BY GROUPING SETS ((b), ())
                """, conn);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workflowId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bucket });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)metric ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });

            var byStart = new Dictionary<DateTimeOffset, OutcomeStats>();
            OutcomeStats? total = null;
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    var isTotal = r.GetInt32(1) == 1;
                    DateTimeOffset? start = isTotal ? null : r.GetFieldValue<DateTimeOffset>(0);
                    var judged = r.GetInt64(9);
                    var stats = new OutcomeStats(start, start is { } s ? OutcomeBuckets.Next(s, bucket) : null,
                        r.GetInt64(2), D(r, 3), D(r, 4), D(r, 5), D(r, 6), D(r, 7), D(r, 10) ?? target,
                        judged == 0 ? null : (double)r.GetInt64(8) / judged, r.GetInt64(11));
                    if (isTotal) total = stats;
                    else byStart[start!.Value] = stats;
                }
            }

            var buckets = new List<OutcomeStats>();
            for (var s = OutcomeBuckets.Truncate(from, bucket); s < to; s = OutcomeBuckets.Next(s, bucket))
            {
                buckets.Add(byStart.TryGetValue(s, out var stats)
                    ? stats
                    : new OutcomeStats(s, OutcomeBuckets.Next(s, bucket), 0, null, null, null, null, null, target, null, 0));
            }
            total = (total ?? new OutcomeStats(null, null, 0, null, null, null, null, null, target, null, 0)) with { Start = from, End = to, Target = target ?? total?.Target };
            return new OutcomeReport(workflowId, metric, unit, target, direction, from, to, bucket, total, buckets);
        }
        finally
        {
            if (opened) await conn.CloseAsync();
        }
    }

    private static double? D(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
}
