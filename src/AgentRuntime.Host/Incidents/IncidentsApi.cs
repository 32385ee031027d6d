using AgentRuntime.Engine.Incidents;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Instances;
using AgentRuntime.Host.Operations;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Incidents;

/// <summary>
/// The exception queue: failures with no error port to follow. An ops lead retries the node, skips it to a named
/// port, or cancels the instance. Each resolution is applied exactly once by the instance's next slice (202 Accepted).
/// </summary>
public static class IncidentsApi
{
    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/incidents", ListAsync).WithTags("Incidents").RequireAuthorization(Policies.Reader).WithSummary("Incidents, newest first (?status=open for the queue).");
        app.MapGet("/api/v1/incidents/{id:guid}", GetAsync).WithTags("Incidents").RequireAuthorization(Policies.Reader);
        app.MapPost("/api/v1/incidents/{id:guid}/retry", RetryAsync).WithTags("Incidents").RequireAuthorization(Policies.Operator)
            .WithSummary("Runs the failed node again (202, applied by the instance's next slice); a compensation incident re-runs the instance's remaining compensations now (200 resolved, or 409 with the incident open again). Optional body {\"reason\": …}.");
        app.MapPost("/api/v1/incidents/{id:guid}/skip", SkipAsync).WithTags("Incidents").RequireAuthorization(Policies.Operator)
            .WithSummary("Continues the path along a named port without running the node again. Port: ?port= or body {\"port\": …}.");
        app.MapPost("/api/v1/incidents/{id:guid}/cancel", (Guid id, WorkflowEngine engine, CancellationToken ct) =>
            Answer(id, engine.CancelIncidentAsync(id, ct))).WithTags("Incidents").RequireAuthorization(Policies.Operator);
        return app;
    }

    private static readonly string[] Statuses = [IncidentStatus.Open, IncidentStatus.Resolving, IncidentStatus.Resolved, IncidentStatus.Cancelled];

    private static async Task<IResult> ListAsync(WorkflowEngine engine, string? status, string? workflow, Guid? instance, int? limit, string? cursor, CancellationToken ct)
    {
        if (status is not null && !Statuses.Contains(status))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Unknown status", $"status must be one of: {string.Join(", ", Statuses)}.");
        if (limit is < 1 or > 500)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid limit", "limit must be between 1 and 500.");
        try
        {
            var page = await engine.ListIncidentsAsync(status, workflow, instance, limit ?? 50, cursor, ct);
            return Results.Ok(new { items = page.Items, nextCursor = page.NextCursor });
        }
        catch (FormatException e)
        {
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid cursor", e.Message);
        }
    }

    private static async Task<IResult> GetAsync(Guid id, WorkflowEngine engine, CancellationToken ct) =>
        await engine.GetIncidentAsync(id, ct) is { } incident ? Results.Ok(incident) : ProblemResults.NotFound("Incident", id.ToString());

    private static async Task<IResult> RetryAsync(Guid id, HttpRequest request, WorkflowEngine engine, OperationsService ops, ICurrentActor actor, CancellationToken ct)
    {
        // A compensation incident belongs to a finished instance: no slice will ever pick up a retry message, so the
        // compensation is re-run here, synchronously, and the answer says whether it is resolved.
        if (await engine.GetIncidentAsync(id, ct) is { ActivityType: CompensationRunner.ActivityType })
        {
            var (body, problem) = await InstancesApi.ReadJsonAsync(request, ct);
            if (problem is not null) return problem;
            var reason = body?["reason"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var r) && !string.IsNullOrWhiteSpace(r) ? r : $"retry of incident {id}";
            return OperationsApi.Answer(await ops.RetryCompensationIncidentAsync(id, reason, actor.Name, ct), accepted: false);
        }
        return await Answer(id, engine.RetryIncidentAsync(id, ct));
    }

    private static async Task<IResult> SkipAsync(Guid id, string? port, HttpRequest request, WorkflowEngine engine, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(port))
        {
            var (body, problem) = await InstancesApi.ReadJsonAsync(request, ct);
            if (problem is not null) return problem;
            port = body?["port"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var p) ? p : null;
        }
        if (string.IsNullOrWhiteSpace(port))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "missing-port", "Which port?", "Name the port to skip to: ?port=done or {\"port\": \"done\"}.");
        return await Answer(id, engine.SkipIncidentAsync(id, port, ct));
    }

    private static async Task<IResult> Answer(Guid id, Task<IncidentActionResult> action)
    {
        var result = await action;
        return result.Outcome switch
        {
            IncidentActionOutcome.Accepted => Results.Accepted($"/api/v1/incidents/{id}", new { incidentId = id, status = IncidentStatus.Resolving }),
            IncidentActionOutcome.NotOpen => ProblemResults.Status(StatusCodes.Status409Conflict, "incident-not-open", "The incident is not open", result.Detail ?? ""),
            IncidentActionOutcome.InvalidPort => ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-port", "No such connected port", result.Detail ?? ""),
            _ => ProblemResults.NotFound("Incident", id.ToString()),
        };
    }
}
