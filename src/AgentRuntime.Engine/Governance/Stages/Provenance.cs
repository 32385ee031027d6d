using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Execution;

namespace AgentRuntime.Engine.Governance.Stages;

/// <summary>
/// "This data derives from that agent run": one agent decision that a value (a node output, a variable) was computed from.
/// <see cref="Approved"/> is set on the output of an agent node whose draft a human approved (or edited) in this instance.
/// </summary>
public sealed record AgentTaint(string Agent, string Decision, string Stage, bool Approved = false);

/// <summary>
/// Data lineage for governance, kept in the instance's state: for every node output (<c>outputs.&lt;node&gt;</c>) and variable
/// (<c>vars.&lt;name&gt;</c>), the agent decisions it derives from. A node's output derives from whatever its inputs read
/// (<see cref="ActivityContext.Lineage"/>, the root paths of its expressions) unless the activity says otherwise (the agent
/// node does: its output is its own decision; in shadow the human's). An <c>approval</c> node that takes <c>approved</c>
/// marks every decision its data derived from as human-approved in this instance. The action node reads this to enforce
/// the stage rule.
/// </summary>
internal static class Provenance
{
    public static string OutputKey(string node) => "outputs." + node;
    public static string VarKey(string name) => "vars." + name;

    /// <summary>The provenance keys a data path reads: <c>outputs.propose.result.amount</c> → <c>outputs.propose</c>.</summary>
    public static IEnumerable<string> KeysOf(string path, InstanceState state)
    {
        foreach (var root in new[] { "outputs", "vars" })
        {
            if (path == root)
            {
                foreach (var k in state.Provenance.Keys.Where(k => k.StartsWith(root + ".", StringComparison.Ordinal))) yield return k;
                yield break;
            }
            if (path.StartsWith(root + ".", StringComparison.Ordinal))
            {
                var rest = path[(root.Length + 1)..];
                var end = rest.IndexOfAny(['.', '[']);
                yield return root + "." + (end < 0 ? rest : rest[..end]);
                yield break;
            }
            if (path.StartsWith(root + "['", StringComparison.Ordinal))
            {
                var rest = path[(root.Length + 2)..];
                var end = rest.IndexOf("']", StringComparison.Ordinal);
                if (end > 0) yield return root + "." + rest[..end];
                yield break;
            }
        }
    }

    public static List<AgentTaint> TaintsOf(IEnumerable<string> paths, InstanceState state)
    {
        var result = new List<AgentTaint>();
        foreach (var path in paths)
        {
            foreach (var key in KeysOf(path, state))
            {
                if (state.Provenance.TryGetValue(key, out var taints)) Merge(result, taints);
            }
        }
        return result;
    }

    public static void Merge(List<AgentTaint> into, IEnumerable<AgentTaint> taints)
    {
        foreach (var t in taints)
        {
            var i = into.FindIndex(x => x.Decision == t.Decision);
            if (i < 0) into.Add(t);
            else if (t.Approved && !into[i].Approved) into[i] = t;
        }
    }

    /// <summary>Called by the executor when a node completed (or started waiting) with <paramref name="port"/>.</summary>
    public static void OnNodeResult(InstanceState state, NodeDefinition node, ActivityContext context, string? port, bool storedOutput)
    {
        var key = OutputKey(node.Id);
        List<AgentTaint> taints;
        if (context.ExplicitTaints is { } explicitTaints)
        {
            taints = [.. explicitTaints];
        }
        else
        {
            taints = TaintsOf(context.Lineage, state);
            // A resumed node (its inputs were read before the wait) keeps what it derived from then.
            if (context.IsResume && state.Provenance.TryGetValue(key, out var before)) Merge(taints, before);
        }
        if (node.Type == "approval" && port == "approved" && taints.Count > 0)
        {
            foreach (var t in taints) state.HumanApproved.Add(t.Decision);
            state.HumanApprovals++;
        }
        else if (node.Type == "approval" && port == "approved")
        {
            state.HumanApprovals++;
        }
        if (taints.Count == 0 && !state.Provenance.ContainsKey(key)) return;
        if (!storedOutput && port is not null && taints.Count == 0) return;
        state.Provenance[key] = taints;
        if (!string.IsNullOrEmpty(node.Output) && storedOutput) state.Provenance[VarKey(node.Output)] = taints;
    }

    /// <summary>
    /// The agents a node's inputs derive from, known before it runs: the static root paths of its expression inputs
    /// (for an action: its payload map and idempotency key) looked up in the provenance. Used by the kill-switch gate.
    /// </summary>
    public static IReadOnlyCollection<string> AgentsRead(InstanceState state, NodeDefinition node)
    {
        if (state.Provenance.Count == 0) return [];
        var paths = new List<string>();
        foreach (var (_, value) in node.Inputs) Collect(value, paths);
        return TaintsOf(paths, state).Select(t => t.Agent).Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Collect(System.Text.Json.Nodes.JsonNode? value, List<string> paths)
    {
        switch (value)
        {
            case System.Text.Json.Nodes.JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String:
                var text = v.GetValue<string>();
                if (Definitions.Expressions.CompiledExpression.TryParse(text, out var e, out _)) paths.AddRange(e!.RootPaths);
                break;
            case System.Text.Json.Nodes.JsonObject o:
                foreach (var (_, child) in o) Collect(child, paths);
                break;
            case System.Text.Json.Nodes.JsonArray a:
                foreach (var child in a) Collect(child, paths);
                break;
        }
    }
}

/// <summary>Raised instead of running an action that governance forbids. Never retried, never routed to an error port: an incident.</summary>
public sealed class GovernanceViolationException(string rule, string message) : Exception(message)
{
    /// <summary><c>forbidden-action</c>, <c>outside-boundary</c>, <c>stage</c>, <c>draft-only</c>, <c>paused</c>.</summary>
    public string Rule { get; } = rule;
}
