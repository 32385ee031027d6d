using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Workflows;

/// <summary>Where the host finds definition files (section <c>Workflows</c>).</summary>
public sealed class WorkflowFilesOptions
{
    public const string SectionName = "Workflows";

    /// <summary>
    /// Folder synced at start-up: each valid definition file is stored and published; a changed file becomes a new
    /// version, an unchanged one creates none. Empty means: no sync.
    /// </summary>
    public string? Directory { get; set; }
}

/// <summary>
/// Syncs <see cref="WorkflowFilesOptions.Directory"/> into the catalog when the host starts. A file with errors is
/// logged with every problem and skipped; it never stops the host, and never replaces a good published version.
/// </summary>
internal sealed class WorkflowSyncService(
    IServiceScopeFactory scopes,
    IOptions<WorkflowFilesOptions> options,
    ActivityCatalog activities,
    DefinitionLimits limits,
    ILogger<WorkflowSyncService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dir = options.Value.Directory;
        if (string.IsNullOrWhiteSpace(dir)) return;
        if (!System.IO.Directory.Exists(dir))
        {
            logger.LogWarning("Workflows folder {Directory} does not exist; nothing to sync", dir);
            return;
        }

        foreach (var file in DefinitionFiles(dir))
        {
            var text = await File.ReadAllTextAsync(file, cancellationToken);
            var relative = Path.GetRelativePath(dir, file);
            var document = DefinitionDocument.Parse(text, relative, activities, limits);
            if (document.HasErrors)
            {
                foreach (var p in document.Problems) logger.LogError("Not loaded: {Problem}", p.ToString());
                continue;
            }

            var result = await StoreWithRetryAsync(document, text, relative, cancellationToken);
            logger.LogInformation("Workflow {Workflow} from {File}: {Outcome} (version {Version})", result.WorkflowId, relative, result.Outcome, result.Version);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Several hosts start together: one may store the version the other is about to store. The loser reloads and
    // then finds the content unchanged.
    private async Task<StoreResult> StoreWithRetryAsync(DefinitionDocument document, string text, string source, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var catalog = scope.ServiceProvider.GetRequiredService<WorkflowCatalog>();
            try
            {
                return await catalog.StoreAsync(document, text, source, publish: true, actor: "system:workflow-sync", ct);
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                await Task.Delay(50 * attempt, ct);
            }
        }
    }

    internal static IEnumerable<string> DefinitionFiles(string dir) =>
        System.IO.Directory.EnumerateFiles(dir, "*.*", SearchOption.TopDirectoryOnly)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
                        || (f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !f.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal);
}
