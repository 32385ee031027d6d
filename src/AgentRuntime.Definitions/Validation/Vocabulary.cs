namespace AgentRuntime.Definitions.Validation;

/// <summary>The closed sets of words definitions use. The validator checks against them and the schema lists them as
/// enums, so editors and <c>agentrt validate</c> accept the same values.</summary>
public static class Vocabulary
{
    public static IReadOnlyList<string> OutcomeDirections { get; } = ["lower-is-better", "higher-is-better"];
    public static IReadOnlyList<string> ProbeKinds { get; } = ["sql", "http", "file"];
    public static IReadOnlyList<string> EscalationActions { get; } = ["notify-owner", "demote", "pause"];
    /// <summary>Stages an agent may be rolled back to (never <c>execute</c>).</summary>
    public static IReadOnlyList<string> FallbackStages { get; } = ["shadow", "draft"];
    public static IReadOnlyList<string> FieldTypes { get; } = ["string", "number", "integer", "boolean", "object", "array"];
    public static IReadOnlyList<string> StratifyDimensions { get; } = ["agent", "outcome"];
}
