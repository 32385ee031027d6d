using AgentRuntime.Definitions.Loading;
using AgentRuntime.Engine.Dashboards;
using AgentRuntime.Engine.Outcomes;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Workflows;
using AgentRuntime.Host.Outcomes;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;
using Microsoft.EntityFrameworkCore;

namespace AgentRuntime.Host.Dashboards;

/// <summary>
/// A workflow's dashboard: per time bucket, throughput, cycle time, approval latency, edit/override rate of agent drafts,
/// shadow agreement, audit pass rate, agent cost, and the business outcome against its target. What the Studio's
/// dashboard page charts; everything is read from the engine's tables, so it needs no telemetry backend.
/// </summary>
public static class DashboardsApi
{
    public static IEndpointRouteBuilder MapDashboardsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/workflows/{id}/dashboard", GetAsync).WithTags("Dashboards").WithName("GetWorkflowDashboard").RequireAuthorization(Policies.Reader)
            .WithSummary("Time series of a workflow's operations. Query: from, to (ISO-8601, default the last 7 days), bucket (hour|day|week|month, default day). " +
                         "Per bucket: started, completed, failed, cancelled, cycle time p50/p90, approval latency p50/p90, draft edit and override rates, " +
                         "shadow agreement, audit pass rate, agent calls and cost; plus the outcome report (target vs actual). Rates are null where nothing was measured.");
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
            if (!OutcomesApi.TryParseTime(from, out var f)) return Invalid("from", $"from must be an ISO-8601 date or date-time (e.g. 2026-01-05 or 2026-01-05T09:00:00Z); got '{from}'.");
            fromTime = f;
        }
        if (to is not null)
        {
            if (!OutcomesApi.TryParseTime(to, out var t)) return Invalid("to", $"to must be an ISO-8601 date or date-time (e.g. 2026-02-01 or 2026-02-01T00:00:00Z); got '{to}'.");
            toTime = t;
        }
        var end = toTime ?? clock.GetUtcNow();
        var start = fromTime ?? end.AddDays(-7);
        if (start >= end) return Invalid("from", $"from ({start:O}) must be before to ({end:O}).");
        if (OutcomeBuckets.Count(start, end, bucket) > OutcomesApi.MaxBuckets)
            return Invalid("bucket", $"The window from {start:O} to {end:O} holds more than {OutcomesApi.MaxBuckets} {bucket} buckets; choose a coarser bucket or a shorter window.");

        var workflow = await db.Set<WorkflowRecord>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        if (workflow is null) return ProblemResults.NotFound("Workflow", id);
        var version = workflow.PublishedVersion ?? workflow.LatestVersion;
        var json = await db.Set<WorkflowVersionRecord>().AsNoTracking()
            .Where(v => v.WorkflowId == id && v.Version == version).Select(v => v.CanonicalJson).FirstOrDefaultAsync(ct);
        var outcome = json is null ? null : DefinitionDocument.FromCanonicalJson(json).Outcome;

        var connection = db.Database.GetDbConnection();
        var report = await DashboardReports.QueryAsync(connection, id, start, end, bucket, ct);
        var outcomes = await OutcomeReports.QueryAsync(connection, id, outcome?.Metric, outcome?.Unit, outcome?.Target, outcome?.Direction, start, end, bucket, ct);
        return Results.Ok(new
        {
            workflowId = id,
            name = workflow.Name,
            version,
            from = report.From,
            to = report.To,
            bucket = report.Bucket,
            summary = report.Summary,
            buckets = report.Buckets,
            outcome = outcome is null ? null : new
            {
                metric = outcome.Metric,
                unit = outcome.Unit,
                target = outcome.Target,
                direction = outcome.Direction,
                description = outcome.Description,
                summary = outcomes.Summary,
                buckets = outcomes.Buckets,
            },
        });
    }

    private static IResult Invalid(string parameter, string detail) =>
        ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", $"Invalid query parameter '{parameter}'", detail,
            new Dictionary<string, object?> { ["parameter"] = parameter, ["errors"] = new Dictionary<string, string[]> { [parameter] = [detail] } });
}
