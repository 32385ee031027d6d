using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>Checks rules (boolean expressions); <c>valid</c> when all hold, else <c>invalid</c> with the failed messages.</summary>
public sealed class ValidateActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Validate;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (context.HasInput("value")) context.RecordInput(context.EvaluateInput("value"));
        var errors = new JsonArray();
        if (context.RawInput("rules") is JsonArray rules)
        {
            foreach (var r in rules)
            {
                if (r is not JsonObject rule || rule["rule"]?.GetValue<string>() is not { } expression) continue;
                if (!context.EvaluateBoolean(expression))
                    errors.Add(new JsonObject { ["rule"] = expression, ["message"] = rule["message"]?.GetValue<string>() ?? $"'{expression}' does not hold" });
            }
        }
        var valid = errors.Count == 0;
        return ValueTask.FromResult(ActivityResult.Outcome(valid ? "valid" : "invalid", new JsonObject { ["valid"] = valid, ["errors"] = errors }));
    }
}
