namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// Attribute (tag) names on the engine's spans and metrics. Stable: dashboards and the collector's processors key on them.
/// </summary>
public static class TelemetryAttributes
{
    public const string WorkflowId = "agentruntime.workflow.id";
    public const string WorkflowVersion = "agentruntime.workflow.version";
    public const string InstanceId = "agentruntime.instance.id";
    /// <summary>Instance status after a slice: running, waiting, suspended, paused, completed, failed, cancelled.</summary>
    public const string InstanceStatus = "agentruntime.instance.status";
    public const string NodeId = "agentruntime.node.id";
    /// <summary>The activity type of the node (<c>agent</c>, <c>approval</c>, <c>wait</c> …).</summary>
    public const string NodeType = "agentruntime.node.type";
    public const string AgentId = "agentruntime.agent.id";
    /// <summary><c>shadow</c>, <c>draft</c> or <c>execute</c>.</summary>
    public const string AgentStage = "agentruntime.agent.stage";
    /// <summary>The outcome port the node left by (<c>done</c>, <c>approved</c>, <c>error</c> …); absent while it waits.</summary>
    public const string OutcomePort = "agentruntime.outcome.port";
    /// <summary>Attempts the node took under its retry policy (1 when it succeeded first time).</summary>
    public const string Attempt = "agentruntime.attempt";
    /// <summary>What the node execution did: <c>completed</c>, <c>waiting</c> or <c>faulted</c>.</summary>
    public const string ActivityStatus = "agentruntime.activity.status";
    /// <summary>Kind of fault on <c>agentruntime.instance.faulted</c>: <c>failed</c> (ended failed) or <c>incident</c>.</summary>
    public const string FaultKind = "agentruntime.fault.kind";
    /// <summary>On a slice's link: <c>instance.start</c> (the span it started in) or <c>message</c> (the request that sent a message it applies).</summary>
    public const string LinkKind = "agentruntime.link.kind";
    /// <summary>On a <c>message</c> link: the message kind (<c>signal</c>, <c>task</c>, <c>resume</c> …).</summary>
    public const string MessageKind = "agentruntime.message.kind";
    /// <summary>On a <c>message</c> link: the signal name or task id.</summary>
    public const string MessageName = "agentruntime.message.name";
    public const string ApprovalDecision = "agentruntime.approval.decision";
    public const string ShadowAgreed = "agentruntime.shadow.agreed";
    public const string DraftEdited = "agentruntime.draft.edited";
    public const string AuditPassed = "agentruntime.audit.passed";
    public const string OutcomeMetric = "agentruntime.outcome.metric";
    public const string OutcomeUnit = "agentruntime.outcome.unit";
    /// <summary>Whether the instance's outcome value met its version's target (absent when no target/direction).</summary>
    public const string OutcomeMet = "agentruntime.outcome.met";
}
