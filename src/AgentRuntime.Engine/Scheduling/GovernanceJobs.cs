using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.Governance.Probes;
using AgentRuntime.Engine.Telemetry;
using Npgsql;

namespace AgentRuntime.Engine.Scheduling;

/// <summary>Kinds of scheduled governance job.</summary>
public static class GovernanceJobKinds
{
    /// <summary>Audit sampling (checkpoint 6): cron from the protocol.</summary>
    public const string Audit = "audit";
    /// <summary>A data source's readiness probe (checkpoint 4): cron from the probe (every 15 minutes by default).</summary>
    public const string Probe = "probe";
    /// <summary>Telemetry flowing (checkpoint 5): the host's telemetry cron.</summary>
    public const string Telemetry = "telemetry";
}

/// <summary>One job a published workflow needs. <see cref="Id"/> is stable (<c>workflow.audit</c>, <c>workflow.probe.orders</c>, <c>workflow.telemetry</c>).</summary>
/// <param name="Version">The definition version it was derived from: a new published version re-registers the job.</param>
public sealed record GovernanceJobSpec(string Id, string Kind, string WorkflowId, string? Subject, string Cron, int Version);

/// <summary>Which jobs a published definition needs: one audit job (with a protocol), one per probed data source, one telemetry check.</summary>
public static class GovernanceJobPlan
{
    public const string DefaultProbeCron = "0 */15 * ? * *";

    public static IReadOnlyList<GovernanceJobSpec> For(WorkflowDefinition definition, int version, string telemetryCron)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var jobs = new List<GovernanceJobSpec>();
        if (definition.AuditProtocol is { } ap && !string.IsNullOrWhiteSpace(ap.Cron))
            jobs.Add(new GovernanceJobSpec($"{definition.Id}.audit", GovernanceJobKinds.Audit, definition.Id, null, ap.Cron, version));
        foreach (var ds in definition.DataSources.Where(d => d.Probe is not null))
            jobs.Add(new GovernanceJobSpec($"{definition.Id}.probe.{ds.Id}", GovernanceJobKinds.Probe, definition.Id, ds.Id,
                string.IsNullOrWhiteSpace(ds.Probe!.Cron) ? DefaultProbeCron : ds.Probe.Cron, version));
        if (!string.IsNullOrWhiteSpace(telemetryCron))
            jobs.Add(new GovernanceJobSpec($"{definition.Id}.telemetry", GovernanceJobKinds.Telemetry, definition.Id, null, telemetryCron, version));
        return jobs;
    }
}

/// <summary>
/// Runs one governance job's work (what a Quartz firing calls): audit sampling, a probe, or the telemetry check, each
/// writing its evidence for the readiness checkpoints. Returns a small JSON result for <c>schedule_runs</c> and the schedules API.
/// </summary>
public sealed class GovernanceJobRunner
{
    private readonly NpgsqlDataSource _db;
    private readonly AuditSampler _sampler;
    private readonly ProbeRunner _probes;
    private readonly TelemetrySignals _signals;
    private readonly GovernanceOptions _options;
    private readonly TimeProvider _clock;
    private readonly DefinitionCache _definitions;

    internal GovernanceJobRunner(EngineDatabase db, AuditSampler sampler, ProbeRunner probes, TelemetrySignals signals, GovernanceOptions options, TimeProvider clock,
        DefinitionCache definitions)
    {
        _db = db.DataSource;
        _definitions = definitions;
        _sampler = sampler;
        _probes = probes;
        _signals = signals;
        _options = options;
        _clock = clock;
    }

    /// <summary>
    /// Every job of every published, non-retired workflow. Reads only which version is published: the definitions come from
    /// the host's cache of immutable versions, so reconciling every few seconds parses each version once per host.
    /// </summary>
    public async Task<IReadOnlyList<GovernanceJobSpec>> DesiredJobsAsync(string telemetryCron, CancellationToken ct)
    {
        var published = new List<(string Id, int Version)>();
        await using (var cmd = _db.CreateCommand("SELECT id, published_version FROM workflows WHERE published_version IS NOT NULL AND NOT retired ORDER BY id"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) published.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        var jobs = new List<GovernanceJobSpec>();
        foreach (var (id, version) in published)
            jobs.AddRange(GovernanceJobPlan.For((await _definitions.GetAsync(id, version, ct)).Definition, version, telemetryCron));
        return jobs;
    }

    /// <param name="nextFireAt">The job's next tick: audit evidence stays valid until a little after it (a missed tick turns checkpoint 6 grey).</param>
    public async Task<JsonObject> RunAsync(string kind, string workflowId, string? subject, string? cron, DateTimeOffset? nextFireAt, CancellationToken ct = default)
    {
        switch (kind)
        {
            case GovernanceJobKinds.Audit:
            {
                var run = await _sampler.RunAsync(workflowId, ct);
                if (run.Skipped is null)
                {
                    var now = _clock.GetUtcNow();
                    await ReadinessEvidence.WriteAsync(_db, workflowId, "audit-schedule", null, true, AuditResults.ScheduleEvidence(run, nextFireAt, cron ?? ""),
                        now, nextFireAt is { } next ? next + _options.AuditScheduleGrace : null, ct);
                }
                return run.ToJson();
            }
            case GovernanceJobKinds.Probe:
            {
                var verdict = await _probes.RunAsync(workflowId, subject ?? "", ct);
                return verdict is null
                    ? new JsonObject { ["skipped"] = $"data source '{subject}' has no probe in the published version" }
                    : new JsonObject { ["dataSource"] = subject, ["passed"] = verdict.Passed, ["evidence"] = verdict.Evidence.DeepClone() };
            }
            case GovernanceJobKinds.Telemetry:
            {
                var now = _clock.GetUtcNow();
                await _signals.FlushAsync(ct); // this host's counts not yet written
                var e = await _signals.ReadAsync(workflowId, now - _options.TelemetryWindow, now + TimeSpan.FromMinutes(1), ct);
                var detail = new JsonObject
                {
                    ["job"] = "telemetry", ["window"] = _options.TelemetryWindow.ToString(), ["slices"] = e.Slices, ["activities"] = e.Activities,
                    ["instancesStarted"] = e.InstancesStarted, ["instancesEnded"] = e.InstancesEnded, ["faults"] = e.Faults,
                    ["lastSignalAt"] = e.LastSignalAt?.ToString("O"),
                    ["reason"] = e.Flowing ? null : $"no signals from {workflowId} in the last {_options.TelemetryWindow}",
                };
                await ReadinessEvidence.WriteAsync(_db, workflowId, "telemetry", null, e.Flowing, detail, now, null, ct);
                // Housekeeping that every published workflow's periodic job can carry: decision tallies of a workflow never
                // sampled are folded into days (a sampled one prunes its own after each run).
                var folded = await DecisionTallies.CompactUnsampledAsync(_db, workflowId, now, ct);
                return new JsonObject { ["flowing"] = e.Flowing, ["evidence"] = detail.DeepClone(), ["talliesFolded"] = folded };
            }
            default:
                throw new ArgumentException($"Unknown governance job kind '{kind}'.", nameof(kind));
        }
    }

    /// <summary>Readiness evidence that the audit job is scheduled (written when the job is registered; checkpoint 6 reads it).</summary>
    public Task RecordAuditScheduledAsync(string workflowId, string cron, DateTimeOffset? nextFireAt, CancellationToken ct = default) =>
        ReadinessEvidence.WriteAsync(_db, workflowId, "audit-schedule", null, nextFireAt is not null, AuditResults.ScheduleEvidence(null, nextFireAt, cron),
            _clock.GetUtcNow(), nextFireAt is { } next ? next + _options.AuditScheduleGrace : null, ct);
}
