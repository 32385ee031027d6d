using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Agents;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>Runs a registered agent; ports done / low-confidence / invalid-output / failed.</summary>
public sealed class AgentActivity(IAgentResolver agents) : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Agent;

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var agentId = context.GetString("agent") ?? throw new InvalidOperationException("The agent node names no agent.");
        var agent = agents.Find(agentId) ?? throw new InvalidOperationException($"No agent '{agentId}' is registered.");
        var input = context.HasInput("input") ? context.EvaluateInput("input") : context.Scope.Input?.DeepClone();
        context.RecordInput(input);
        var result = await agent.InvokeAsync(new AgentRequest(context.InstanceId, context.Node.Id, input, context.Scope, context.TimeProvider), context.CancellationToken);
        var reg = agent.Registration;
        var output = new JsonObject
        {
            ["agent"] = reg.Id,
            ["stage"] = reg.Stage,
            ["result"] = result.Result?.Parent is null ? result.Result : result.Result.DeepClone(),
            ["confidence"] = result.Confidence,
            ["rationale"] = result.Rationale,
        };
        if (!result.Decided) return ActivityResult.Outcome("failed", output);
        if (reg.RequiredFields.Count > 0 && (result.Result is not JsonObject o || reg.RequiredFields.Any(f => !o.ContainsKey(f))))
            return ActivityResult.Outcome("invalid-output", output);
        var threshold = context.GetNumber("confidenceThreshold") ?? reg.ConfidenceThreshold;
        return ActivityResult.Outcome(result.Confidence < threshold ? "low-confidence" : "done", output);
    }
}
