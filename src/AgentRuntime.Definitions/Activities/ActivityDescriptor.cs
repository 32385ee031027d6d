using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Definitions.Activities;

/// <summary>The kind of value an activity input takes. Drives validation, the JSON Schema and the Studio's property panel.</summary>
public enum InputKind
{
    /// <summary>Literal text.</summary>
    String,
    /// <summary>Text with <c>{{ expression }}</c> holes, rendered at run time.</summary>
    Template,
    /// <summary>An expression in the sandboxed language, parsed and checked at validation time.</summary>
    Expression,
    Number,
    Integer,
    Boolean,
    /// <summary>A duration such as <c>90s</c>, <c>15m</c>, <c>4h</c>, <c>2d</c>.</summary>
    Duration,
    /// <summary>A list of strings.</summary>
    StringList,
    /// <summary>A map from names to expressions (e.g. an action's payload).</summary>
    ExpressionMap,
    /// <summary>Structured data whose shape the activity checks itself (forms, branch lists, compensations).</summary>
    Object,
}

/// <summary>One typed input of an activity.</summary>
public sealed record ActivityInput(string Name, InputKind Kind, bool Required, string Description);

/// <summary>One outcome port. A required port left unconnected stops publication.</summary>
public sealed record ActivityPort(string Name, bool Required, string Description);

/// <summary>
/// What a node type is: its inputs and outcome ports. The validator, the JSON Schema, the Studio palette and
/// the engine all read the same descriptor, so a new node type is declared once. Every activity additionally has an
/// <see cref="ErrorPort"/>: connected, failures (after retries) follow it; unconnected, they raise an incident.
/// </summary>
public sealed record ActivityDescriptor(
    string Type,
    string DisplayName,
    string Description,
    IReadOnlyList<ActivityInput> Inputs,
    IReadOnlyList<ActivityPort> Ports,
    string Category = "flow")
{
    public const string ErrorPort = "error";

    /// <summary>
    /// Computes ports that depend on the node's own inputs (e.g. a decision's branches). Null for activities
    /// whose ports are fixed. Receives the node and returns the full port list.
    /// </summary>
    public Func<NodeDefinition, IReadOnlyList<ActivityPort>>? DynamicPorts { get; init; }

    /// <summary>True for activities that end a path (<c>end</c>, <c>fail</c>): they have no outgoing ports.</summary>
    public bool IsTerminal => Ports.Count == 0 && DynamicPorts is null;

    /// <summary>The ports of a concrete node, including <see cref="ErrorPort"/> (never required).</summary>
    public IReadOnlyList<ActivityPort> PortsOf(NodeDefinition node)
    {
        var ports = DynamicPorts?.Invoke(node) ?? Ports;
        if (IsTerminal) return ports;
        return [.. ports, new ActivityPort(ErrorPort, false, "Taken when the activity fails after its retries.")];
    }
}
