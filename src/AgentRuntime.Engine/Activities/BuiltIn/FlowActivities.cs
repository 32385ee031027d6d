using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>Starts every node connected to <c>branches</c> (the engine forks a path per edge).</summary>
public sealed class ParallelActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Parallel;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => ValueTask.FromResult(ActivityResult.Outcome("branches"));
}

/// <summary>
/// Waits for its incoming paths: <c>all</c> (default) continues once every incoming edge has delivered a path,
/// <c>any</c> continues with the first and absorbs the rest. Arrivals are node state, committed with the instance.
/// </summary>
public sealed class JoinActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Join;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var state = context.NodeState;
        var arrived = (state["arrived"]?.GetValue<int>() ?? 0) + 1;
        var expected = Math.Max(1, context.IncomingEdgeCount);
        var any = string.Equals(context.GetString("mode"), "any", StringComparison.OrdinalIgnoreCase);
        state["arrived"] = arrived >= expected ? 0 : arrived; // reset once complete, so a loop can join again
        var output = new JsonObject { ["arrived"] = arrived, ["expected"] = expected };
        if (any) return ValueTask.FromResult(arrived == 1 ? ActivityResult.Outcome("done", output) : ActivityResult.Absorb());
        return ValueTask.FromResult(arrived >= expected ? ActivityResult.Outcome("done", output) : ActivityResult.Absorb());
    }
}

/// <summary>Completes the instance; <c>output</c> (field → expression) becomes the instance's output.</summary>
public sealed class EndActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.End;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        ValueTask.FromResult(ActivityResult.Complete(context.HasInput("output") ? context.EvaluateMap("output") : null));
}

/// <summary>Ends the instance as failed with a rendered reason.</summary>
public sealed class FailActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Fail;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        ValueTask.FromResult(ActivityResult.Fail(context.RenderInput("reason") ?? "failed"));
}
