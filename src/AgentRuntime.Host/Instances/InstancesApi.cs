using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Host.Problems;

namespace AgentRuntime.Host.Instances;

/// <summary>
/// Workflow instances: start (on the published version), read (status, what it waits on, variables, journal), list,
/// signal. Errors are RFC 9457 problem details; bad input is a 4xx, never a 500.
/// </summary>
public static class InstancesApi
{
    public static IEndpointRouteBuilder MapInstancesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/workflows/{id}/instances", StartAsync).WithTags("Instances")
            .WithSummary("Starts an instance on the workflow's published version. Body: the input JSON. ?mode=inline runs its first slice before answering.");
        app.MapGet("/api/v1/instances/{id:guid}", GetAsync).WithTags("Instances");
        app.MapGet("/api/v1/instances", ListAsync).WithTags("Instances");
        app.MapPost("/api/v1/instances/{id:guid}/signals/{name}", SignalAsync).WithTags("Instances")
            .WithSummary("Delivers a named signal (body: optional JSON payload). A wait on that name resumes; an early signal is buffered.");
        return app;
    }

    private static async Task<IResult> StartAsync(string id, HttpRequest request, WorkflowEngine engine, Identity.ICurrentActor actor, string? mode, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync(request, ct);
        if (problem is not null) return problem;
        if (mode is not null and not "inline" and not "queued")
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid mode", "mode must be 'inline' or 'queued'.");
        try
        {
            var started = await engine.StartAsync(id, input, new StartOptions { RunInline = mode == "inline", StartedBy = actor.IsAuthenticated ? actor.Name : null }, ct);
            return Results.Created($"/api/v1/instances/{started.InstanceId}", new
            {
                id = started.InstanceId,
                workflowId = started.WorkflowId,
                version = started.Version,
                status = started.Status,
            });
        }
        catch (InputValidationException e)
        {
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-input", "The input does not match the workflow's input fields",
                string.Join("; ", e.Errors.Select(x => $"{x.Field}: {x.Message}")),
                new Dictionary<string, object?>
                {
                    ["errors"] = e.Errors.GroupBy(x => x.Field).ToDictionary(g => g.Key, g => g.Select(x => x.Message).ToArray()),
                });
        }
        catch (WorkflowNotFoundException)
        {
            return ProblemResults.NotFound("Workflow", id);
        }
        catch (WorkflowNotStartableException e)
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "not-startable", "The workflow cannot start instances", e.Message);
        }
    }

    private static async Task<IResult> GetAsync(Guid id, WorkflowEngine engine, int? journalLimit, CancellationToken ct)
    {
        var details = await engine.GetInstanceAsync(id, Math.Clamp(journalLimit ?? 1000, 1, 10_000), ct);
        if (details is null) return ProblemResults.NotFound("Instance", id.ToString());
        var i = details.Instance;
        return Results.Ok(new
        {
            id = i.Id,
            workflowId = i.WorkflowId,
            version = i.Version,
            status = i.Status,
            waitingOn = i.WaitingOn,
            holdReason = i.HoldReason,
            error = i.Error,
            createdAt = i.CreatedAt,
            updatedAt = i.UpdatedAt,
            completedAt = i.CompletedAt,
            startedBy = i.StartedBy,
            input = details.Input,
            variables = details.Variables,
            outputs = details.Outputs,
            output = details.Output,
            incidents = details.Incidents,
            journal = details.Journal,
        });
    }

    private static async Task<IResult> ListAsync(WorkflowEngine engine, string? workflow, string? status, int? limit, string? cursor, CancellationToken ct)
    {
        if (status is not null && !InstanceStatus.All.Contains(status))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Unknown status",
                $"status must be one of: {string.Join(", ", InstanceStatus.All)}.");
        if (limit is < 1 or > 500)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid limit", "limit must be between 1 and 500.");
        try
        {
            var page = await engine.ListInstancesAsync(workflow, status, limit ?? 50, cursor, ct);
            return Results.Ok(new { items = page.Items, nextCursor = page.NextCursor });
        }
        catch (FormatException e)
        {
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid cursor", e.Message);
        }
    }

    private static async Task<IResult> SignalAsync(Guid id, string name, HttpRequest request, WorkflowEngine engine, CancellationToken ct)
    {
        var (payload, problem) = await ReadJsonAsync(request, ct);
        if (problem is not null) return problem;
        return await engine.SignalAsync(id, name, payload, ct) switch
        {
            SignalOutcome.Accepted => Results.Accepted($"/api/v1/instances/{id}", new { instanceId = id, signal = name, status = "accepted" }),
            SignalOutcome.Finished => ProblemResults.Status(StatusCodes.Status409Conflict, "instance-finished", "The instance has finished",
                $"Instance {id} has completed, failed or been cancelled; it takes no more signals."),
            _ => ProblemResults.NotFound("Instance", id.ToString()),
        };
    }

    /// <summary>Reads an optional JSON body; malformed JSON is a 400 naming the position.</summary>
    internal static async Task<(JsonNode? Value, IResult? Problem)> ReadJsonAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0) return (null, null);
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text)) return (null, null);
        try
        {
            return (JsonNode.Parse(text), null);
        }
        catch (JsonException e)
        {
            return (null, ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-json", "The body is not valid JSON", e.Message));
        }
    }
}
