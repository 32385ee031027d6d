using System.Text.Json.Nodes;
using AgentRuntime.Engine.Scheduling;
using AgentRuntime.Host.Database;
using Npgsql;
using Quartz;

namespace AgentRuntime.Host.Scheduling;

/// <summary>
/// The one Quartz job type: runs a governance job (audit sampling, a probe, the telemetry check) named by its job data.
/// <para>
/// <b>Once per tick across hosts.</b> Quartz's clustered store hands each firing to one host. As a second guard and as the
/// record, the job first inserts its tick into <c>schedule_runs</c> (unique on job and scheduled fire time): a host that finds the
/// tick already there logs it and does nothing. Each run's outcome (succeeded/failed, result JSON) lands in the same row, which
/// the schedules API reads as the last result. Runs of one job never overlap (non-concurrent).
/// </para>
/// </summary>
[DisallowConcurrentExecution]
internal sealed class GovernanceJob(GovernanceJobRunner runner, DatabaseConnection database, TimeProvider clock, ILogger<GovernanceJob> logger) : IJob
{
    public const string Group = "governance";
    public const string KindKey = "kind";
    public const string WorkflowKey = "workflowId";
    public const string SubjectKey = "subject";
    public const string CronKey = "cron";
    public const string VersionKey = "version";
    public const string ManualKey = "manual";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = context.JobDetail.JobDataMap;
        string? Get(string key) => context.Trigger.JobDataMap.TryGetValue(key, out var tv) && tv is not null ? tv.ToString()
            : data.TryGetValue(key, out var v) ? v?.ToString() : null;
        var jobId = context.JobDetail.Key.Name;
        var kind = Get(KindKey) ?? "";
        var workflowId = Get(WorkflowKey) ?? "";
        var manual = string.Equals(Get(ManualKey), "true", StringComparison.OrdinalIgnoreCase);
        var tick = (context.ScheduledFireTimeUtc ?? context.FireTimeUtc).ToUniversalTime();
        tick = tick.AddTicks(-(tick.UtcTicks % 10)); // PostgreSQL keeps microseconds: the logged tick is the stored one
        var host = context.Scheduler.SchedulerInstanceId;

        long? runId;
        await using (var conn = new NpgsqlConnection(database.ConnectionString))
        {
            await conn.OpenAsync(cancellationToken);
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO schedule_runs (job_id, scheduled_fire_at, fired_at, host, status, manual) VALUES ($1, $2, $3, $4, 'running', $5)
                ON CONFLICT (job_id, scheduled_fire_at) DO NOTHING RETURNING id
                """, conn);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = jobId });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = tick });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = host });
            cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = manual });
            runId = await cmd.ExecuteScalarAsync(cancellationToken) as long?;
        }
        if (runId is null)
        {
            logger.LogWarning("Scheduled job {JobId} tick {Tick:O} was already run by another host; {Host} skips it", jobId, tick, host);
            return;
        }
        logger.LogInformation("Scheduled job {JobId} tick {Tick:O} fired on {Host}", jobId, tick, host);

        string status;
        JsonObject result;
        try
        {
            result = await runner.RunAsync(kind, workflowId, Get(SubjectKey), Get(CronKey), context.NextFireTimeUtc, cancellationToken);
            status = "succeeded";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = new JsonObject { ["error"] = "cancelled: the host is stopping" };
            status = "failed";
        }
#pragma warning disable CA1031 // a failed run is recorded (schedules API shows it) and retried at the next tick
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogError(e, "Scheduled job {JobId} tick {Tick:O} failed", jobId, tick);
            result = new JsonObject { ["error"] = e.Message };
            status = "failed";
        }
        await using (var conn = new NpgsqlConnection(database.ConnectionString))
        {
            await conn.OpenAsync(CancellationToken.None);
            await using var cmd = new NpgsqlCommand("UPDATE schedule_runs SET status = $2, result = $3, finished_at = $4 WHERE id = $1", conn);
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId.Value });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
            cmd.Parameters.Add(new NpgsqlParameter { Value = result.ToJsonString(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        logger.LogInformation("Scheduled job {JobId} tick {Tick:O} {Status} on {Host}", jobId, tick, status, host);
    }
}
