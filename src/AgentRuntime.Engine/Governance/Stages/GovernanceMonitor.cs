using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance.Promotions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Stages;

/// <param name="Trigger"><c>error-rate</c> or <c>audit-failure-rate</c>.</param>
public sealed record AutoDemotion(string AgentId, string From, string To, string Trigger, double Rate, long Cases);

/// <summary>
/// Automatic demotion: for every agent above shadow, the error rate (failed, invalid output) and the audit failure rate
/// (reviews written by audit sampling into <c>agent_decisions.audit_result</c>) over the agent's window; past its threshold,
/// with at least the minimum number of cases, the agent is demoted one stage (actor <c>system:governance-monitor</c>, audited,
/// with the rate as evidence). It also re-releases instances still held by an agent that is no longer paused (a resume
/// racing a hold). Runs every <see cref="GovernanceOptions.MonitorInterval"/> on hosts that run workers; tests call
/// <see cref="EvaluateAsync"/>.
/// </summary>
public sealed class GovernanceMonitor
{
    public const string Actor = "system:governance-monitor";

    private readonly NpgsqlDataSource _db;
    private readonly GovernanceOptions _options;
    private readonly TimeProvider _clock;
    private readonly StageService _stages;
    private readonly PromotionService _promotions;
    private readonly AgentDirectory _directory;

    internal GovernanceMonitor(EngineDatabase db, GovernanceOptions options, TimeProvider clock, StageService stages, PromotionService promotions, AgentDirectory directory)
    {
        _db = db.DataSource;
        _options = options;
        _clock = clock;
        _stages = stages;
        _promotions = promotions;
        _directory = directory;
    }

    public async Task<IReadOnlyList<AutoDemotion>> EvaluateAsync(CancellationToken ct = default)
    {
        var agents = new List<(string Id, string Stage, bool Paused, DateTimeOffset? StageChangedAt)>();
        await using (var cmd = _db.CreateCommand("SELECT id, stage, paused, stage_changed_at FROM agents"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                agents.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }
        var demoted = new List<AutoDemotion>();
        foreach (var (id, stage, paused, stageChangedAt) in agents)
        {
            if (!paused) await _stages.ReleaseHeldAsync(id, ct);
            if (AgentStages.Rank(stage) <= 0) continue;
            var spec = (await _directory.GetAsync(id, ct))?.State.Definition.Demotion;
            var window = Durations.TryParse(spec?.Window, out var w) && w > TimeSpan.Zero ? w : _options.DemotionWindow;
            var min = spec?.MinRuns ?? _options.DemotionMinRuns;
            // Only the current stage's record counts: the cases that caused a demotion (by this monitor or by an audit
            // protocol's escalation) must not demote the agent a second time at the next interval.
            var since = _clock.GetUtcNow() - window;
            // One microsecond (PostgreSQL's resolution) past the change: a decision stamped in the same instant was made
            // under the stage before it.
            if (stageChangedAt is { } changed && changed >= since) since = changed.AddTicks(10);
            var e = await _promotions.EvidenceAsync(id, since, ct);
            AutoDemotion? fire = null;
            if (e.Runs >= min && e.ErrorRate > (spec?.ErrorRate ?? _options.DemotionErrorRate))
                fire = new AutoDemotion(id, stage, AgentStages.All[AgentStages.Rank(stage) - 1], "error-rate", e.ErrorRate!.Value, e.Runs);
            else if (e.Audited >= min && e.AuditFailureRate > (spec?.AuditFailureRate ?? _options.DemotionAuditFailureRate))
                fire = new AutoDemotion(id, stage, AgentStages.All[AgentStages.Rank(stage) - 1], "audit-failure-rate", e.AuditFailureRate!.Value, e.Audited);
            if (fire is null) continue;
            var evidence = new JsonObject { ["trigger"] = fire.Trigger, ["rate"] = fire.Rate, ["cases"] = fire.Cases, ["window"] = window.ToString() };
            var result = await _stages.DemoteAsync(id, fire.To, $"automatic demotion: {fire.Trigger} {fire.Rate:P1} over {fire.Cases} case(s) in {window}", Actor, "auto-demotion", evidence, ct);
            if (result.Succeeded) demoted.Add(fire);
        }
        return demoted;
    }
}

/// <summary>Runs the <see cref="GovernanceMonitor"/> periodically on hosts that run engine workers.</summary>
internal sealed class GovernanceMonitorWorker(GovernanceMonitor monitor, GovernanceOptions options, EngineOptions engine, ILogger<GovernanceMonitorWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!engine.RunWorkers || options.MonitorInterval <= TimeSpan.Zero) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.MonitorInterval, stoppingToken);
                foreach (var d in await monitor.EvaluateAsync(stoppingToken))
                    logger.LogWarning("Agent {Agent} demoted automatically from {From} to {To}: {Trigger} {Rate:P1} over {Cases} cases", d.AgentId, d.From, d.To, d.Trigger, d.Rate, d.Cases);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed evaluation is logged and retried at the next interval
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Governance monitor failed; retrying at the next interval");
            }
        }
    }
}
