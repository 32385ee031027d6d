using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Validation;
using Microsoft.EntityFrameworkCore;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Persistence;

namespace AgentRuntime.Engine.Workflows;

/// <summary>What storing a definition did.</summary>
public enum StoreOutcome
{
    /// <summary>A new version was stored (and published, if asked).</summary>
    Created,
    /// <summary>The content equals the latest version's: nothing new was stored (it may have been published).</summary>
    Unchanged,
    /// <summary>The definition has structural errors: nothing was stored.</summary>
    Rejected,
}

public sealed record StoreResult(StoreOutcome Outcome, string? WorkflowId, int? Version, bool Published, IReadOnlyList<DefinitionProblem> Problems);

/// <summary>
/// Stores definitions as immutable, numbered versions. Content is compared by the hash of its canonical JSON, so
/// re-submitting an unchanged definition (or one that differs only in whitespace or key order) creates no version;
/// that is what makes the start-up sync of <c>workflows/</c> idempotent across restarts. Creating a version and
/// publishing one are audited decisions (<see cref="AuditActions.WorkflowVersionCreated"/>,
/// <see cref="AuditActions.WorkflowPublished"/>): their audit entries commit in the same transaction as the rows.
/// </summary>
public sealed class WorkflowCatalog(AgentRuntimeDbContext db, TimeProvider clock, AuditTrail audit)
{
    /// <summary>
    /// Stores <paramref name="document"/> as a new version unless it equals the latest one, and publishes it when
    /// <paramref name="publish"/> is set. A definition with errors is refused whole: nothing is stored.
    /// Stores of the same workflow id are serialized (a transaction-scoped advisory lock taken before the latest version
    /// is read), so two uploads at the same moment become two versions in order instead of one failing on the row's
    /// concurrency token; stores of different workflows do not wait for each other.
    /// </summary>
    public async Task<StoreResult> StoreAsync(DefinitionDocument document, string sourceText, string sourceName, bool publish, string? actor, CancellationToken ct = default)
    {
        if (document.HasErrors || document.Definition is null)
            return new StoreResult(StoreOutcome.Rejected, document.Definition?.Id, null, false, document.Problems);

        var definition = document.Definition;
        // The rows and their audit entries commit together (or, inside a caller's transaction, with it).
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtext('workflow-store:' || {definition.Id}))", ct);
        var now = clock.GetUtcNow();
        var workflow = await db.Set<WorkflowRecord>().FirstOrDefaultAsync(w => w.Id == definition.Id, ct);
        if (workflow is null)
        {
            workflow = new WorkflowRecord { Id = definition.Id, CreatedAt = now, UpdatedAt = now };
            db.Add(workflow);
        }

        var latest = workflow.LatestVersion == 0
            ? null
            : await db.Set<WorkflowVersionRecord>().FirstOrDefaultAsync(v => v.WorkflowId == workflow.Id && v.Version == workflow.LatestVersion, ct);

        var warnings = document.Problems.Where(p => p.Severity == ProblemSeverity.Warning).ToList();
        StoreOutcome outcome;
        WorkflowVersionRecord version;
        if (latest is not null && latest.ContentHash == document.ContentHash)
        {
            outcome = StoreOutcome.Unchanged;
            version = latest;
        }
        else
        {
            outcome = StoreOutcome.Created;
            version = new WorkflowVersionRecord
            {
                WorkflowId = workflow.Id,
                Version = workflow.LatestVersion + 1,
                ContentHash = document.ContentHash,
                CanonicalJson = document.CanonicalJson,
                SourceText = sourceText,
                SourceFormat = IsJson(sourceName, sourceText) ? "json" : "yaml",
                SourceName = sourceName,
                Status = "draft",
                WarningsJson = new JsonArray([.. warnings.Select(w => (JsonNode)w.ToJson())]).ToJsonString(),
                CreatedBy = actor,
                CreatedAt = now,
            };
            db.Add(version);
            workflow.LatestVersion = version.Version;
        }

        int? previouslyPublished = workflow.PublishedVersion;
        var publishedNow = false;
        if (publish && version.Status != "published")
        {
            publishedNow = true;
            version.Status = "published";
            version.PublishedAt = now;
            workflow.PublishedVersion = version.Version;
        }

        if (outcome == StoreOutcome.Created || db.ChangeTracker.HasChanges())
        {
            workflow.Name = definition.Name ?? workflow.Name;
            workflow.OwnerName = definition.Owner?.Name;
            workflow.OwnerEmail = definition.Owner?.Email;
            workflow.Retired = false;
            workflow.UpdatedAt = now;

            await db.SaveChangesAsync(ct);
            var who = string.IsNullOrWhiteSpace(actor) ? AuditActors.Anonymous : actor;
            if (outcome == StoreOutcome.Created)
            {
                await audit.AppendAsync(new AuditRecord(who, AuditActions.WorkflowVersionCreated, "workflow", workflow.Id, null,
                    new JsonObject
                    {
                        ["version"] = version.Version,
                        ["contentHash"] = version.ContentHash,
                        ["sourceName"] = sourceName,
                        ["warnings"] = warnings.Count,
                    }), db, ct);
            }
            if (publishedNow)
            {
                await audit.AppendAsync(new AuditRecord(who, AuditActions.WorkflowPublished, "workflow", workflow.Id, null,
                    new JsonObject
                    {
                        ["version"] = version.Version,
                        ["contentHash"] = version.ContentHash,
                        ["previousVersion"] = previouslyPublished,
                    }), db, ct);
            }
        }
        if (transaction is not null) await transaction.CommitAsync(ct);

        return new StoreResult(outcome, workflow.Id, version.Version, version.Status == "published", document.Problems);
    }

    private static bool IsJson(string sourceName, string sourceText) =>
        sourceName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || sourceText.TrimStart().StartsWith('{');
}
