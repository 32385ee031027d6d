using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Instances;

public sealed record StartOptions
{
    /// <summary>
    /// Run the first slice in the caller before returning (one commit for a straight-through instance) instead of
    /// queuing it for a worker. Either way nothing is visible until committed.
    /// </summary>
    public bool RunInline { get; init; }

    /// <summary>Start on this version instead of the published one (tests, re-runs).</summary>
    public int? Version { get; init; }

    /// <summary>
    /// Who starts the instance (the API passes the acting user). Stored as <c>workflow_instances.started_by</c>, visible to
    /// expressions as <c>instance.startedBy</c>; segregation of duties on approvals refuses this user's approval.
    /// </summary>
    public string? StartedBy { get; init; }
}

public sealed record StartResult(Guid InstanceId, string WorkflowId, int Version, string Status);

public sealed record InstanceSummary(
    Guid Id, string WorkflowId, int Version, string Status, string? WaitingOn, string? HoldReason, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, string? StartedBy = null);

public sealed record InstanceDetails(
    InstanceSummary Instance, JsonNode? Input, JsonNode? Variables, JsonNode? Outputs, JsonNode? Output, string? LeaseOwner,
    IReadOnlyList<JournalEntryView> Journal, IReadOnlyList<IncidentView> Incidents);

public sealed record JournalEntryView(
    int Seq, int TokenId, string NodeId, string ActivityType, int Attempt, string Status, string? Port,
    JsonNode? Input, JsonNode? Output, string? Error, IReadOnlyList<string>? Lineage, DateTimeOffset StartedAt, double DurationMs, string Host);

public sealed record IncidentView(
    Guid Id, Guid InstanceId, string WorkflowId, int Version, string NodeId, string ActivityType, string ErrorType, string Message,
    int Attempts, string Status, string? Resolution, DateTimeOffset CreatedAt, DateTimeOffset? ResolvedAt);

/// <summary>A page of results; pass <see cref="NextCursor"/> back to get the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public enum SignalOutcome
{
    Accepted,
    NotFound,
    /// <summary>The instance has completed, failed or been cancelled.</summary>
    Finished,
}

public enum IncidentActionOutcome
{
    Accepted,
    NotFound,
    /// <summary>The incident is not open (already being resolved, resolved or cancelled).</summary>
    NotOpen,
    /// <summary>Skip: the port does not exist on the node or is not connected.</summary>
    InvalidPort,
}

public sealed record IncidentActionResult(IncidentActionOutcome Outcome, string? Detail = null);

public sealed class WorkflowNotFoundException(string workflowId) : Exception($"No workflow '{workflowId}' exists.")
{
    public string WorkflowId { get; } = workflowId;
}

public sealed class WorkflowNotStartableException(string workflowId, string reason) : Exception($"Workflow '{workflowId}' cannot start: {reason}")
{
    public string WorkflowId { get; } = workflowId;
}
