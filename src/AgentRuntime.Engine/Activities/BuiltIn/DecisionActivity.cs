using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>Takes the port of the first branch whose <c>when</c> holds, else <c>else</c>.</summary>
public sealed class DecisionActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Decision;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (context.RawInput("branches") is JsonArray branches)
        {
            foreach (var branch in branches)
            {
                if (branch is JsonObject b && b["port"]?.GetValue<string>() is { } port && b["when"]?.GetValue<string>() is { } when
                    && context.EvaluateBoolean(when))
                {
                    return ValueTask.FromResult(ActivityResult.Outcome(port, new JsonObject { ["port"] = port }));
                }
            }
        }
        return ValueTask.FromResult(ActivityResult.Outcome("else", new JsonObject { ["port"] = "else" }));
    }
}
