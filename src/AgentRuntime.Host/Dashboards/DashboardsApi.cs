using AgentRuntime.Engine.Dashboards;
using AgentRuntime.Engine.Outcomes;
using AgentRuntime.Engine.Persistence;
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
        if (ReportWindow.TryRead(from, to, bucket ?? "day", TimeSpan.FromDays(7), clock, out var window) is { } invalid) return invalid;
        if (await ReportedWorkflow.LoadAsync(db, id, ct) is not { } reported) return ProblemResults.NotFound("Workflow", id);
        var (workflow, version, outcome) = (reported.Workflow, reported.Version, reported.Outcome);

        var connection = db.Database.GetDbConnection();
        var report = await DashboardReports.QueryAsync(connection, id, window.Start, window.End, window.Bucket, ct);
        var outcomes = await OutcomeReports.QueryAsync(connection, id, outcome?.Metric, outcome?.Unit, outcome?.Target, outcome?.Direction, window.Start, window.End, window.Bucket, ct);
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
}
