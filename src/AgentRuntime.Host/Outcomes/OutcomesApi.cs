using AgentRuntime.Engine.Outcomes;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Host.Problems;
using Microsoft.EntityFrameworkCore;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Outcomes;

/// <summary>
/// A workflow's business outcome, target against actual over time: each completed instance's value of the definition's
/// <c>outcome.measure</c> (stored as it completes, see <c>instance_outcomes</c>), aggregated per bucket.
/// </summary>
public static class OutcomesApi
{
    public static IEndpointRouteBuilder MapOutcomesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/workflows/{id}/outcomes", GetAsync).WithTags("Outcomes").WithName("GetWorkflowOutcomes").RequireAuthorization(Policies.Reader)
            .WithSummary("Target vs actual of the workflow's outcome metric. Query: from, to (ISO-8601, default the last 30 days), bucket (hour|day|week|month, default day). " +
                         "Per bucket: count, mean, p50, p90, min, max, target, metRatio (share meeting the target in its direction).");
        return app;
    }

    private static async Task<IResult> GetAsync(string id, string? from, string? to, string? bucket, AgentRuntimeDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (ReportWindow.TryRead(from, to, bucket ?? "day", TimeSpan.FromDays(30), clock, out var window) is { } invalid) return invalid;
        if (await ReportedWorkflow.LoadAsync(db, id, ct) is not { } reported) return ProblemResults.NotFound("Workflow", id);
        var (version, outcome) = (reported.Version, reported.Outcome);

        var report = await OutcomeReports.QueryAsync(db.Database.GetDbConnection(), id, outcome?.Metric, outcome?.Unit, outcome?.Target,
            outcome?.Direction, window.Start, window.End, window.Bucket, ct);
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
}
