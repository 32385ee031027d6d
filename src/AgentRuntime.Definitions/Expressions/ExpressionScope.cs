using System.Text.Json.Nodes;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// The data an expression can read: the four roots <c>input</c>, <c>vars</c>, <c>outputs</c> and <c>instance</c>,
/// plus the clock behind <c>now()</c>. Nothing else is reachable from an expression — no environment variables,
/// files, network or reflection.
/// </summary>
/// <remarks>
/// Evaluation never modifies the scope's nodes, and values returned by <see cref="CompiledExpression.Evaluate"/> are
/// fresh nodes (copies where they come from the scope), so they can be attached to another JSON tree. A root left
/// <c>null</c> reads as JSON <c>null</c>: <c>vars.x</c> is then <c>null</c> rather than an error. The same scope may be
/// shared by concurrent evaluations as long as nobody mutates its nodes meanwhile.
/// </remarks>
public sealed class ExpressionScope
{
    /// <summary>The instance input (<c>input</c>).</summary>
    public JsonNode? Input { get; init; }

    /// <summary>Instance variables by name (<c>vars.name</c>). A <see cref="JsonObject"/> can be passed as
    /// <c>jsonObject.ToDictionary()</c>.</summary>
    public IReadOnlyDictionary<string, JsonNode?>? Vars { get; init; }

    /// <summary>Outputs of completed nodes keyed by node id (<c>outputs.propose.confidence</c>,
    /// <c>outputs['propose-refund'].amount</c>).</summary>
    public IReadOnlyDictionary<string, JsonNode?>? Outputs { get; init; }

    /// <summary>Facts about the running instance (<c>instance.id</c>, <c>workflowId</c>, <c>version</c>, <c>startedAt</c>).</summary>
    public JsonObject? Instance { get; init; }

    /// <summary>The clock behind <c>now()</c>. Defaults to <see cref="TimeProvider.System"/>; tests pass a fake.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>An empty scope: every root reads as <c>null</c>.</summary>
    public static ExpressionScope Empty { get; } = new();
}
