using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;

namespace AgentRuntime.Engine.Activities;

/// <summary>
/// A node type. One class per type, carrying its <see cref="ActivityDescriptor"/> (inputs and outcome ports) and registered
/// in DI (<c>services.AddActivity&lt;T&gt;()</c>); the engine's catalog is the built-ins plus every registered class.
/// Activities are singletons and must keep no per-instance state in fields: everything they need is in the context,
/// and anything that must survive a wait goes into the bookmark or <see cref="ActivityContext.NodeState"/>.
/// </summary>
public interface IActivity
{
    ActivityDescriptor Descriptor { get; }

    /// <summary>Runs the node. Exceptions are failures: they go through the node's retry policy, then its error port or an incident.</summary>
    ValueTask<ActivityResult> ExecuteAsync(ActivityContext context);

    /// <summary>
    /// Continues a node that returned <see cref="ActivityResult.Wait"/> once its bookmark is resumed (timer due, signal
    /// arrived; later: human task completed). The default takes the <c>done</c> port with the resume payload.
    /// </summary>
    ValueTask<ActivityResult> ResumeAsync(ActivityContext context, BookmarkResume resume) =>
        ValueTask.FromResult(ActivityResult.Outcome("done", resume.Payload));
}

/// <summary>What an activity asks the engine to do next.</summary>
public abstract record ActivityResult
{
    /// <summary>Follow <paramref name="port"/> (every edge from it: several edges fork the path). The output is stored under <c>outputs.&lt;node&gt;</c>.</summary>
    public static ActivityResult Outcome(string port, JsonNode? output = null) => new OutcomeResult(port, output);

    /// <summary>Block this path on a bookmark; the instance is persisted and holds no memory or thread while it waits.</summary>
    public static ActivityResult Wait(Bookmark bookmark, JsonNode? output = null) => new WaitResult(bookmark, output);

    /// <summary>End the instance as completed with an output.</summary>
    public static ActivityResult Complete(JsonNode? output) => new CompleteResult(output);

    /// <summary>End the instance as failed.</summary>
    public static ActivityResult Fail(string reason) => new FailResult(reason);

    /// <summary>End this path silently (a join absorbing a branch that is not the one to continue).</summary>
    public static ActivityResult Absorb() => new AbsorbResult();
}

public sealed record OutcomeResult(string Port, JsonNode? Output) : ActivityResult;
public sealed record WaitResult(Bookmark Bookmark, JsonNode? Output) : ActivityResult;
public sealed record CompleteResult(JsonNode? Output) : ActivityResult;
public sealed record FailResult(string Reason) : ActivityResult;
public sealed record AbsorbResult : ActivityResult;

/// <summary>
/// What a waiting path waits for. <see cref="DueAt"/> makes the instance claimable at that time (timer, signal timeout,
/// later an approval SLA); <see cref="Signal"/> matches a named signal message; <see cref="Kind"/> <c>task</c> is the seam
/// for human tasks (resumed by a durable <c>task</c> message).
/// </summary>
public sealed record Bookmark(string Kind, string? Signal = null, DateTimeOffset? DueAt = null, JsonNode? Data = null)
{
    public const string Timer = "timer";
    public const string SignalKind = "signal";
    public const string Task = "task";

    public string Describe() => Signal is not null
        ? $"signal:{Signal}" + (DueAt is { } d ? $" (until {d:O})" : "")
        : Kind == Task ? $"task:{Data?["taskId"]}" : $"{Kind}:{DueAt:O}";
}

/// <summary>Why a bookmark resumed: <c>timer</c> (its due time passed) or a message kind such as <c>signal</c>.</summary>
public sealed record BookmarkResume(string Reason, JsonNode? Payload)
{
    public const string TimerDue = "timer";
    public const string SignalArrived = "signal";
    /// <summary>A human task was decided (or timed out); the payload is the decision output (see <c>HumanTasks</c>).</summary>
    public const string TaskDecided = "task";
}
