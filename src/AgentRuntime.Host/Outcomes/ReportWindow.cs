using System.Globalization;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Outcomes;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Workflows;
using AgentRuntime.Host.Problems;
using Microsoft.EntityFrameworkCore;

namespace AgentRuntime.Host.Outcomes;

/// <summary>
/// The time window of a report endpoint (outcomes, dashboard, telemetry evidence): <c>from</c> and <c>to</c> as ISO-8601
/// dates or date-times (UTC when no offset), <c>to</c> defaulting to now and <c>from</c> to a span before it, and
/// optionally a <c>bucket</c>. Every refusal is a 400 naming the parameter, so the reports answer bad input alike.
/// </summary>
internal readonly record struct ReportWindow(DateTimeOffset Start, DateTimeOffset End, string Bucket)
{
    /// <summary>Most buckets one report returns; a wider window needs a coarser bucket.</summary>
    public const int MaxBuckets = 1000;

    /// <summary>Reads the window; null and <paramref name="window"/> set, or the 400 problem to answer.</summary>
    public static IResult? TryRead(string? from, string? to, TimeSpan defaultSpan, TimeProvider clock, out ReportWindow window) =>
        TryRead(from, to, null, defaultSpan, clock, out window);

    /// <summary>As <see cref="TryRead(string?, string?, TimeSpan, TimeProvider, out ReportWindow)"/>, with a bucket (default <c>day</c>) checked too.</summary>
    public static IResult? TryRead(string? from, string? to, string? bucket, TimeSpan defaultSpan, TimeProvider clock, out ReportWindow window)
    {
        window = default;
        var withBucket = bucket is not null;
        bucket ??= "day";
        if (withBucket && !OutcomeBuckets.All.Contains(bucket))
            return ProblemResults.InvalidParameter("bucket", $"bucket must be one of {string.Join(", ", OutcomeBuckets.All)}; got '{bucket}'.");
        DateTimeOffset? fromTime = null, toTime = null;
        if (from is not null)
        {
            if (!TryParseTime(from, out var f))
                return ProblemResults.InvalidParameter("from", $"from must be an ISO-8601 date or date-time (e.g. 2026-01-05 or 2026-01-05T09:00:00Z); got '{from}'.");
            fromTime = f;
        }
        if (to is not null)
        {
            if (!TryParseTime(to, out var t))
                return ProblemResults.InvalidParameter("to", $"to must be an ISO-8601 date or date-time (e.g. 2026-02-01 or 2026-02-01T00:00:00Z); got '{to}'.");
            toTime = t;
        }
        var end = toTime ?? clock.GetUtcNow();
        var start = fromTime ?? end - defaultSpan;
        if (start >= end) return ProblemResults.InvalidParameter("from", $"from ({start:O}) must be before to ({end:O}).");
        if (withBucket && OutcomeBuckets.Count(start, end, bucket) > MaxBuckets)
            return ProblemResults.InvalidParameter("bucket", $"The window from {start:O} to {end:O} holds more than {MaxBuckets} {bucket} buckets; choose a coarser bucket or a shorter window.");
        window = new ReportWindow(start, end, bucket);
        return null;
    }

    /// <summary>ISO-8601 date or date-time; without an offset, UTC.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset value)
    {
        string[] formats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mmK",
            "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];
        return DateTimeOffset.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}

/// <summary>A workflow as its reports see it: the published version (or the latest draft when none is) and its outcome.</summary>
internal sealed record ReportedWorkflow(WorkflowRecord Workflow, int Version, OutcomeSpec? Outcome)
{
    /// <summary>Null when there is no such workflow.</summary>
    public static async Task<ReportedWorkflow?> LoadAsync(AgentRuntimeDbContext db, string id, CancellationToken ct)
    {
        var workflow = await db.Set<WorkflowRecord>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        if (workflow is null) return null;
        var version = workflow.PublishedVersion ?? workflow.LatestVersion;
        var json = await db.Set<WorkflowVersionRecord>().AsNoTracking()
            .Where(v => v.WorkflowId == id && v.Version == version).Select(v => v.CanonicalJson).FirstOrDefaultAsync(ct);
        return new ReportedWorkflow(workflow, version, json is null ? null : DefinitionDocument.FromCanonicalJson(json).Outcome);
    }
}
