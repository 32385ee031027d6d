using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;

namespace AgentRuntime.Engine.Governance.Stages;

/// <summary>What the agent node asks a human to do: approve / edit / reject a draft, or decide a case itself (shadow).</summary>
/// <param name="Kind"><see cref="AgentTaskKinds.Draft"/> or <see cref="AgentTaskKinds.Decide"/>.</param>
/// <param name="Data">What the human sees: the draft (draft); the agent's input only, never the proposal (shadow).</param>
public sealed record AgentTaskRequest(string Kind, Guid DecisionId, string AgentId, string Title, string? Role, string? Assignee, JsonNode? Data, string? Instructions);

/// <param name="Outcome"><c>approved</c>, <c>edited</c>, <c>rejected</c> (draft); <c>decided</c>, <c>rejected</c> (shadow).</param>
/// <param name="Data">The edited draft, or the human's own decision.</param>
public sealed record AgentTaskAnswer(string Outcome, JsonNode? Data, string? Actor, string? Comment);

public static class AgentTaskKinds
{
    public const string Draft = "agent-draft";
    public const string Decide = "agent-decide";
}

/// <summary>
/// The seam between the agent node and human tasks. The node opens a task (inside its step: the task commits with the
/// wait) and waits on the returned bookmark; the task's completion resumes it with an answer.
/// </summary>
public interface IAgentTaskPort
{
    ValueTask<Bookmark> OpenAsync(ActivityContext context, AgentTaskRequest request);

    AgentTaskAnswer ReadAnswer(BookmarkResume resume);
}

/// <summary>
/// The port onto the human-task store (<see cref="HumanTasks.HumanTasks"/>): the task is created in the agent node's own
/// step commit (kind <c>agent-draft</c> or <c>agent-decide</c>, subject = the agent, offered to the agent's role) and its
/// decision resumes the node through the durable <c>task</c> message. What the human sees is <c>data</c>:
/// draft → <c>{draft, confidence, rationale, input}</c> (an edit changes <c>draft</c>); shadow → <c>{input, decision}</c> with
/// <c>decision</c> empty for the human to fill (the proposal is never in it). Approved without an edit → <c>approved</c>
/// (shadow: <c>decided</c>), approved with an edit → <c>edited</c>, anything else (rejected, changes requested, timed out) → <c>rejected</c>.
/// </summary>
public sealed class HumanTaskAgentPort : IAgentTaskPort
{
    public ValueTask<Bookmark> OpenAsync(ActivityContext context, AgentTaskRequest request)
    {
        var wait = HumanTasks.HumanTasks.CreateAndWait(context, new HumanTasks.HumanTaskRequest
        {
            Kind = request.Kind,
            Title = request.Title,
            Instructions = request.Instructions,
            Data = request.Data?.DeepClone(),
            Role = request.Role,
            Assignee = request.Assignee,
            SubjectType = "agent",
            SubjectId = request.AgentId,
        });
        return ValueTask.FromResult(((WaitResult)wait).Bookmark);
    }

    public AgentTaskAnswer ReadAnswer(BookmarkResume resume)
    {
        if (!HumanTasks.HumanTasks.TryReadDecision(resume, out var outcome, out var output))
            throw new InvalidOperationException($"The agent node resumed without a task decision (reason '{resume.Reason}').");
        var data = output["data"] as JsonObject;
        var edited = output["edited"] is JsonValue e && e.GetValueKind() == System.Text.Json.JsonValueKind.True;
        var answer = data?["decision"] ?? data?["draft"];
        var kind = data?.ContainsKey("decision") == true ? AgentTaskKinds.Decide : AgentTaskKinds.Draft;
        var mapped = outcome != HumanTasks.HumanTaskOutcomes.Approved ? "rejected"
            : kind == AgentTaskKinds.Decide ? "decided"
            : edited ? "edited" : "approved";
        return new AgentTaskAnswer(mapped, answer?.DeepClone(), output["decidedBy"]?.GetValue<string>(), output["comment"]?.GetValue<string>());
    }
}
