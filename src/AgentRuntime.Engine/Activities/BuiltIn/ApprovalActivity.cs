using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.HumanTasks;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>
/// Creates a human task (in the step's commit) and waits on it: no memory or thread while a person decides. The decision
/// resumes the node through a durable <c>task</c> message and picks the port of the same name — <c>approved</c>,
/// <c>rejected</c>, <c>changes-requested</c> — or <c>timed-out</c> when the SLA (due date + grace) runs out. The output is
/// <c>{taskId, outcome, decidedBy, decidedAt, data, edited, diff, comment}</c>: <c>data</c> is the final payload (the approver's
/// edit if there was one), so downstream nodes read <c>outputs.&lt;node&gt;.data.amount</c>.
/// </summary>
public sealed class ApprovalActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Approval;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var request = new HumanTaskRequest
        {
            Kind = "approval",
            Title = context.RenderInput("title") ?? context.Node.Name ?? context.Node.Id,
            Instructions = context.RenderInput("instructions"),
            Data = context.EvaluateInput("data"),
            Form = context.RawInput("form") as JsonObject,
            Assignee = RenderOptional(context, "assignee"),
            Role = RenderOptional(context, "role"),
            CandidateGroups = StringList(context, "candidateGroups"),
            ExcludedUsers = StringList(context, "excludedUsers"),
            Priority = context.GetString("priority") ?? "normal",
            Sla = Duration(context, "sla"),
            ReminderBefore = Duration(context, "reminderBefore"),
            EscalateTo = RenderOptional(context, "escalateTo"),
            Grace = Duration(context, "grace"),
            AllowSelfApproval = context.RawInput("allowSelfApproval") is JsonValue v && v.GetValueKind() == JsonValueKind.True,
        };
        return ValueTask.FromResult(HumanTasks.HumanTasks.CreateAndWait(context, request));
    }

    public ValueTask<ActivityResult> ResumeAsync(ActivityContext context, BookmarkResume resume)
    {
        if (!HumanTasks.HumanTasks.TryReadDecision(resume, out var outcome, out var output))
            throw new InvalidOperationException($"The approval resumed without a task decision (reason '{resume.Reason}').");
        return ValueTask.FromResult(ActivityResult.Outcome(outcome, output));
    }

    private static string? RenderOptional(ActivityContext context, string name) =>
        context.RenderInput(name) is { } s && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    private static TimeSpan? Duration(ActivityContext context, string name) =>
        context.GetString(name) is { } text ? Durations.Parse(text) : null;

    private static List<string> StringList(ActivityContext context, string name) => context.RawInput(name) switch
    {
        JsonArray a => a.OfType<JsonValue>().Where(x => x.GetValueKind() == JsonValueKind.String).Select(x => x.GetValue<string>()).ToList(),
        JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        _ => [],
    };
}
