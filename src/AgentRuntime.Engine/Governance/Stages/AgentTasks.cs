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
/// The built-in port: the task is the pending agent decision itself (<c>agent_decisions</c> with a task id and no human
/// decision), and its completion is the durable signal <c>agent-task:&lt;decision&gt;</c> carrying
/// <c>{outcome, data, actor, comment}</c> (sent by <see cref="AgentTaskSignals"/>). Replaced by the human-task service when present.
/// </summary>
public sealed class SignalAgentTaskPort : IAgentTaskPort
{
    public ValueTask<Bookmark> OpenAsync(ActivityContext context, AgentTaskRequest request) =>
        ValueTask.FromResult(new Bookmark(Bookmark.Task, AgentTaskSignals.SignalName(request.DecisionId), null, new JsonObject
        {
            ["kind"] = request.Kind,
            ["decisionId"] = request.DecisionId.ToString(),
            ["title"] = request.Title,
            ["role"] = request.Role,
        }));

    public AgentTaskAnswer ReadAnswer(BookmarkResume resume) => AgentTaskSignals.Read(resume.Payload);
}

public static class AgentTaskSignals
{
    public static string SignalName(Guid decisionId) => $"agent-task:{decisionId}";

    public static JsonObject Payload(AgentTaskAnswer answer) => new()
    {
        ["outcome"] = answer.Outcome,
        ["data"] = answer.Data?.DeepClone(),
        ["actor"] = answer.Actor,
        ["comment"] = answer.Comment,
    };

    public static AgentTaskAnswer Read(JsonNode? payload) => new(
        payload?["outcome"]?.GetValue<string>() ?? "rejected",
        payload?["data"]?.DeepClone(),
        payload?["actor"]?.GetValue<string>(),
        payload?["comment"]?.GetValue<string>());
}
