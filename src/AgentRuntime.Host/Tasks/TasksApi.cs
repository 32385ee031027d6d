using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Instances;
using AgentRuntime.Host.Problems;

namespace AgentRuntime.Host.Tasks;

/// <summary>
/// Human tasks (the inbox): list (<c>assignee=me</c>: tasks the acting user may act on), read, claim, release, reassign,
/// complete. Every change carries <c>expectedRevision</c> (a stale one is a 409 and changes nothing) and <c>operationId</c> (a
/// repeat is answered with the first result). The acting user is <see cref="ICurrentActor"/>; their roles count as groups.
/// Refusals are RFC 9457 problem details: 400 (naming the field), 401, 403 (with the reason), 404, 409.
/// </summary>
public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/v1/tasks").WithTags("Tasks");
        tasks.MapGet("", ListAsync).WithSummary("Tasks, most urgent first. assignee=me: assigned to me or my roles/groups and not excluded; state: comma-separated states.");
        tasks.MapGet("/{id:guid}", GetAsync);
        tasks.MapGet("/{id:guid}/history", HistoryAsync);
        tasks.MapPost("/{id:guid}/claim", ClaimAsync).WithSummary("Body: {expectedRevision, operationId}.");
        tasks.MapPost("/{id:guid}/release", ReleaseAsync).WithSummary("Body: {expectedRevision, operationId}.");
        tasks.MapPost("/{id:guid}/reassign", ReassignAsync).WithSummary("Body: {expectedRevision, operationId, assignee?, role?, reason?}.");
        tasks.MapPost("/{id:guid}/complete", CompleteAsync)
            .WithSummary("Body: {expectedRevision, operationId, outcome: approved|rejected|changes-requested, payload?, comment?}. payload replaces the data under review.");
        return app;
    }

    private static async Task<IResult> ListAsync(HumanTaskService service, ICurrentActor actor, string? assignee, string? state, Guid? instanceId, int? limit, CancellationToken ct)
    {
        var states = state?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (states?.FirstOrDefault(s => !HumanTaskStates.All.Contains(s)) is { } unknown)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Unknown state",
                $"state '{unknown}' is not one of: {string.Join(", ", HumanTaskStates.All)}.");
        if (limit is < 1 or > 500)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid limit", "limit must be between 1 and 500.");
        TaskActor? forActor = null;
        if (assignee is not null)
        {
            if (assignee != "me")
                return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid assignee", "assignee supports only 'me' (the acting user).");
            if (ActorOf(actor) is not { } me) return Unauthenticated();
            forActor = me;
        }
        var items = await service.ListAsync(new HumanTaskQuery(forActor, states, instanceId, Limit: limit ?? 100), ct);
        return Results.Ok(new { items });
    }

    private static async Task<IResult> GetAsync(Guid id, HumanTaskService service, CancellationToken ct) =>
        await service.GetAsync(id, ct) is { } task ? Results.Ok(task) : ProblemResults.NotFound("Task", id.ToString());

    private static async Task<IResult> HistoryAsync(Guid id, HumanTaskService service, CancellationToken ct)
    {
        if (await service.GetAsync(id, ct) is null) return ProblemResults.NotFound("Task", id.ToString());
        return Results.Ok(new { items = await service.GetHistoryAsync(id, ct) });
    }

    private static Task<IResult> ClaimAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, CancellationToken ct) =>
        OperateAsync(request, actor, (body, me, revision, op) => service.ClaimAsync(id, me, revision, op, ct), ct);

    private static Task<IResult> ReleaseAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, CancellationToken ct) =>
        OperateAsync(request, actor, (body, me, revision, op) => service.ReleaseAsync(id, me, revision, op, ct), ct);

    private static Task<IResult> ReassignAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, CancellationToken ct) =>
        OperateAsync(request, actor, (body, me, revision, op) =>
        {
            if (OptionalString(body, "assignee", out var assignee) is { } e1) return Task.FromResult(e1);
            if (OptionalString(body, "role", out var role) is { } e2) return Task.FromResult(e2);
            if (OptionalString(body, "reason", out var reason) is { } e3) return Task.FromResult(e3);
            return service.ReassignAsync(id, me, revision, op, assignee, role, reason, ct);
        }, ct);

    private static Task<IResult> CompleteAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, CancellationToken ct) =>
        OperateAsync(request, actor, (body, me, revision, op) =>
        {
            if (OptionalString(body, "outcome", out var outcome) is { } e1) return Task.FromResult(e1);
            if (outcome is null) return Task.FromResult(InvalidField("outcome", "is required (approved, rejected or changes-requested)"));
            if (OptionalString(body, "comment", out var comment) is { } e2) return Task.FromResult(e2);
            return service.CompleteAsync(id, me, revision, op, new TaskCompletion(outcome, body["payload"]?.DeepClone(), comment), ct);
        }, ct);

    private delegate Task<TaskOperationResult> Operation(JsonObject body, TaskActor actor, int expectedRevision, string operationId);

    private static async Task<IResult> OperateAsync(HttpRequest request, ICurrentActor current, Operation operation, CancellationToken ct)
    {
        if (ActorOf(current) is not { } me) return Unauthenticated();
        var (json, problem) = await InstancesApi.ReadJsonAsync(request, ct);
        if (problem is not null) return problem;
        if (json is not JsonObject body) return ToResult(InvalidField("$", "the body must be a JSON object with expectedRevision and operationId"));
        if (body["expectedRevision"] is not JsonValue rv || rv.GetValueKind() != JsonValueKind.Number || !rv.TryGetValue<int>(out var revision))
            return ToResult(InvalidField("expectedRevision", "is required: the task's revision as you last read it (an integer)"));
        if (body["operationId"] is not JsonValue ov || ov.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(ov.GetValue<string>()))
            return ToResult(InvalidField("operationId", "is required: a client-chosen id that makes a retry of this request safe"));
        return ToResult(await operation(body, me, revision, ov.GetValue<string>()));
    }

    private static IResult ToResult(TaskOperationResult r) => r.Status switch
    {
        TaskOperationStatus.Ok => Results.Ok(new { task = r.Task, replayed = r.Replayed }),
        TaskOperationStatus.NotFound => ProblemResults.Status(StatusCodes.Status404NotFound, "not-found", "Task not found", r.Detail ?? "No such task."),
        TaskOperationStatus.Conflict => ProblemResults.Status(StatusCodes.Status409Conflict, r.Code ?? "conflict", "The task changed or cannot take this change", r.Detail ?? ""),
        TaskOperationStatus.Forbidden => ProblemResults.Status(StatusCodes.Status403Forbidden, r.Code ?? "forbidden", "You may not do this on this task", r.Detail ?? ""),
        _ => ProblemResults.Status(StatusCodes.Status400BadRequest, r.Code ?? "invalid-request", "The request is invalid", r.Detail ?? "",
            r.Errors is null ? null : new Dictionary<string, object?> { ["errors"] = r.Errors }),
    };

    private static TaskOperationResult? OptionalString(JsonObject body, string name, out string? value)
    {
        value = null;
        switch (body[name])
        {
            case null:
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                value = v.GetValue<string>();
                return null;
            default:
                return InvalidField(name, "must be a string");
        }
    }

    private static TaskOperationResult InvalidField(string field, string message) =>
        new(TaskOperationStatus.Invalid, Code: "invalid-request", Detail: $"{field}: {message}", Errors: new Dictionary<string, string[]> { [field] = [message] });

    private static TaskActor? ActorOf(ICurrentActor actor) =>
        actor.IsAuthenticated
            ? new TaskActor(actor.Name, actor.Principal.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray())
            : null;

    private static IResult Unauthenticated() =>
        ProblemResults.Status(StatusCodes.Status401Unauthorized, "unauthenticated", "Sign in to act on tasks",
            "Task decisions are attributed to a person: this request carries no identity.");
}
