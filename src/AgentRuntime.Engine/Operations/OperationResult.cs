using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Operations;

public enum OperationOutcome
{
    /// <summary>Done, or durably queued for the instance's next slice.</summary>
    Accepted,
    NotFound,
    /// <summary>Not applicable in the subject's current state (finished instance, workflow not paused…); <see cref="OperationResult.Detail"/> says why.</summary>
    Conflict,
    /// <summary>Refused by the request itself (bad version, unknown operation…).</summary>
    Invalid,
    /// <summary>Attempted and failed (a compensation failed: an incident was raised).</summary>
    Failed,
}

/// <summary>What an ops operation did. <see cref="Data"/> carries operation-specific detail (counts, per-instance results).</summary>
public sealed record OperationResult(OperationOutcome Outcome, string? Detail = null, JsonNode? Data = null)
{
    public static OperationResult Accepted(JsonNode? data = null) => new(OperationOutcome.Accepted, null, data);
    public static OperationResult NotFound(string detail) => new(OperationOutcome.NotFound, detail);
    public static OperationResult Conflict(string detail) => new(OperationOutcome.Conflict, detail);
    public static OperationResult Invalid(string detail) => new(OperationOutcome.Invalid, detail);
}

/// <summary>Every ops operation must say why: a blank reason is refused before anything happens.</summary>
public sealed class ReasonRequiredException() : ArgumentException("A reason is required for every ops operation.", "reason");

/// <summary>Audit actions of ops controls not in <see cref="Audit.AuditActions"/>.</summary>
public static class OperationsAuditActions
{
    public const string BulkSubmitted = "instances.bulk-submitted";
    public const string InstancesMigrated = "instances.migrated";
}
