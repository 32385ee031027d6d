using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// Names the engine's OpenTelemetry signals. The host subscribes with <c>AddSource(EngineTelemetry.SourceName)</c> and
/// <c>AddMeter(AgentRuntimeMetrics.MeterName)</c>.
/// <para>
/// Spans (all from the <c>AgentRuntime</c> source):
/// <list type="bullet">
/// <item><c>instance.start</c> — one per start call; its context is stored on the instance row (<c>trace_parent</c>).</item>
/// <item><c>instance.slice</c> — one per claim-to-commit. The first slice of an inline start is a child of
/// <c>instance.start</c>; every later slice (a resume after a timer, signal, task or incident, possibly hours later on
/// another host) is the root of a new trace carrying an <see cref="ActivityLink"/> to the starting span.</item>
/// <item><c>activity &lt;type&gt;</c> — one per node execution, child of its slice.</item>
/// <item><c>chat &lt;model&gt;</c> — an LLM call (<see cref="GenAiTelemetry"/>), child of the agent's activity span.</item>
/// </list>
/// Attribute names are in <see cref="TelemetryAttributes"/>.
/// </para>
/// </summary>
public static class EngineTelemetry
{
    public const string SourceName = "AgentRuntime";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C <c>traceparent</c> of <paramref name="activity"/> (null when there is none).</summary>
    public static string? TraceParentOf(Activity? activity)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-{((activity.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}");
    }

    /// <summary>
    /// A link to the trace an instance started in, for a later slice that runs outside it. None when nothing was
    /// stored, when it does not parse, or when the slice already runs inside that trace (the inline first slice).
    /// </summary>
    public static ActivityLink[]? LinksToStart(string? traceParent)
    {
        if (string.IsNullOrEmpty(traceParent) || !System.Diagnostics.ActivityContext.TryParse(traceParent, null, isRemote: true, out var context))
            return null;
        if (Activity.Current is { } current && current.TraceId == context.TraceId) return null;
        return [new ActivityLink(context, new ActivityTagsCollection { [TelemetryAttributes.LinkKind] = "instance.start" })];
    }

    /// <summary>Starts the span an instance starts in (a child of whatever started it: an API request, a job).</summary>
    internal static Activity? StartInstance(Guid instanceId, string workflowId, int version, bool inline)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity("instance.start", inline ? ActivityKind.Internal : ActivityKind.Producer);
        if (span is null) return null;
        span.SetTag(TelemetryAttributes.WorkflowId, workflowId);
        span.SetTag(TelemetryAttributes.WorkflowVersion, version);
        span.SetTag(TelemetryAttributes.InstanceId, instanceId.ToString());
        return span;
    }

    /// <summary>Starts the span of one slice of an instance (linked to its starting trace when it runs outside it).</summary>
    internal static Activity? StartSlice(Guid instanceId, string workflowId, int version, string? traceParent)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity("instance.slice", ActivityKind.Internal, parentContext: default, tags: null, links: LinksToStart(traceParent));
        if (span is null) return null;
        span.SetTag(TelemetryAttributes.WorkflowId, workflowId);
        span.SetTag(TelemetryAttributes.WorkflowVersion, version);
        span.SetTag(TelemetryAttributes.InstanceId, instanceId.ToString());
        return span;
    }

    /// <summary>Starts the span of one node execution.</summary>
    internal static Activity? StartActivity(string workflowId, int version, Guid instanceId, string nodeId, string nodeType, JsonNode? agentInput)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity($"activity {nodeType}");
        if (span is null) return null;
        span.SetTag(TelemetryAttributes.WorkflowId, workflowId);
        span.SetTag(TelemetryAttributes.WorkflowVersion, version);
        span.SetTag(TelemetryAttributes.InstanceId, instanceId.ToString());
        span.SetTag(TelemetryAttributes.NodeId, nodeId);
        span.SetTag(TelemetryAttributes.NodeType, nodeType);
        if (agentInput is JsonValue v && v.TryGetValue<string>(out var agentId)) span.SetTag(TelemetryAttributes.AgentId, agentId);
        return span;
    }

    /// <summary>
    /// Finishes a node execution's telemetry: the port, attempts and status on its span; the agent's id, stage and
    /// confidence when the output is an agent's; the <c>agentruntime.activity.duration</c> point.
    /// </summary>
    internal static void ActivityEnded(Activity? span, string workflowId, string nodeId, string nodeType, string status, string? port,
        int attempts, double durationMs, JsonNode? output)
    {
        if (span is not null)
        {
            span.SetTag(TelemetryAttributes.ActivityStatus, status);
            span.SetTag(TelemetryAttributes.Attempt, attempts);
            if (port is not null) span.SetTag(TelemetryAttributes.OutcomePort, port);
        }
        if (nodeType == "agent" && output is JsonObject o && o["agent"] is JsonValue a && a.TryGetValue<string>(out var agentId))
        {
            var stage = o["stage"] is JsonValue st && st.TryGetValue<string>(out var s) ? s : null;
            span?.SetTag(TelemetryAttributes.AgentId, agentId);
            if (stage is not null) span?.SetTag(TelemetryAttributes.AgentStage, stage);
            if (o["confidence"] is JsonValue c && c.TryGetValue<double>(out var confidence))
            {
                span?.SetTag("agentruntime.agent.confidence", confidence);
                AgentRuntimeMetrics.RecordConfidence(workflowId, agentId, stage, confidence);
            }
        }
        AgentRuntimeMetrics.RecordActivity(workflowId, nodeId, nodeType, status, port, durationMs / 1000);
    }
}
