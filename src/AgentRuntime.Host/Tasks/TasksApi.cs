using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Governance.Promotions;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Instances;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;

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
        // Acting on a task needs only a signed-in person: the task service decides who is a candidate (assignee, roles, groups
        // that need not be one of the six roles) and enforces segregation of duties. Reading a task by id follows the list's rule:
        // the task must concern the reader, unless they are admin or ops. No reader role is needed: a workflow owner named only by
        // e-mail, or a member of a task's candidate group, may hold none of the six roles and must still open the task they see listed.
        var tasks = app.MapGroup("/api/v1/tasks").WithTags("Tasks");
        tasks.MapGet("", ListAsync).RequireAuthorization(Policies.Authenticated).WithSummary(
            "Tasks, most urgent first; state: comma-separated states. assignee=me: the tasks I may act on now (assigned to me under any of " +
            "my identifiers, or to my roles/groups; not excluded; not claimed by someone else). Without assignee: admins and ops see every " +
            "task (oversight); everyone else sees the tasks that concern them — ones they are a candidate for (even if claimed by someone " +
            "else), and ones they requested, own the workflow of, edited, claimed or decided — never other people's work. GET /tasks/{id} " +
            "and its history follow the same rule (403 task-not-visible).");
        tasks.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.Authenticated);
        tasks.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.Authenticated);
        tasks.MapPost("/{id:guid}/claim", ClaimAsync).RequireAuthorization(Policies.Authenticated).WithSummary("Body: {expectedRevision, operationId}.");
        tasks.MapPost("/{id:guid}/release", ReleaseAsync).RequireAuthorization(Policies.Authenticated).WithSummary("Body: {expectedRevision, operationId}.");
        tasks.MapPost("/{id:guid}/reassign", ReassignAsync).RequireAuthorization(Policies.Authenticated).WithSummary("Body: {expectedRevision, operationId, assignee?, role?, reason?}.");
        tasks.MapPost("/{id:guid}/complete", CompleteAsync).RequireAuthorization(Policies.Authenticated)
            .WithSummary("Body: {expectedRevision, operationId, outcome: approved|rejected|changes-requested, payload?, comment?}. payload replaces the data under review.");
        return app;
    }

    /// <summary>Roles that oversee all human work and so list every task.</summary>
    internal static readonly string[] SeeAllTasks = [Roles.Admin, Roles.Ops];

    private static async Task<IResult> ListAsync(HumanTaskService service, ICurrentActor actor, IOwnerMatcher people, string? assignee, string? state, Guid? instanceId, int? limit, CancellationToken ct)
    {
        var states = state?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (states?.FirstOrDefault(s => !HumanTaskStates.All.Contains(s)) is { } unknown)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Unknown state",
                $"state '{unknown}' is not one of: {string.Join(", ", HumanTaskStates.All)}.");
        if (limit is < 1 or > 500)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid limit", "limit must be between 1 and 500.");
        if (assignee is not null && assignee != "me")
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", "Invalid assignee", "assignee supports only 'me' (the acting user).");
        if (ActorOf(actor, people) is not { } me) return Unauthenticated();
        var forActor = assignee is null ? null : me;
        // Without assignee=me, only overseers list everything; everyone else lists what concerns them.
        var visibleTo = assignee is null && !SeeAllTasks.Any(actor.IsInRole) ? me : null;
        var items = await service.ListAsync(new HumanTaskQuery(forActor, states, instanceId, Limit: limit ?? 100, VisibleTo: visibleTo), ct);
        return Results.Ok(new { items });
    }

    private static async Task<IResult> GetAsync(Guid id, HumanTaskService service, ICurrentActor actor, IOwnerMatcher people, CancellationToken ct)
    {
        if (await service.GetAsync(id, ct) is not { } task) return ProblemResults.NotFound("Task", id.ToString());
        return NotVisible(task, actor, people) ?? Results.Ok(task);
    }

    private static async Task<IResult> HistoryAsync(Guid id, HumanTaskService service, ICurrentActor actor, IOwnerMatcher people, CancellationToken ct)
    {
        if (await service.GetAsync(id, ct) is not { } task) return ProblemResults.NotFound("Task", id.ToString());
        return NotVisible(task, actor, people) ?? Results.Ok(new { items = await service.GetHistoryAsync(id, ct) });
    }

    /// <summary>The list's rule for one task: admins and ops see any; others only a task that concerns them (403 with the reason).</summary>
    private static IResult? NotVisible(HumanTaskView task, ICurrentActor actor, IOwnerMatcher people)
    {
        if (SeeAllTasks.Any(actor.IsInRole)) return null;
        if (ActorOf(actor, people) is { } me && me.Concerns(task)) return null;
        return ProblemResults.Status(StatusCodes.Status403Forbidden, "task-not-visible", "This task is someone else's work",
            $"{actor.Name} is not a candidate for this task and did not request, edit, claim or decide it; only they, its workflow's owner, admins and ops see it.");
    }

    private static Task<IResult> ClaimAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, IOwnerMatcher people, CancellationToken ct) =>
        OperateAsync(request, actor, people, (body, me, revision, op) => service.ClaimAsync(id, me, revision, op, ct), ct);

    private static Task<IResult> ReleaseAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, IOwnerMatcher people, CancellationToken ct) =>
        OperateAsync(request, actor, people, (body, me, revision, op) => service.ReleaseAsync(id, me, revision, op, ct), ct);

    private static Task<IResult> ReassignAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, IOwnerMatcher people, CancellationToken ct) =>
        OperateAsync(request, actor, people, (body, me, revision, op) =>
        {
            if (OptionalString(body, "assignee", out var assignee) is { } e1) return Task.FromResult(e1);
            if (OptionalString(body, "role", out var role) is { } e2) return Task.FromResult(e2);
            if (OptionalString(body, "reason", out var reason) is { } e3) return Task.FromResult(e3);
            return service.ReassignAsync(id, me, revision, op, assignee, role, reason, ct);
        }, ct);

    private static Task<IResult> CompleteAsync(Guid id, HttpRequest request, HumanTaskService service, ICurrentActor actor, IOwnerMatcher people,
        SegregationOfDuties duties, CancellationToken ct) =>
        OperateAsync(request, actor, people, async (body, me, revision, op) =>
        {
            // Only the named owner signs off a promotion — whoever the task was reassigned to, whatever their roles.
            if (await service.GetAsync(id, ct) is { Kind: PromotionService.TaskKind } signOff &&
                duties.CanSignOff(actor, signOff.Owner ?? signOff.Assignee) is { Allowed: false } refused)
                return new TaskOperationResult(TaskOperationStatus.Forbidden, Code: refused.Code, Detail: refused.Reason);
            if (OptionalString(body, "outcome", out var outcome) is { } e1) return e1;
            if (outcome is null) return InvalidField("outcome", "is required (approved, rejected or changes-requested)");
            if (OptionalString(body, "comment", out var comment) is { } e2) return e2;
            return await service.CompleteAsync(id, me, revision, op, new TaskCompletion(outcome, body["payload"]?.DeepClone(), comment), ct);
        }, ct);

    private delegate Task<TaskOperationResult> Operation(JsonObject body, TaskActor actor, int expectedRevision, string operationId);

    private static async Task<IResult> OperateAsync(HttpRequest request, ICurrentActor current, IOwnerMatcher people, Operation operation, CancellationToken ct)
    {
        if (ActorOf(current, people) is not { } me) return Unauthenticated();
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

    /// <summary>The caller as the task store sees them: recorded name, roles, and every other identifier (e-mail, user name,
    /// subject) so that a task assigned to <c>olivia@example.test</c> is hers however her provider names her.</summary>
    private static TaskActor? ActorOf(ICurrentActor actor, IOwnerMatcher people) =>
        actor.IsAuthenticated
            ? new TaskActor(actor.Name, actor.Principal.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray())
            {
                Aliases = people.IdentifiersOf(actor.Principal).Where(i => i != actor.Name).ToArray(),
            }
            : null;

    private static IResult Unauthenticated() =>
        ProblemResults.Status(StatusCodes.Status401Unauthorized, "unauthenticated", "Sign in to act on tasks",
            "Task decisions are attributed to a person: this request carries no identity.");
}
