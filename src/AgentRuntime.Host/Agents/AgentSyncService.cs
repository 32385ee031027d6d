using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Host.Workflows;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Agents;

/// <summary>
/// Syncs <c>{Workflows:Directory}/agents/*.yaml|yml|json</c> into the agent registry at start-up, before the workflows: each
/// valid file registers its agent or stores a new version of it; an unchanged file changes nothing (a restart changes
/// nothing, stage and pause included). A file with problems is logged and skipped; it never stops the host.
/// </summary>
internal sealed class AgentSyncService(AgentCatalog catalog, IOptions<WorkflowFilesOptions> options, ILogger<AgentSyncService> logger) : IHostedService
{
    public const string Actor = "system:agent-sync";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dir = options.Value.Directory;
        if (string.IsNullOrWhiteSpace(dir)) return;
        var agents = Path.Combine(dir, "agents");
        if (!Directory.Exists(agents)) return;
        foreach (var file in WorkflowSyncService.DefinitionFiles(agents))
        {
            var relative = Path.GetRelativePath(dir, file);
            var document = AgentDocument.Parse(await File.ReadAllTextAsync(file, cancellationToken), relative);
            if (!document.IsValid)
            {
                foreach (var p in document.Problems) logger.LogError("Agent not loaded: {Problem}", p.ToString());
                continue;
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var result = await catalog.StoreAsync(document, relative, Actor, cancellationToken);
                    if (result.Outcome == AgentStoreOutcome.Invalid)
                    {
                        foreach (var p in result.Problems) logger.LogError("Agent not loaded: {Problem}", p.ToString());
                        break;
                    }
                    logger.LogInformation("Agent {Agent} from {File}: {Outcome} (version {Version})", result.AgentId, relative, result.Outcome, result.Version);
                    break;
                }
                catch (Npgsql.PostgresException e) when (attempt < 5 && e.SqlState is "23505" or "40001")
                {
                    await Task.Delay(50 * attempt, cancellationToken); // another host stored the same version first
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
