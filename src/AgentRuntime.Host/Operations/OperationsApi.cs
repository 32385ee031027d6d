using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Instances;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Operations;

/// <summary>
/// Ops controls over HTTP. Every operation takes a JSON body with a <c>reason</c> (missing or blank: 400 naming
/// <c>reason</c>) and is audited with the caller as actor. Instance operations answer 202: the instance applies them at
/// its next slice. Bulk operations answer 202 with an operation id whose progress and per-instance results are readable.
/// </summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var instances = app.MapGroup("/api/v1/instances").WithTags("Operations").RequireAuthorization(Policies.Operator);
        instances.MapPost("/{id:guid}/pause", (Guid id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.PauseInstanceAsync(id, why, a.Name, ct), ct, accepted: true))
            .WithSummary("Every path of the instance holds before its next step. Body: {reason}.");
        instances.MapPost("/{id:guid}/resume", (Guid id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.ResumeInstanceAsync(id, why, a.Name, ct), ct, accepted: true))
            .WithSummary("Lifts the instance's pause (workflow and agent holds still apply). Body: {reason}.");
        instances.MapPost("/{id:guid}/cancel", (Guid id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.CancelInstanceAsync(id, why, a.Name, ct), ct, accepted: true))
            .WithSummary("Cancels the instance at its next slice, with the reason. Body: {reason}.");
        instances.MapPost("/{id:guid}/retry", (Guid id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.RetryInstanceAsync(id, why, a.Name, ct), ct, accepted: true))
            .WithSummary("Retries every open incident of the instance (node incidents run the node again; compensation incidents resume compensation). Body: {reason}.");
        instances.MapPost("/{id:guid}/compensate", (Guid id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.CompensateInstanceAsync(id, why, a.Name, ct), ct, accepted: false))
            .WithSummary("Runs the compensations of the finished instance's executed actions in reverse order. 200 with each step; 409 with an incident when one fails. Body: {reason}.");
        instances.MapPost("/bulk", SubmitBulkAsync)
            .WithSummary("Body: {filter: {workflow, version, status, agent, createdFrom, createdTo, incidentKind}, operation: cancel|pause|resume|retry|compensate, reason}. 202 with the operation id.");

        var workflows = app.MapGroup("/api/v1/workflows").WithTags("Operations").RequireAuthorization(Policies.Operator);
        workflows.MapPost("/{id}/pause", (string id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.PauseWorkflowAsync(id, why, a.Name, ct), ct, accepted: false))
            .WithSummary("No new starts; running instances hold at their next step. Body: {reason}.");
        workflows.MapPost("/{id}/resume", (string id, HttpRequest r, OperationsService ops, ICurrentActor a, CancellationToken ct) =>
            WithReasonAsync(r, why => ops.ResumeWorkflowAsync(id, why, a.Name, ct), ct, accepted: false))
            .WithSummary("Accepts starts again and releases the held instances. Body: {reason}.");
        workflows.MapPost("/{id}/rollback", RollbackAsync)
            .WithSummary("Body: {toVersion, reason, migrate (default true)}. Publishes a new version equal to toVersion and migrates compatible waiting instances; the others are refused with the reason.");

        var operations = app.MapGroup("/api/v1/operations").WithTags("Operations").RequireAuthorization(Policies.Reader);
        operations.MapGet("/{id:guid}", GetBulkAsync).WithSummary("A bulk operation's progress: total, pending, succeeded, skipped, failed, status.");
        operations.MapGet("/{id:guid}/results", ResultsAsync).WithSummary("Per-instance results, by instance id (?status=&after=&limit=).");
        operations.MapGet("/holds", async (OperationsService ops, CancellationToken ct) => Results.Ok(new { items = await ops.ListWorkflowHoldsAsync(ct) }))
            .WithSummary("Paused workflows with their reasons.");
        return app;
    }

    private static IResult MissingReason() =>
        ProblemResults.Status(StatusCodes.Status400BadRequest, "missing-reason", "A reason is required",
            "Every ops operation needs a reason: send {\"reason\": \"…\"}.",
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["reason"] = ["The reason is required and must not be blank."] } });

    private static async Task<(JsonObject? Body, IResult? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var (node, problem) = await InstancesApi.ReadJsonAsync(request, ct);
        if (problem is not null) return (null, problem);
        if (node is not null and not JsonObject)
            return (null, ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-body", "The body must be a JSON object", "Send {\"reason\": \"…\"}."));
        return ((JsonObject?)node ?? [], null);
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;

    private static async Task<IResult> WithReasonAsync(HttpRequest request, Func<string, Task<OperationResult>> run, CancellationToken ct, bool accepted)
    {
        var (body, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null) return problem;
        if (Text(body!, "reason") is not { } reason) return MissingReason();
        return Answer(await run(reason), accepted);
    }

    internal static IResult Answer(OperationResult result, bool accepted) => result.Outcome switch
    {
        OperationOutcome.Accepted => accepted
            ? Results.Accepted(value: result.Data ?? new JsonObject { ["status"] = "accepted" })
            : Results.Ok(result.Data ?? new JsonObject { ["status"] = "done" }),
        OperationOutcome.NotFound => ProblemResults.Status(StatusCodes.Status404NotFound, "not-found", "Not found", result.Detail ?? ""),
        OperationOutcome.Conflict => ProblemResults.Status(StatusCodes.Status409Conflict, "operation-not-applicable", "Not applicable in the current state", result.Detail ?? ""),
        OperationOutcome.Invalid => ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-operation", "Invalid operation", result.Detail ?? ""),
        _ => ProblemResults.Status(StatusCodes.Status409Conflict, "operation-failed", "The operation failed", result.Detail ?? "",
            new Dictionary<string, object?> { ["result"] = result.Data }),
    };

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static async Task<IResult> SubmitBulkAsync(HttpRequest request, BulkOperations bulk, ICurrentActor actor, CancellationToken ct)
    {
        var (body, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null) return problem;
        if (Text(body!, "reason") is not { } reason) return MissingReason();
        var operation = Text(body!, "operation");
        if (operation is null || !BulkOperationKinds.All.Contains(operation))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-operation", "Unknown operation",
                $"operation must be one of: {string.Join(", ", BulkOperationKinds.All)}.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["operation"] = ["Unknown or missing operation."] } });
        BulkFilter? filter;
        try
        {
            filter = body!["filter"] is JsonObject f ? f.Deserialize<BulkFilter>(Web) : null;
        }
        catch (JsonException e)
        {
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-filter", "The filter is not valid", e.Message,
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["filter"] = [e.Message] } });
        }
        if (filter is null)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-filter", "A filter is required", "Send filter: {workflow, version, status, agent, createdFrom, createdTo, incidentKind}.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["filter"] = ["The filter is required."] } });
        var result = await bulk.SubmitAsync(filter, operation, reason, actor.Name, ct);
        if (result.Outcome != OperationOutcome.Accepted) return Answer(result, accepted: true);
        var id = result.Data!["id"]!.GetValue<string>();
        return Results.Accepted($"/api/v1/operations/{id}", result.Data);
    }

    private static async Task<IResult> RollbackAsync(string id, HttpRequest request, DefinitionRollback rollback, ICurrentActor actor, CancellationToken ct)
    {
        var (body, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null) return problem;
        if (Text(body!, "reason") is not { } reason) return MissingReason();
        if (body!["toVersion"] is not JsonValue tv || !tv.TryGetValue<int>(out var toVersion) || toVersion < 1)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-version", "toVersion is required", "Send {\"toVersion\": N, \"reason\": \"…\"} with N ≥ 1.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["toVersion"] = ["A positive version number is required."] } });
        var migrate = body["migrate"] is not JsonValue m || !m.TryGetValue<bool>(out var b) || b;
        return Answer(await rollback.RollbackAsync(id, toVersion, reason, actor.Name, migrate, ct), accepted: false);
    }

    private static async Task<IResult> GetBulkAsync(Guid id, BulkOperations bulk, CancellationToken ct)
    {
        var view = await bulk.GetAsync(id, ct);
        if (view is null) return ProblemResults.NotFound("Operation", id.ToString());
        return Results.Ok(new
        {
            id = view.Id,
            operation = view.Operation,
            filter = view.Filter,
            reason = view.Reason,
            requestedBy = view.RequestedBy,
            status = view.Status,
            total = view.Total,
            processed = view.Processed,
            pending = view.Pending,
            succeeded = view.Succeeded,
            skipped = view.Skipped,
            failed = view.Failed,
            createdAt = view.CreatedAt,
            completedAt = view.CompletedAt,
        });
    }

    private static readonly string[] ItemStatuses = ["pending", "succeeded", "skipped", "failed"];

    private static async Task<IResult> ResultsAsync(Guid id, string? status, Guid? after, int? limit, BulkOperations bulk, CancellationToken ct)
    {
        if (status is not null && !ItemStatuses.Contains(status))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Unknown status", $"status must be one of: {string.Join(", ", ItemStatuses)}.");
        if (limit is < 1 or > 1000)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid limit", "limit must be between 1 and 1000.");
        if (await bulk.GetAsync(id, ct) is null) return ProblemResults.NotFound("Operation", id.ToString());
        var items = await bulk.ResultsAsync(id, status, after, limit ?? 100, ct);
        return Results.Ok(new { items, nextAfter = items.Count == (limit ?? 100) ? items[^1].InstanceId : (Guid?)null });
    }
}
