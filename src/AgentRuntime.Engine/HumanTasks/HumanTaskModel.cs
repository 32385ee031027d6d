using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>Task lifecycle states.</summary>
public static class HumanTaskStates
{
    public const string Available = "available";
    public const string Claimed = "claimed";
    public const string Completed = "completed";
    public const string TimedOut = "timed-out";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Available, Claimed, Completed, TimedOut, Cancelled];

    public static bool IsOpen(string state) => state is Available or Claimed;
}

/// <summary>Decisions a person can take on a task (the approval activity's ports of the same names), plus the SLA's own.</summary>
public static class HumanTaskOutcomes
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string ChangesRequested = "changes-requested";
    /// <summary>Not a person's decision: the SLA ran out (due date + grace).</summary>
    public const string TimedOut = "timed-out";

    public static readonly IReadOnlyList<string> Decisions = [Approved, Rejected, ChangesRequested];
}

/// <summary>Audit actions appended by the task service (in the same transaction as the change).</summary>
public static class HumanTaskAuditActions
{
    public const string Completed = Audit.AuditActions.TaskCompleted;
    public const string Reassigned = "task.reassigned";
    public const string Escalated = "task.escalated";
    public const string TimedOut = "task.timed-out";
}

/// <summary>
/// What to put in front of a person. Used by the <c>approval</c> activity and by any feature that needs a human
/// decision: inside an activity call <see cref="HumanTasks.CreateAndWait"/>; outside an instance call
/// <see cref="HumanTaskService.CreateAsync"/> (and handle the decision with an <see cref="IHumanTaskCompletionHandler"/>).
/// </summary>
public sealed record HumanTaskRequest
{
    /// <summary>Free-form kind; <see cref="IHumanTaskCompletionHandler"/>s are keyed by it. The approval activity uses <c>approval</c>.</summary>
    public string Kind { get; init; } = "approval";
    public required string Title { get; init; }
    public string? Instructions { get; init; }
    /// <summary>The data under review (e.g. the agent's draft with its confidence and rationale). The approver may edit it.</summary>
    public JsonNode? Data { get; init; }
    /// <summary>Form fields: name → <c>{type, required, label}</c>; checked against the final data on completion.</summary>
    public JsonObject? Form { get; init; }
    public string? Assignee { get; init; }
    public string? Role { get; init; }
    public IReadOnlyList<string> CandidateGroups { get; init; } = [];
    public IReadOnlyList<string> ExcludedUsers { get; init; } = [];
    /// <summary><c>low</c>, <c>normal</c>, <c>high</c>, <c>urgent</c>.</summary>
    public string Priority { get; init; } = "normal";
    /// <summary>Time until due. Null: no SLA (no reminder, escalation or timeout).</summary>
    public TimeSpan? Sla { get; init; }
    public TimeSpan? ReminderBefore { get; init; }
    /// <summary>Role that receives the task at the due date; the workflow owner (<see cref="Owner"/>) when null.</summary>
    public string? EscalateTo { get; init; }
    /// <summary>After escalation, time until the task times out. Null: an escalated task waits without timing out.</summary>
    public TimeSpan? Grace { get; init; }
    /// <summary>Lets <see cref="StartedBy"/> and <see cref="Editors"/> approve. Off by default (segregation of duties).</summary>
    public bool AllowSelfApproval { get; init; }
    /// <summary>Who asked for this decision (the instance's starter; for a promotion, who requested it). Filled from the instance by <see cref="HumanTasks.CreateAndWait"/>.</summary>
    public string? StartedBy { get; init; }
    /// <summary>Who edited the data under review before this task (they may not approve it either).</summary>
    public IReadOnlyList<string> Editors { get; init; } = [];
    /// <summary>Escalation target when <see cref="EscalateTo"/> is null (the workflow owner). Filled from the definition by <see cref="HumanTasks.CreateAndWait"/>.</summary>
    public string? Owner { get; init; }
    /// <summary>For a task outside an instance: what it is about (e.g. <c>agent</c>, <c>refund-proposer</c>).</summary>
    public string? SubjectType { get; init; }
    public string? SubjectId { get; init; }
}

/// <summary>
/// The person acting on a task: their name (recorded as claimant and decider) and roles (groups count as roles), plus
/// <see cref="Aliases"/>: the other identifiers the same person goes by (e-mail, user name, subject). A task's assignee,
/// excluded users, starter and editors are compared with all of them (<see cref="Is"/>), so an owner named by e-mail in a
/// definition is the person who signs in with that e-mail.
/// </summary>
public sealed record TaskActor(string Name, IReadOnlyCollection<string> Roles)
{
    /// <summary>Other identifiers of this person (the host fills them from the identity's claims). Empty: the name only.</summary>
    public IReadOnlyCollection<string> Aliases { get; init; } = [];

    public bool HasAny(IEnumerable<string> roles) => roles.Any(r => Roles.Contains(r, StringComparer.Ordinal));

    /// <summary>Whether <paramref name="recorded"/> (an assignee, starter, editor, excluded user) denotes this person, by <see cref="PersonNames.Same"/>.</summary>
    public bool Is(string? recorded) =>
        !string.IsNullOrWhiteSpace(recorded) && (PersonNames.Same(Name, recorded) || Aliases.Any(a => PersonNames.Same(a, recorded)));

    /// <summary>
    /// Whether the task concerns this person (the rule of <see cref="HumanTaskQuery.VisibleTo"/>): they are a candidate (assignee,
    /// role, group, or an open task; not excluded) even if someone else claimed it, or they requested it, own its workflow, edited,
    /// claimed or decided it.
    /// </summary>
    public bool Concerns(HumanTaskView task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var open = task.Assignee is null && task.Roles.Count == 0 && task.CandidateGroups.Count == 0;
        var candidate = !task.ExcludedUsers.Any(Is) && (open || Is(task.Assignee) || HasAny(task.Roles) || HasAny(task.CandidateGroups));
        return candidate || Is(task.StartedBy) || Is(task.Owner) || task.Editors.Any(Is) || task.ClaimedBy == Name || task.DecidedBy == Name;
    }

    /// <summary>Every identifier, exactly as given (for SQL <c>= ANY</c>).</summary>
    internal string[] ExactNames => [.. new[] { Name }.Concat(Aliases).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).Distinct(StringComparer.Ordinal)];

    /// <summary>The e-mail identifiers in lower case (for SQL <c>lower(x) = ANY</c>).</summary>
    internal string[] LowerEmails => [.. ExactNames.Where(PersonNames.IsEmail).Select(a => a.ToLowerInvariant()).Distinct(StringComparer.Ordinal)];
}

/// <summary>How two recorded identifiers of people are compared: e-mail addresses case-insensitively (they are, in practice,
/// everywhere), everything else (user names, subjects) exactly. Surrounding white space never counts.</summary>
public static class PersonNames
{
    public static bool IsEmail(string value) => value.Contains('@', StringComparison.Ordinal);

    public static bool Same(string? a, string? b)
    {
        if (string.IsNullOrWhiteSpace(a) || string.IsNullOrWhiteSpace(b)) return false;
        a = a.Trim();
        b = b.Trim();
        return IsEmail(a) && IsEmail(b) ? string.Equals(a, b, StringComparison.OrdinalIgnoreCase) : string.Equals(a, b, StringComparison.Ordinal);
    }
}

/// <summary>A task as the inbox and the API show it.</summary>
public sealed record HumanTaskView(
    Guid Id,
    string Kind,
    string State,
    int Revision,
    string Title,
    string? Instructions,
    JsonNode? Data,
    JsonObject? Form,
    string? Assignee,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> CandidateGroups,
    IReadOnlyList<string> ExcludedUsers,
    string Priority,
    string? ClaimedBy,
    Guid? InstanceId,
    string? WorkflowId,
    int? Version,
    string? NodeId,
    string? SubjectType,
    string? SubjectId,
    string? StartedBy,
    IReadOnlyList<string> Editors,
    bool AllowSelfApproval,
    string? EscalateTo,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DueAt,
    DateTimeOffset? RemindAt,
    DateTimeOffset? RemindedAt,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset? TimeoutAt,
    string? Outcome,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    JsonNode? Result,
    string? Comment)
{
    /// <summary>The workflow owner (id, e-mail or name as recorded): who receives an escalation without a role, and the only
    /// person who may decide a promotion sign-off, whoever it is reassigned to.</summary>
    public string? Owner { get; init; }
}

/// <summary>One entry of a task's history.</summary>
public sealed record HumanTaskEventView(long Id, string Kind, string Actor, int Revision, JsonNode? Data, DateTimeOffset At);

/// <summary>A decision on a task. <see cref="Payload"/> replaces the data under review (the approver's edit); null keeps it.</summary>
public sealed record TaskCompletion(string Outcome, JsonNode? Payload = null, string? Comment = null);

/// <summary>How an operation ended; the API maps it to 200 / 404 / 409 / 403 / 400.</summary>
public enum TaskOperationStatus
{
    Ok,
    NotFound,
    /// <summary>Stale revision, task no longer open, claimed by someone else, operation id reused for another operation.</summary>
    Conflict,
    /// <summary>Not a candidate, excluded, or segregation of duties.</summary>
    Forbidden,
    /// <summary>Bad input (outcome, form fields); <see cref="TaskOperationResult.Errors"/> names the fields.</summary>
    Invalid,
}

/// <summary>
/// The result of claim / release / reassign / complete. <see cref="Replayed"/>: the operation id had already succeeded
/// and this is its first result, returned again; nothing was applied this time.
/// </summary>
public sealed record TaskOperationResult(
    TaskOperationStatus Status,
    HumanTaskView? Task = null,
    string? Code = null,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    bool Replayed = false)
{
    public bool Succeeded => Status == TaskOperationStatus.Ok;
}

/// <summary>Filters for <see cref="HumanTaskService.ListAsync"/>.</summary>
/// <param name="For">Only tasks this actor may act on now: assigned to them, claimed by them, or offered to one of their roles/groups
/// (and they are not excluded, and nobody else claimed it).</param>
/// <param name="VisibleTo">Only tasks that concern this actor: ones they are a candidate for (even if someone else claimed them),
/// or that they requested (started the instance or the promotion), edited, claimed or decided.</param>
public sealed record HumanTaskQuery(TaskActor? For = null, IReadOnlyList<string>? States = null, Guid? InstanceId = null, string? Kind = null, int Limit = 100,
    TaskActor? VisibleTo = null);

/// <summary>
/// Reacts to the decision on tasks of one <see cref="Kind"/> inside the same transaction as the decision (e.g. a promotion
/// sign-off changes the agent's stage): it commits or rolls back with the decision. Register with
/// <c>services.AddSingleton&lt;IHumanTaskCompletionHandler, T&gt;()</c>. Tasks of an instance need none: the instance resumes.
/// </summary>
public interface IHumanTaskCompletionHandler
{
    string Kind { get; }

    /// <summary>Called once per decided task (completed or timed out). Throwing rolls the decision back.</summary>
    ValueTask OnDecidedAsync(HumanTaskDecided decided, CancellationToken cancellationToken);

    /// <summary>
    /// Checked before a person's decision on a task of this kind is applied: errors (field → messages) refuse it as invalid
    /// (HTTP 400, naming the fields) and nothing changes. The default accepts everything.
    /// </summary>
    IReadOnlyDictionary<string, string[]>? Validate(HumanTaskView task, TaskCompletion completion) => null;
}

/// <summary>What an <see cref="IHumanTaskCompletionHandler"/> gets: the task, its output, and the open transaction.</summary>
public sealed record HumanTaskDecided(HumanTaskView Task, JsonObject Output, Npgsql.NpgsqlConnection Connection, Npgsql.NpgsqlTransaction Transaction);
