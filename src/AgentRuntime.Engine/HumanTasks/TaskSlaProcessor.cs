using System.Data;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>
/// Takes the SLA steps of open tasks whose <c>next_check_at</c> has passed: a reminder before the due date; at the due date an
/// escalation (reassigned to the <c>escalateTo</c> role, else the workflow owner, and notified); after the grace period the
/// timeout (the task becomes <c>timed-out</c> and the instance follows its <c>timed-out</c> port).
/// <para>
/// <b>Why a due-time column swept with <c>FOR UPDATE SKIP LOCKED</c> on every host</b> (and not Quartz, and not the instance's
/// own timer): the SLA step must change the task row, its history, the audit trail and the instance's inbox in one
/// transaction, and it must race correctly with a person completing the task at the same moment. Locking the task row does
/// both: a sweep and a completion serialise on it, and whichever commits second sees the other's state and does nothing.
/// <c>SKIP LOCKED</c> lets every host sweep without a leader and without two hosts taking the same step: a row being
/// processed by one host is invisible to the others, and once committed its <c>next_check_at</c> has moved on. A Quartz
/// trigger per task would be a second store to keep consistent with the row (Quartz commits in its own transactions);
/// Quartz stays for cron-style governance jobs. A crashed host's transaction rolls back, so its step is retaken by the
/// next sweep anywhere: each step happens exactly once.
/// </para>
/// </summary>
public sealed class TaskSlaProcessor
{
    public const string Actor = "system:task-sla";
    private readonly NpgsqlDataSource _db;
    private readonly TimeProvider _clock;
    private readonly HumanTaskOptions _options;
    private readonly HumanTaskService _service;
    private readonly ILogger<TaskSlaProcessor> _logger;

    internal TaskSlaProcessor(NpgsqlDataSource db, TimeProvider clock, HumanTaskOptions options, HumanTaskService service, ILogger<TaskSlaProcessor> logger)
    {
        _db = db;
        _clock = clock;
        _options = options;
        _service = service;
        _logger = logger;
    }

    /// <summary>Takes every SLA step due now, one task per transaction. Returns how many steps were taken (tests drive it).</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var steps = 0;
        while (await StepOneAsync(cancellationToken)) steps++;
        return steps;
    }

    private async Task<bool> StepOneAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        TaskRow? task;
        await using (var select = new NpgsqlCommand($"""
            SELECT {HumanTaskSql.Columns} FROM human_tasks
             WHERE next_check_at <= $1 AND state IN ('available', 'claimed')
             ORDER BY next_check_at LIMIT 1
             FOR UPDATE SKIP LOCKED
            """, conn, tx))
        {
            select.Parameters.Add(InstanceStore.P(now));
            await using var reader = await select.ExecuteReaderAsync(ct);
            task = await reader.ReadAsync(ct) ? HumanTaskSql.Read(reader) : null;
        }
        if (task is null) return false;

        var change = new HumanTaskService.Change(task, Actor, now, _options.NotificationChannel);
        bool bump;
        if (task.EscalatedAt is null && task.DueAt is { } due && due <= now)
        {
            // At the due date: hand the task to the escalation role (else the workflow owner), and say so.
            var from = new JsonObject { ["assignee"] = task.Assignee, ["roles"] = Arr(task.Roles), ["candidateGroups"] = Arr(task.CandidateGroups), ["claimedBy"] = task.ClaimedBy };
            if (!string.IsNullOrWhiteSpace(task.EscalateTo)) { task.Roles = [task.EscalateTo]; task.Assignee = null; task.CandidateGroups = []; }
            else if (!string.IsNullOrWhiteSpace(task.Owner)) { task.Assignee = task.Owner; task.Roles = []; task.CandidateGroups = []; }
            task.State = HumanTaskStates.Available;
            task.ClaimedBy = null;
            task.EscalatedAt = now;
            var data = new JsonObject { ["from"] = from, ["to"] = new JsonObject { ["assignee"] = task.Assignee, ["roles"] = Arr(task.Roles) }, ["dueAt"] = due.ToString("O"), ["timeoutAt"] = task.TimeoutAt?.ToString("O") };
            change.Event("escalated", data);
            change.Notify("task.escalated", $"Overdue task escalated to you: {task.Title}");
            change.Audit(new AuditRecord(Actor, HumanTaskAuditActions.Escalated, "task", task.Id.ToString(), $"Due at {due:O} and not decided.", HumanTaskService.AuditData(task, data)));
            bump = true;
        }
        else if (task.EscalatedAt is not null && task.TimeoutAt is { } timeout && timeout <= now)
        {
            // After the grace period: nobody decided. The instance follows timed-out with the data as it was.
            var output = new JsonObject
            {
                ["taskId"] = task.Id.ToString(),
                ["outcome"] = HumanTaskOutcomes.TimedOut,
                ["decidedBy"] = Actor,
                ["decidedAt"] = now.ToString("O"),
                ["data"] = task.Data?.DeepClone(),
                ["edited"] = false,
                ["diff"] = new JsonArray(),
                ["comment"] = null,
            };
            task.State = HumanTaskStates.TimedOut;
            task.Outcome = HumanTaskOutcomes.TimedOut;
            task.DecidedBy = Actor;
            task.DecidedAt = now;
            task.Result = output;
            change.Event("timed-out", new JsonObject { ["timeoutAt"] = timeout.ToString("O") });
            change.Notify("task.timed-out", $"Task timed out: {task.Title}");
            change.Decided(output);
            change.Audit(new AuditRecord(Actor, HumanTaskAuditActions.TimedOut, "task", task.Id.ToString(), $"Not decided by {timeout:O} (due date + grace).",
                HumanTaskService.AuditData(task, new JsonObject { ["outcome"] = HumanTaskOutcomes.TimedOut })));
            bump = true;
        }
        else
        {
            // Before the due date: remind whoever holds the task. Not a change of the task itself: the revision stays.
            task.RemindedAt = now;
            change.Event("reminded", new JsonObject { ["dueAt"] = task.DueAt?.ToString("O") });
            change.Notify("task.reminder", $"Reminder: '{task.Title}' is due at {task.DueAt:O}", task.ClaimedBy);
            bump = false;
        }
        task.UpdatedAt = now;
        await _service.CommitChangeAsync(conn, tx, task, change, bump, ct);
        _logger.LogInformation("Task {TaskId}: SLA step {Step} taken", task.Id, task.State == HumanTaskStates.TimedOut ? "timed-out" : bump ? "escalated" : "reminded");
        return true;
    }

    private static JsonArray Arr(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)i).ToArray());
}

/// <summary>Runs <see cref="TaskSlaProcessor.RunDueAsync"/> every <see cref="HumanTaskOptions.SlaPollInterval"/> on every host that runs workers.</summary>
internal sealed class TaskSlaWorker(TaskSlaProcessor processor, HumanTaskOptions options, EngineOptions engine, TimeProvider clock, ILogger<TaskSlaWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!engine.RunWorkers || !options.RunSlaSweep) return;
        using var timer = new PeriodicTimer(options.SlaPollInterval, clock);
        try
        {
            do
            {
                try
                {
                    await processor.RunDueAsync(stoppingToken);
                }
#pragma warning disable CA1031 // a database hiccup must not stop the sweep; the next tick retries
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogError(e, "Task SLA sweep failed; retrying at the next tick");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
