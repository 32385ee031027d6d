using AgentRuntime.Engine.Scheduling;
using AgentRuntime.Host.Database;
using Npgsql;
using Quartz;

namespace AgentRuntime.Host.Scheduling;

/// <summary>What a reconciliation changed.</summary>
public sealed record ScheduleSyncResult(IReadOnlyList<string> Added, IReadOnlyList<string> Updated, IReadOnlyList<string> Removed);

/// <summary>
/// Keeps Quartz's jobs equal to what the published definitions need (<see cref="GovernanceJobPlan"/>): a newly published
/// workflow gets its jobs, a new version with another cron (or any new version) re-registers them, and a retired or deleted
/// workflow's jobs are deleted. Every host reconciles at start and every <see cref="SchedulingOptions.SyncInterval"/>; it only
/// writes when something differs, so in the steady state it reads. Crons are evaluated in UTC.
/// </summary>
public sealed class ScheduleSync(IServiceProvider services, SchedulingOptions options, DatabaseConnection database, TimeProvider clock, ILogger<ScheduleSync> logger) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(database.ConnectionString);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool Enabled => options.Enabled;

    public async Task<IScheduler> SchedulerAsync(CancellationToken ct) =>
        await services.GetRequiredService<ISchedulerFactory>().GetScheduler(ct);

    public async Task<ScheduleSyncResult> SyncAsync(CancellationToken ct = default)
    {
        if (!options.Enabled) return new ScheduleSyncResult([], [], []);
        await _gate.WaitAsync(ct);
        try
        {
            var scheduler = await SchedulerAsync(ct);
            var runner = services.GetRequiredService<GovernanceJobRunner>();
            var desired = await runner.DesiredJobsAsync(options.TelemetryCron, ct);
            var existing = await RegisteredJobIdsAsync(ct);
            List<string> added = [], updated = [], removed = [];
            foreach (var spec in desired)
            {
                var jobKey = new JobKey(spec.Id, GovernanceJob.Group);
                var job = existing.Contains(spec.Id) ? await scheduler.GetJobDetail(jobKey, ct) : null;
                var trigger = job is null ? null : await scheduler.GetTrigger(new TriggerKey(spec.Id, GovernanceJob.Group), ct);
                if (job is not null && trigger is ICronTrigger cron && cron.CronExpressionString == spec.Cron
                    && job.JobDataMap.TryGetValue(GovernanceJob.VersionKey, out var v) && v?.ToString() == spec.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    continue;
                try
                {
                    var next = await scheduler.ScheduleJob(BuildJob(spec), BuildTrigger(spec), ScheduleJobOptions.Replacing, ct);
                    (job is null ? added : updated).Add(spec.Id);
                    logger.LogInformation("Scheduled job {JobId} ({Kind}) {Change} with cron '{Cron}' (version {Version}); next fire {Next:O}",
                        spec.Id, spec.Kind, job is null ? "registered" : "re-registered", spec.Cron, spec.Version, next);
                    if (spec.Kind == GovernanceJobKinds.Audit) await runner.RecordAuditScheduledAsync(spec.WorkflowId, spec.Cron, next, ct);
                }
                catch (Exception e) when (e is FormatException or SchedulerException or ArgumentException)
                {
                    logger.LogError(e, "Could not schedule job {JobId} with cron '{Cron}'", spec.Id, spec.Cron);
                }
            }
            var wanted = desired.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in existing.Where(id => !wanted.Contains(id)))
            {
                if (await scheduler.DeleteJob(new JobKey(stale, GovernanceJob.Group), ct))
                {
                    removed.Add(stale);
                    logger.LogInformation("Scheduled job {JobId} removed: its workflow is retired, unpublished, or no longer declares it", stale);
                }
            }
            return new ScheduleSyncResult(added, updated, removed);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ids of the governance jobs in Quartz's store (read from its table: one query, whatever the count).</summary>
    public async Task<List<string>> RegisteredJobIdsAsync(CancellationToken ct)
    {
        var ids = new List<string>();
        await using var cmd = _db.CreateCommand($"SELECT job_name FROM {QuartzTables.JobDetails} WHERE sched_name = $1 AND job_group = $2 ORDER BY job_name");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.SchedulerName });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = GovernanceJob.Group });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return ids;
    }

    private static IJobDetail BuildJob(GovernanceJobSpec spec) =>
        JobBuilder.Create<GovernanceJob>()
            .WithIdentity(new JobKey(spec.Id, GovernanceJob.Group))
            .WithDescription($"{spec.Kind} job of workflow {spec.WorkflowId}{(spec.Subject is null ? "" : $" ({spec.Subject})")}")
            .UsingJobData(GovernanceJob.KindKey, spec.Kind)
            .UsingJobData(GovernanceJob.WorkflowKey, spec.WorkflowId)
            .UsingJobData(GovernanceJob.SubjectKey, spec.Subject ?? "")
            .UsingJobData(GovernanceJob.CronKey, spec.Cron)
            .UsingJobData(GovernanceJob.VersionKey, spec.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .StoreDurably(true)
            .Build();

    private ITrigger BuildTrigger(GovernanceJobSpec spec) =>
        TriggerBuilder.Create(clock)
            .WithIdentity(new TriggerKey(spec.Id, GovernanceJob.Group))
            .ForJob(new JobKey(spec.Id, GovernanceJob.Group))
            // A tick missed while every host was down fires once when one is back (audit windows cover the gap anyway).
            .WithSchedule(CronScheduleBuilder.Create(spec.Cron).InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .StartNow()
            .Build();

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        _gate.Dispose();
    }
}

/// <summary>Names of Quartz's tables (prefix <c>qrtz_</c>, created by the GovernanceJobs migration).</summary>
internal static class QuartzTables
{
    public const string JobDetails = "qrtz_job_details";
}

/// <summary>Reconciles the jobs at start and every <see cref="SchedulingOptions.SyncInterval"/>.</summary>
internal sealed class ScheduleSyncWorker(ScheduleSync sync, SchedulingOptions options, ILogger<ScheduleSyncWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await sync.SyncAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed reconciliation is logged and retried at the next interval
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Reconciling scheduled jobs failed; retrying in {Interval}", options.SyncInterval);
            }
            try
            {
                await Task.Delay(options.SyncInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
