using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;

namespace AgentRuntime.Engine.Governance.Stages;

/// <summary>
/// The kill switch. Before an <c>agent</c> node of a paused agent, and before an <c>action</c> whose input derives from a
/// paused agent's output, the path holds (instance <c>paused</c>, hold reason <see cref="HoldReason"/>). Resuming the agent
/// sends a resume message to every instance held this way (and the governance monitor re-releases any it missed).
/// </summary>
internal sealed class AgentGate(AgentDirectory directory, GovernanceOptions options) : IExecutionGate
{
    public const string Prefix = "agent-paused:";

    public static string HoldReason(string agentId) => Prefix + agentId;

    public async ValueTask<string?> CheckAsync(GateContext context, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<string> agents;
        if (context.Node.Type == "agent")
        {
            if (context.Node.Inputs.GetValueOrDefault("agent") is not System.Text.Json.Nodes.JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String) return null;
            agents = [v.GetValue<string>()];
        }
        else if (context.Node.Type == "action" && options.EnforceStageRules && context.AgentsRead.Count > 0)
        {
            agents = context.AgentsRead;
        }
        else
        {
            return null;
        }
        var states = await directory.GetStatesAsync(agents, cancellationToken);
        foreach (var (id, row) in states)
        {
            if (row.Paused) return HoldReason(id);
        }
        return null;
    }
}
