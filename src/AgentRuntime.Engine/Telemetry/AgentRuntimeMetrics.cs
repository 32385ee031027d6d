using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// Every instrument of the <c>AgentRuntime</c> meter, with one record method per measurement. The engine records its
/// own (instances, activity durations, queue depth, claim lag, agent confidence, outcome values); the methods in the
/// second half are for the parts built elsewhere (approvals, shadow/draft governance, audit reviews, LLM agents) to
/// call at the moment the fact becomes true. Calls are cheap and thread-safe, and do nothing when no meter provider
/// listens (nothing exported: the journal and <c>telemetry_signals</c> still hold the evidence).
/// <para>
/// Rates (agreement, edit, pass) are counters with a boolean attribute, so any backend computes the rate over any
/// window, e.g. <c>sum(rate(agentruntime_agent_shadow_comparisons_total{agentruntime_shadow_agreed="true"}[1d])) /
/// sum(rate(agentruntime_agent_shadow_comparisons_total[1d]))</c>.
/// </para>
/// </summary>
public static class AgentRuntimeMetrics
{
    public const string MeterName = "AgentRuntime";

    public static readonly Meter Meter = new(MeterName, "1.0");

    // Durations are seconds (OpenTelemetry convention); boundaries fit engine steps (ms) up to human waits (days).
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400];
    private static readonly double[] HumanSecondsBuckets = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800];
    private static readonly double[] ConfidenceBuckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1];
    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

    // ---- engine (recorded by the engine itself) -------------------------------------------------------------------

    /// <summary><c>agentruntime.instance.started</c> {instance}: workflow.id, workflow.version. After the start committed.</summary>
    public static readonly Counter<long> InstancesStarted = Meter.CreateCounter<long>("agentruntime.instance.started", "{instance}", "Instances started.");
    /// <summary><c>agentruntime.instance.completed</c> {instance}: workflow.id, workflow.version. Reached an end node (or every path ended).</summary>
    public static readonly Counter<long> InstancesCompleted = Meter.CreateCounter<long>("agentruntime.instance.completed", "{instance}", "Instances that completed.");
    /// <summary><c>agentruntime.instance.faulted</c> {instance}: workflow.id, workflow.version, fault.kind (<c>failed</c>: ended at a fail node; <c>incident</c>: an incident suspended a path).</summary>
    public static readonly Counter<long> InstancesFaulted = Meter.CreateCounter<long>("agentruntime.instance.faulted", "{instance}", "Instances that failed or raised an incident.");
    /// <summary><c>agentruntime.instance.cancelled</c> {instance}: workflow.id, workflow.version.</summary>
    public static readonly Counter<long> InstancesCancelled = Meter.CreateCounter<long>("agentruntime.instance.cancelled", "{instance}", "Instances cancelled.");
    /// <summary><c>agentruntime.activity.duration</c> s: workflow.id, node.id, node.type, activity.status, outcome.port. In-memory time of one node execution (retries included).</summary>
    public static readonly Histogram<double> ActivityDuration = Meter.CreateHistogram("agentruntime.activity.duration", "s", "Time one node execution took.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    /// <summary><c>agentruntime.slice.duration</c> s: workflow.id, instance.status. Claim (or start) to commit of one slice.</summary>
    public static readonly Histogram<double> SliceDuration = Meter.CreateHistogram("agentruntime.slice.duration", "s", "Time one slice took, commit included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    /// <summary><c>agentruntime.claim.lag</c> s: workflow.id. Claim time minus <c>ready_at</c>: how long runnable work waited for a host.</summary>
    public static readonly Histogram<double> ClaimLag = Meter.CreateHistogram("agentruntime.claim.lag", "s", "How long runnable work waited before a host claimed it.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    /// <summary><c>agentruntime.agent.confidence</c> 1: workflow.id, agent.id, agent.stage. The confidence an agent reported (0..1).</summary>
    public static readonly Histogram<double> AgentConfidence = Meter.CreateHistogram("agentruntime.agent.confidence", "1", "Confidence agents reported.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ConfidenceBuckets });
    /// <summary><c>agentruntime.outcome.value</c> (unit in the outcome.unit attribute): workflow.id, outcome.metric, outcome.unit, outcome.met. One value per completed instance.</summary>
    public static readonly Histogram<double> OutcomeValue = Meter.CreateHistogram<double>("agentruntime.outcome.value", null, "Business outcome measured per completed instance.");

    /// <summary><c>agentruntime.queue.depth</c> {instance}: runnable instances not yet claimed (ready_at &lt;= now, lease free), database-wide, cached.</summary>
    public static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge("agentruntime.queue.depth", ObserveQueueDepth, "{instance}",
        "Runnable instances waiting for a host (database-wide; every host reports the same figure).");

    // ---- governance and agents (recorded by the parts that produce the fact) ---------------------------------------

    /// <summary><c>agentruntime.approval.latency</c> s: workflow.id, node.id, approval.decision. Task creation to the human's decision.</summary>
    public static readonly Histogram<double> ApprovalLatency = Meter.CreateHistogram("agentruntime.approval.latency", "s", "Time from an approval task's creation to its decision.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HumanSecondsBuckets });
    /// <summary><c>agentruntime.agent.shadow.comparisons</c> {comparison}: workflow.id, agent.id, shadow.agreed. Agreement rate = agreed / all.</summary>
    public static readonly Counter<long> ShadowComparisons = Meter.CreateCounter<long>("agentruntime.agent.shadow.comparisons", "{comparison}", "Shadow proposals compared with the human decision.");
    /// <summary><c>agentruntime.agent.draft.reviews</c> {review}: workflow.id, agent.id, draft.edited, approval.decision. Edit rate = edited / all.</summary>
    public static readonly Counter<long> DraftReviews = Meter.CreateCounter<long>("agentruntime.agent.draft.reviews", "{review}", "Agent drafts reviewed by a human.");
    /// <summary><c>agentruntime.audit.reviews</c> {review}: workflow.id, agent.id, audit.passed. Pass rate = passed / all.</summary>
    public static readonly Counter<long> AuditReviews = Meter.CreateCounter<long>("agentruntime.audit.reviews", "{review}", "Sampled audit reviews completed.");
    /// <summary>
    /// <c>gen_ai.client.token.usage</c> {token} (GenAI semantic conventions): gen_ai.operation.name, gen_ai.provider.name,
    /// gen_ai.request.model, gen_ai.token.type (<c>input</c>/<c>output</c>), agent.id. Tokens per agent = sum by agent.id.
    /// </summary>
    public static readonly Histogram<long> TokenUsage = Meter.CreateHistogram("gen_ai.client.token.usage", "{token}", "Tokens used per LLM call.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets.Select(b => (long)b).ToArray() });
    /// <summary><c>gen_ai.client.operation.duration</c> s: gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model, agent.id, error.type.</summary>
    public static readonly Histogram<double> GenAiDuration = Meter.CreateHistogram("gen_ai.client.operation.duration", "s", "Duration of LLM calls.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    /// <summary><c>agentruntime.agent.cost</c> {USD}: workflow.id, agent.id, gen_ai.request.model. Estimated spend of LLM calls in US dollars.</summary>
    public static readonly Counter<double> AgentCost = Meter.CreateCounter<double>("agentruntime.agent.cost", "{USD}", "Estimated LLM spend per agent, in US dollars.");

    /// <summary>A human decided an approval task. <paramref name="decision"/>: approved, rejected, changes-requested, timed-out.</summary>
    public static void RecordApprovalLatency(string workflowId, string nodeId, string decision, TimeSpan latency) =>
        ApprovalLatency.Record(latency.TotalSeconds, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.NodeId, nodeId }, { TelemetryAttributes.ApprovalDecision, decision },
        });

    /// <summary>A shadow agent's proposal was compared with what the human decided.</summary>
    public static void RecordShadowComparison(string workflowId, string agentId, bool agreed) =>
        ShadowComparisons.Add(1, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.AgentId, agentId }, { TelemetryAttributes.ShadowAgreed, agreed },
        });

    /// <summary>A human reviewed a draft agent's output: <paramref name="edited"/> when they changed it before deciding.</summary>
    public static void RecordDraftReview(string workflowId, string agentId, bool edited, string decision) =>
        DraftReviews.Add(1, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.AgentId, agentId },
            { TelemetryAttributes.DraftEdited, edited }, { TelemetryAttributes.ApprovalDecision, decision },
        });

    /// <summary>A sampled audit review was completed against the workflow's criteria.</summary>
    public static void RecordAuditReview(string workflowId, string? agentId, bool passed) =>
        AuditReviews.Add(1, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.AgentId, agentId ?? "" }, { TelemetryAttributes.AuditPassed, passed },
        });

    /// <summary>Estimated spend of one LLM call. Prefer <see cref="GenAiChatSpan.RecordUsage"/>, which records tokens and cost together.</summary>
    public static void RecordCost(string? workflowId, string agentId, string model, double usd)
    {
        if (usd <= 0) return;
        AgentCost.Add(usd, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId ?? "" }, { TelemetryAttributes.AgentId, agentId }, { GenAiTelemetry.RequestModel, model },
        });
    }

    // ---- engine record methods ---------------------------------------------------------------------------------

    internal static void RecordStarted(string workflowId, int version) =>
        InstancesStarted.Add(1, new TagList { { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.WorkflowVersion, version } });

    internal static void RecordEnded(string workflowId, int version, string status)
    {
        var tags = new TagList { { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.WorkflowVersion, version } };
        switch (status)
        {
            case Instances.InstanceStatus.Completed: InstancesCompleted.Add(1, tags); break;
            case Instances.InstanceStatus.Cancelled: InstancesCancelled.Add(1, tags); break;
            case Instances.InstanceStatus.Failed:
                tags.Add(TelemetryAttributes.FaultKind, "failed");
                InstancesFaulted.Add(1, tags);
                break;
        }
    }

    internal static void RecordIncidents(string workflowId, int version, int count)
    {
        if (count <= 0) return;
        InstancesFaulted.Add(count, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.WorkflowVersion, version }, { TelemetryAttributes.FaultKind, "incident" },
        });
    }

    internal static void RecordActivity(string workflowId, string nodeId, string nodeType, string status, string? port, double seconds) =>
        ActivityDuration.Record(seconds, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.NodeId, nodeId }, { TelemetryAttributes.NodeType, nodeType },
            { TelemetryAttributes.ActivityStatus, status }, { TelemetryAttributes.OutcomePort, port ?? "" },
        });

    internal static void RecordConfidence(string workflowId, string agentId, string? stage, double confidence) =>
        AgentConfidence.Record(confidence, new TagList
        {
            { TelemetryAttributes.WorkflowId, workflowId }, { TelemetryAttributes.AgentId, agentId }, { TelemetryAttributes.AgentStage, stage ?? "" },
        });

    // ---- queue depth: an observable gauge over cached probes (one per engine in the process) -----------------------

    private static readonly ConcurrentDictionary<QueueDepthProbe, byte> Probes = new();

    internal static void Register(QueueDepthProbe probe) => Probes[probe] = 0;

    internal static void Unregister(QueueDepthProbe probe) => Probes.TryRemove(probe, out _);

    private static IEnumerable<Measurement<long>> ObserveQueueDepth()
    {
        foreach (var probe in Probes.Keys)
        {
            if (probe.Current() is { } depth) yield return new Measurement<long>(depth);
        }
    }
}
