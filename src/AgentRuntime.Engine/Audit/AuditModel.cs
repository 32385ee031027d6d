using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Audit;

/// <summary>
/// A decision to record: who (<paramref name="Actor"/>) did what (<paramref name="Action"/>, e.g.
/// <see cref="AuditActions.WorkflowPublished"/>) to which subject, why, with optional structured detail.
/// </summary>
/// <param name="Actor">The acting user's name, <see cref="AuditActors.Anonymous"/>, or <see cref="AuditActors.System"/> for a component.</param>
/// <param name="Action">Dotted, lowercase, e.g. <c>task.completed</c>; see <see cref="AuditActions"/>.</param>
/// <param name="SubjectType">What kind of thing was decided about: <c>workflow</c>, <c>instance</c>, <c>agent</c>, <c>task</c>, <c>incident</c>…</param>
/// <param name="SubjectId">Its id (for a workflow version, the workflow id; the version goes in <paramref name="Data"/>).</param>
/// <param name="Reason">Why, in the actor's words (optional).</param>
/// <param name="Data">Structured detail (canonicalised with <see cref="AuditCanonicalJson"/>; numbers are doubles).</param>
public sealed record AuditRecord(string Actor, string Action, string SubjectType, string SubjectId, string? Reason = null, JsonNode? Data = null);

/// <summary>
/// One entry of the hash chain. <see cref="Hash"/> is SHA-256 over <see cref="AuditHashing.CanonicalBody"/>, which covers
/// every other field including <see cref="PreviousHash"/> (the previous entry's <see cref="Hash"/>; 64 zeros for the first).
/// </summary>
public sealed record AuditEntry(
    long Sequence,
    Guid Id,
    DateTimeOffset Time,
    string Actor,
    string Action,
    string SubjectType,
    string SubjectId,
    string? Reason,
    JsonNode? Data,
    string PreviousHash,
    string Hash);

/// <summary>Action names used across the product. Free text is allowed, but use these where they fit so filters work.</summary>
public static class AuditActions
{
    public const string WorkflowVersionCreated = "workflow.version-created";
    public const string WorkflowPublished = "workflow.published";
    public const string WorkflowRolledBack = "workflow.rolled-back";
    public const string WorkflowPaused = "workflow.paused";
    public const string WorkflowResumed = "workflow.resumed";
    public const string TaskCompleted = "task.completed";
    public const string AgentStageChanged = "agent.stage-changed";
    public const string AgentPaused = "agent.paused";
    public const string AgentResumed = "agent.resumed";
    public const string InstancePaused = "instance.paused";
    public const string InstanceResumed = "instance.resumed";
    public const string InstanceCancelled = "instance.cancelled";
    public const string InstanceRolledBack = "instance.rolled-back";
    public const string IncidentRetried = "incident.retried";
    public const string IncidentSkipped = "incident.skipped";
    public const string IncidentCancelled = "incident.cancelled";
}

/// <summary>Actor names for decisions no signed-in person made.</summary>
public static class AuditActors
{
    /// <summary>A request without an identity.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>A background component: <c>system:&lt;component&gt;</c>, e.g. <c>system:workflow-sync</c>.</summary>
    public static string System(string component) =>
        string.IsNullOrWhiteSpace(component)
            ? throw new ArgumentException("A component name is required.", nameof(component))
            : "system:" + component.Trim();
}

/// <summary>Formats shared by hashing, storage and the API.</summary>
public static class AuditFormat
{
    /// <summary>The previous hash of the first entry.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>PostgreSQL keeps microseconds: times are truncated to them before hashing so they round-trip exactly.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % 10, TimeSpan.Zero);
    }

    /// <summary>The time as hashed: UTC, exactly six fraction digits, <c>Z</c> (e.g. <c>2026-11-21T05:43:57.123456Z</c>).</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
