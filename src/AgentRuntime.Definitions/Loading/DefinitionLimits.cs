namespace AgentRuntime.Definitions.Loading;

/// <summary>
/// Bounds on what a definition may be. They protect the host (and the CLI) from huge or hostile files: exceeding one
/// yields exactly one AR5xx error, found while reading, before any model is built. Raise them deliberately, not casually:
/// the Studio and the engine assume definitions of human size.
/// </summary>
public sealed class DefinitionLimits
{
    /// <summary>The defaults: 1 MB, 500 nodes, 2,000 edges, depth 64, expressions of 4,096 characters.</summary>
    public static DefinitionLimits Default { get; } = new();

    /// <summary>Largest accepted file, in UTF-8 bytes. Larger files are refused unread (AR501).</summary>
    public long MaxFileBytes { get; init; } = 1024 * 1024;

    /// <summary>Most nodes in <c>flowchart.nodes</c> (AR502).</summary>
    public int MaxNodes { get; init; } = 500;

    /// <summary>Most edges in <c>flowchart.edges</c> (AR503).</summary>
    public int MaxEdges { get; init; } = 2_000;

    /// <summary>Deepest nesting of mappings/lists; the root mapping is depth 1 (AR504).</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Longest expression or template, in characters (AR505).</summary>
    public int MaxExpressionLength { get; init; } = 4_096;
}
