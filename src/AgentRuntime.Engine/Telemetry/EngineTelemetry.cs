using System.Diagnostics;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// Names the engine's OpenTelemetry signals. The host subscribes with <c>AddSource(EngineTelemetry.SourceName)</c>.
/// Spans: <c>instance.slice</c> (one per claim-to-commit) and <c>activity &lt;type&gt;</c> (one per node execution).
/// </summary>
public static class EngineTelemetry
{
    public const string SourceName = "AgentRuntime";
    public static readonly ActivitySource Source = new(SourceName);
}
