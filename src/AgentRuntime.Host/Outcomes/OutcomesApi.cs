using System.Globalization;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Engine.Outcomes;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Workflows;
using AgentRuntime.Host.Problems;
using Microsoft.EntityFrameworkCore;

namespace AgentRuntime.Host.Outcomes;

/// <summary>
/// A workflow's business outcome, target against actual over time: each completed instance's value of the definition's
/// <c>outcome.measure</c> (stored as it completes, see <c>instance_outcomes</c>), aggregated per bucket.
/// </summary>
public static class OutcomesApi
{
    /// <summary>Most buckets one report returns; a wider window needs a coarser bucket.</summary>
    public const int MaxBuckets = 1000;

    public static IEndpointRouteBuilder MapOutcomesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/workflows/{id}/outcomes", GetAsync).WithTags("Outcomes").WithName("GetWorkflowOutcomes")
            .WithSummary("Target vs actual of the workflow's outcome metric. Query: from, to (ISO-8601, default the last 30 days), bucket (hour|day|week|month, default day). " +
                         "Per bucket: count, mean, p50, p90, min, max, target, metRatio (share meeting the target in its direction).");
        return app;
    }

    private static async Task<IResult> GetAsync(string id, string? from, string? to, string? bucket, AgentRuntimeDbContext db, TimeProvider clock, CancellationToken ct)
    {
        bucket ??= "day";
        if (!OutcomeBuckets.All.Contains(bucket))
            return Invalid("bucket", $"bucket must be one of {string.Join(", ", OutcomeBuckets.All)}; got '{bucket}'.");
        DateTimeOffset? fromTime = null, toTime = null;
        if (from is not null)
        {
            if (!TryParseTime(from, out var f)) return Invalid("from", $"from must be an ISO-8601 date or date-time (e.g. 2026-01-05 or 2026-01-05T09:00:00Z); got '{from}'.");
            fromTime = f;
        }
        if (to is not null)
        {
            if (!TryParseTime(to, out var t)) return Invalid("to", $"to must be an ISO-8601 date or date-time (e.g. 2026-02-01 or 2026-02-01T00:00:00Z); got '{to}'.");
            toTime = t;
        }
        var end = toTime ?? clock.GetUtcNow();
        var start = fromTime ?? end.AddDays(-30);
        if (start >= end) return Invalid("from", $"from ({start:O}) must be before to ({end:O}).");
        if (OutcomeBuckets.Count(start, end, bucket) > MaxBuckets)
            return Invalid("bucket", $"The window from {start:O} to {end:O} holds more than {MaxBuckets} {bucket} buckets; choose a coarser bucket or a shorter window.");

        var workflow = await db.Set<WorkflowRecord>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        if (workflow is null) return ProblemResults.NotFound("Workflow", id);
        var version = workflow.PublishedVersion ?? workflow.LatestVersion;
        var json = await db.Set<WorkflowVersionRecord>().AsNoTracking()
            .Where(v => v.WorkflowId == id && v.Version == version).Select(v => v.CanonicalJson).FirstOrDefaultAsync(ct);
        var outcome = json is null ? null : DefinitionDocument.FromCanonicalJson(json).Outcome;

        var report = await OutcomeReports.QueryAsync(db.Database.GetDbConnection(), id, outcome?.Metric, outcome?.Unit, outcome?.Target,
            outcome?.Direction, start, end, bucket, ct);
        return Results.Ok(new
        {
            workflowId = id,
            version,
            outcome = outcome is null ? null : new
            {
                metric = outcome.Metric,
                unit = outcome.Unit,
                target = outcome.Target,
                direction = outcome.Direction,
                description = outcome.Description,
                measure = outcome.Measure,
            },
            from = report.From,
            to = report.To,
            bucket = report.Bucket,
            summary = report.Summary,
            buckets = report.Buckets,
        });
    }

    private static IResult Invalid(string parameter, string detail) =>
        ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", $"Invalid query parameter '{parameter}'", detail,
            new Dictionary<string, object?> { ["parameter"] = parameter, ["errors"] = new Dictionary<string, string[]> { [parameter] = [detail] } });

    /// <summary>ISO-8601 date or date-time; without an offset, UTC.</summary>
    internal static bool TryParseTime(string text, out DateTimeOffset value)
    {
        string[] formats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mmK",
            "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];
        return DateTimeOffset.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
