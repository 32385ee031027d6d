using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>
/// The seam for activities that need a human decision (the <c>approval</c> activity; agent stages <c>draft</c>/<c>shadow</c>).
/// <code>
/// // ExecuteAsync: create the task in this step's commit and wait on it (no thread, no memory while waiting)
/// return HumanTasks.CreateAndWait(context, new HumanTaskRequest { Title = "…", Data = draft, Role = "approver", Sla = TimeSpan.FromHours(4) });
/// // ResumeAsync: the decision arrives as the resume payload
/// if (HumanTasks.TryReadDecision(resume, out var outcome, out var output)) return ActivityResult.Outcome(outcome, output);
/// </code>
/// The task row, its history entry and its notification commit in the same transaction as the step (or not at all), and
/// its id is a function of (instance, node, visit), so a retried step never creates a second task.
/// </summary>
public static class HumanTasks
{
    /// <summary>
    /// Adds the task to the step's transaction and returns the <see cref="ActivityResult.Wait"/> to return from
    /// <see cref="IActivity.ExecuteAsync"/>. Fills what the instance knows: instance/workflow/node, <see cref="HumanTaskRequest.StartedBy"/>
    /// (the instance's starter, unless set), <see cref="HumanTaskRequest.Owner"/> (the workflow owner, unless set), and editors
    /// found in the data (an <c>editedBy</c> field, or an approval output that was edited). When the task is decided (or
    /// times out) the node resumes with <see cref="BookmarkResume.TaskDecided"/> and the decision output as payload.
    /// </summary>
    public static ActivityResult CreateAndWait(ActivityContext context, HumanTaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var options = context.Services.GetService<HumanTaskOptions>() ?? new HumanTaskOptions();
        var now = context.TimeProvider.GetUtcNow();
        var owner = request.Owner ?? (context.Definition.Owner is { } o ? o.Id ?? o.Email ?? o.Name : null);
        var row = Build(request with { StartedBy = request.StartedBy ?? context.StartedBy, Owner = owner }, now);
        row.Id = HumanTaskSql.DeterministicId(context.InstanceId, context.Node.Id, context.Visit);
        row.InstanceId = context.InstanceId;
        row.WorkflowId = context.WorkflowId;
        row.Version = context.Version;
        row.NodeId = context.Node.Id;
        row.Visit = context.Visit;
        context.Transaction.Add(HumanTaskSql.Insert(row, AuditActorFor(context), options.NotificationChannel));
        context.NodeState["taskId"] = row.Id.ToString();
        context.RecordInput(new JsonObject
        {
            ["taskId"] = row.Id.ToString(),
            ["title"] = row.Title,
            ["assignee"] = row.Assignee,
            ["roles"] = new JsonArray(row.Roles.Select(r => (JsonNode?)r).ToArray()),
            ["dueAt"] = row.DueAt?.ToString("O"),
            ["data"] = row.Data?.DeepClone(),
        });
        return ActivityResult.Wait(new Bookmark(Bookmark.Task, Data: new JsonObject { ["taskId"] = row.Id.ToString(), ["kind"] = row.Kind }));
    }

    /// <summary>Reads a task decision from a resume: the outcome (port name) and the full output object.</summary>
    public static bool TryReadDecision(BookmarkResume resume, out string outcome, out JsonObject output)
    {
        ArgumentNullException.ThrowIfNull(resume);
        outcome = "";
        output = [];
        if (resume.Reason != BookmarkResume.TaskDecided || resume.Payload is not JsonObject o) return false;
        if (o["outcome"] is not JsonValue v || v.GetValueKind() != JsonValueKind.String) return false;
        outcome = v.GetValue<string>();
        output = (JsonObject)o.DeepClone();
        return true;
    }

    /// <summary>The id of the task a node created for its current visit (the same id the task store uses).</summary>
    public static Guid TaskIdFor(Guid instanceId, string nodeId, int visit) => HumanTaskSql.DeterministicId(instanceId, nodeId, visit);

    private static string AuditActorFor(ActivityContext context) => $"system:engine";

    internal static TaskRow Build(HumanTaskRequest r, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(r.Title)) throw new ArgumentException("A task needs a title.", nameof(r));
        if (r.Priority is not ("low" or "normal" or "high" or "urgent"))
            throw new ArgumentException($"Priority '{r.Priority}' is not one of low, normal, high, urgent.", nameof(r));
        var row = new TaskRow
        {
            Id = Guid.CreateVersion7(now),
            Kind = r.Kind,
            SubjectType = r.SubjectType,
            SubjectId = r.SubjectId,
            Title = r.Title,
            Instructions = r.Instructions,
            Data = r.Data?.DeepClone(),
            Form = r.Form?.DeepClone().AsObject(),
            Assignee = string.IsNullOrWhiteSpace(r.Assignee) ? null : r.Assignee,
            Roles = string.IsNullOrWhiteSpace(r.Role) ? [] : [r.Role],
            CandidateGroups = [.. r.CandidateGroups.Where(g => !string.IsNullOrWhiteSpace(g))],
            ExcludedUsers = [.. r.ExcludedUsers.Where(u => !string.IsNullOrWhiteSpace(u))],
            Priority = r.Priority,
            State = HumanTaskStates.Available,
            Revision = 1,
            StartedBy = r.StartedBy,
            Editors = [.. r.Editors.Concat(EditorsIn(r.Data)).Distinct(StringComparer.Ordinal)],
            AllowSelfApproval = r.AllowSelfApproval,
            EscalateTo = r.EscalateTo,
            Owner = r.Owner,
            GraceMs = r.Grace is { } g ? (long)g.TotalMilliseconds : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (r.Sla is { } sla)
        {
            row.DueAt = now + sla;
            if (r.ReminderBefore is { } before && before > TimeSpan.Zero && before < sla) row.RemindAt = row.DueAt - before;
            if (r.Grace is { } grace) row.TimeoutAt = row.DueAt + grace;
        }
        row.NextCheckAt = row.ComputeNextCheck();
        return row;
    }

    /// <summary>
    /// Who edited the data under review before it got here: a top-level <c>editedBy</c> (string or list), or — when the data is
    /// a whole approval output — its <c>decidedBy</c> if it was edited. They may not approve it (segregation of duties).
    /// </summary>
    internal static IEnumerable<string> EditorsIn(JsonNode? data)
    {
        if (data is not JsonObject o) yield break;
        switch (o["editedBy"])
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                yield return v.GetValue<string>();
                break;
            case JsonArray a:
                foreach (var e in a)
                    if (e is JsonValue s && s.GetValueKind() == JsonValueKind.String) yield return s.GetValue<string>();
                break;
        }
        if (o["edited"] is JsonValue ed && ed.GetValueKind() == JsonValueKind.True
            && o["decidedBy"] is JsonValue by && by.GetValueKind() == JsonValueKind.String)
            yield return by.GetValue<string>();
    }
}

/// <summary>Settings of the task store and its SLA sweep.</summary>
public sealed class HumanTaskOptions
{
    public const string SectionName = "HumanTasks";

    /// <summary>The notification channel task notifications go through (<c>log</c>, <c>webhook</c>, …).</summary>
    public string NotificationChannel { get; set; } = "log";

    /// <summary>How often every host sweeps for due reminders, escalations and timeouts.</summary>
    public TimeSpan SlaPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether this host runs the SLA sweep (on by default on hosts that run engine workers).</summary>
    public bool RunSlaSweep { get; set; } = true;
}
