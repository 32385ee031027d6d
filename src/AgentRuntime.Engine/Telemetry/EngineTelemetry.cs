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
/// another host) is the root of a new trace carrying an <see cref="ActivityLink"/> to the starting span, and one to
/// the request trace of each signal or task decision it applies (<see cref="SliceLinks"/>).</item>
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

    private const string EnvelopeTrace = "$traceparent";
    private const string EnvelopePayload = "$payload";

    /// <summary>
    /// The payload to store with a message sent to an instance now (signal, task decision): when a recorded span is
    /// current (the API request that sends it), it is wrapped as <c>{"$traceparent": …, "$payload": …}</c> so the slice
    /// that applies it can link to the request's trace; otherwise it is stored as it is. The claim unwraps it
    /// (<see cref="UnwrapMessagePayload"/>): activities and the journal never see the envelope.
    /// </summary>
    public static JsonNode? WrapMessagePayload(JsonNode? payload)
    {
        var current = Activity.Current;
        if (current is null || (current.ActivityTraceFlags & ActivityTraceFlags.Recorded) == 0) return payload;
        if (TraceParentOf(current) is not { } traceParent) return payload;
        return new JsonObject { [EnvelopeTrace] = traceParent, [EnvelopePayload] = payload?.DeepClone() };
    }

    /// <summary>The stored payload without its trace envelope, and the sender's traceparent (null when none was stored).</summary>
    public static JsonNode? UnwrapMessagePayload(JsonNode? stored, out string? traceParent)
    {
        traceParent = null;
        if (stored is not JsonObject o || o.Count is < 1 or > 2 || o[EnvelopeTrace] is not JsonValue v || !v.TryGetValue<string>(out var tp)
            || (o.Count == 2 && !o.ContainsKey(EnvelopePayload)))
            return stored;
        traceParent = tp;
        var payload = o[EnvelopePayload];
        o.Remove(EnvelopePayload); // detached from the envelope
        return payload;
    }

    /// <summary>
    /// Links of a slice: to the span the instance started in (<c>instance.start</c>), and to the trace of each request
    /// whose message the slice applies (<c>message</c>, with the message kind: a signal, a task decision) — so the slice
    /// that resumes an instance after an approval is found from the approval's request as well as from the start.
    /// Duplicate contexts and the slice's own trace are skipped.
    /// </summary>
    internal static ActivityLink[]? SliceLinks(string? startTraceParent, IEnumerable<(string Kind, string? Name, string? TraceParent)> messages)
    {
        var links = new List<ActivityLink>(LinksToStart(startTraceParent) ?? []);
        var current = Activity.Current?.TraceId;
        foreach (var (kind, name, traceParent) in messages)
        {
            if (string.IsNullOrEmpty(traceParent) || !System.Diagnostics.ActivityContext.TryParse(traceParent, null, isRemote: true, out var context)) continue;
            if (context.TraceId == current || links.Exists(l => l.Context.TraceId == context.TraceId && l.Context.SpanId == context.SpanId)) continue;
            var tags = new ActivityTagsCollection { [TelemetryAttributes.LinkKind] = "message", [TelemetryAttributes.MessageKind] = kind };
            if (name is not null) tags[TelemetryAttributes.MessageName] = name;
            links.Add(new ActivityLink(context, tags));
        }
        return links.Count == 0 ? null : [.. links];
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
    internal static Activity? StartSlice(Guid instanceId, string workflowId, int version, string? traceParent,
        IEnumerable<(string Kind, string? Name, string? TraceParent)>? messages = null)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity("instance.slice", ActivityKind.Internal, parentContext: default, tags: null, links: SliceLinks(traceParent, messages ?? []));
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
    /// confidence (span tags) when the output is an agent's; the <c>agentruntime.activity.duration</c> point.
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
            // The histogram point is recorded by the agent node when its decision commits (AgentActivity), not here: a
            // resumed shadow node's output is the human's answer, and a shadow proposal's confidence is in no output.
            if (o["confidence"] is JsonValue c && c.TryGetValue<double>(out var confidence))
                span?.SetTag("agentruntime.agent.confidence", confidence);
        }
        AgentRuntimeMetrics.RecordActivity(workflowId, nodeId, nodeType, status, port, durationMs / 1000);
    }
}
