using System.Text.Json.Nodes;
using AgentRuntime.Host.Database;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;
using Npgsql;
using Quartz;

namespace AgentRuntime.Host.Scheduling;

/// <summary>
/// The scheduled governance jobs: <c>GET /api/v1/schedules</c> (each job, its cron, next and previous fire time, last result)
/// and <c>POST /api/v1/schedules/{id}/run</c> (run now: 202; the job runs on whichever host of the cluster takes it, and its
/// result appears as the job's <c>lastRun</c>). 503 when scheduling is off on this host; 404 for an unknown job id.
/// </summary>
public static class SchedulesApi
{
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/schedules").WithTags("Schedules");
        group.MapGet("", ListAsync).RequireAuthorization(Policies.Reader)
            .WithSummary("Scheduled governance jobs: id, kind, workflow, cron (UTC), next and previous fire time, last run and its result.");
        group.MapPost("/{id}/run", RunAsync).RequireAuthorization(Policies.Operator)
            .WithSummary("Runs the job now (202). It runs once, on whichever host takes it; see its lastRun.");
        return app;
    }

    private static IResult Disabled() => ProblemResults.Status(StatusCodes.Status503ServiceUnavailable, "scheduling-disabled", "Scheduling is off on this host",
        "This host runs with Scheduling:Enabled=false: it has no scheduler to read or trigger jobs. Ask a host that runs the scheduler.");

    private static async Task<IResult> ListAsync(ScheduleSync sync, DatabaseConnection database, CancellationToken ct)
    {
        if (!sync.Enabled) return Disabled();
        var scheduler = await sync.SchedulerAsync(ct);
        var ids = await sync.RegisteredJobIdsAsync(ct);
        var lastRuns = await LastRunsAsync(database, ct);
        var items = new List<object>();
        foreach (var id in ids)
        {
            var job = await scheduler.GetJobDetail(new JobKey(id, GovernanceJob.Group), ct);
            if (job is null) continue;
            var trigger = await scheduler.GetTrigger(new TriggerKey(id, GovernanceJob.Group), ct);
            string? Data(string key) => job.JobDataMap.TryGetValue(key, out var v) && v?.ToString() is { Length: > 0 } s ? s : null;
            items.Add(new
            {
                id,
                kind = Data(GovernanceJob.KindKey),
                workflowId = Data(GovernanceJob.WorkflowKey),
                subject = Data(GovernanceJob.SubjectKey),
                cron = (trigger as ICronTrigger)?.CronExpressionString ?? Data(GovernanceJob.CronKey),
                timeZone = "UTC",
                definitionVersion = int.TryParse(Data(GovernanceJob.VersionKey), out var version) ? version : (int?)null,
                nextFireAt = trigger?.NextFireTimeUtc,
                previousFireAt = trigger?.PreviousFireTimeUtc,
                lastRun = lastRuns.GetValueOrDefault(id),
            });
        }
        return Results.Ok(new { items });
    }

    private static async Task<IResult> RunAsync(string id, ScheduleSync sync, TimeProvider clock, ILoggerFactory loggers, AgentRuntime.Host.Identity.ICurrentActor actor, CancellationToken ct)
    {
        if (!sync.Enabled) return Disabled();
        var scheduler = await sync.SchedulerAsync(ct);
        var key = new JobKey(id, GovernanceJob.Group);
        if (!await scheduler.Exists(key, ct)) return ProblemResults.NotFound("Schedule", id);
        var data = new JobDataMap { [GovernanceJob.ManualKey] = "true" };
        await scheduler.TriggerJob(key, data, ct);
        loggers.CreateLogger("AgentRuntime.Host.Scheduling.SchedulesApi").LogInformation("Scheduled job {JobId} run now at the request of {Actor}", id, actor.Name);
        return Results.Accepted($"/api/v1/schedules", new { id, requestedAt = clock.GetUtcNow(), requestedBy = actor.Name });
    }

    private static async Task<Dictionary<string, JsonObject>> LastRunsAsync(DatabaseConnection database, CancellationToken ct)
    {
        var runs = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT DISTINCT ON (job_id) job_id, scheduled_fire_at, fired_at, host, status, manual, result::text, finished_at
              FROM schedule_runs ORDER BY job_id, fired_at DESC, id DESC
            """, conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            runs[r.GetString(0)] = new JsonObject
            {
                ["scheduledFireAt"] = r.GetFieldValue<DateTimeOffset>(1).ToString("O"),
                ["firedAt"] = r.GetFieldValue<DateTimeOffset>(2).ToString("O"),
                ["host"] = r.GetString(3),
                ["status"] = r.GetString(4),
                ["manual"] = r.GetBoolean(5),
                ["result"] = r.IsDBNull(6) ? null : JsonNode.Parse(r.GetString(6)),
                ["finishedAt"] = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7).ToString("O"),
            };
        }
        return runs;
    }
}
