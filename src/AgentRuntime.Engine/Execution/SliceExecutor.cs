using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Incidents;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Outcomes;
using AgentRuntime.Engine.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// Runs one slice of one instance in memory: applies its pending messages (signals, incident resolutions, cancel,
/// pause/resume), resumes due timers, executes every ready path until each one blocks or ends, then commits once.
/// Failures go through the node's retry policy (Polly: attempts, exponential backoff, per-attempt timeout), then the
/// node's <c>error</c> port if connected, otherwise an incident that suspends the path.
/// </summary>
internal sealed class SliceExecutor(
    ActivityRegistry activities,
    InstanceStore store,
    IServiceProvider services,
    EngineOptions options,
    TimeProvider clock,
    IEnumerable<IExecutionGate> gates,
    TelemetrySignals signals,
    ILogger<SliceExecutor> logger)
{
    private readonly IExecutionGate[] _gates = gates.ToArray();
    private readonly PayloadRedactor _redactor = new(options.RedactFields);
    private readonly ConcurrentDictionary<NodeDefinition, ResiliencePipeline> _pipelines = new(ReferenceEqualityComparer.Instance);

    public async Task RunAsync(InstanceRun run, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        var isNew = run.IsNew;
        using var span = EngineTelemetry.StartSlice(run.Id, run.WorkflowId, run.Version, run.TraceParent,
            run.Messages.Select(m => (m.Kind, m.Name, m.TraceParent)));
        run.Checkpoint = (r, statements, c) => store.CommitAsync(r, keepLease: true, statements, c);

        ApplyMessages(run);
        ResumeDueTimers(run);
        var steps = 0;
        while (!InstanceStatus.IsFinal(run.Status))
        {
            var token = run.State.Tokens.Find(t => t.Status == TokenStatus.Ready);
            if (token is null) break;
            if (++steps > options.MaxStepsPerSlice) break; // yields: committed as running, claimable again at once
            await StepAsync(run, token, ct);
        }
        Settle(run);
        span?.SetTag(TelemetryAttributes.InstanceStatus, run.Status);
        // The business outcome is measured as the instance completes and commits with it (one transaction).
        var outcome = run.Status == InstanceStatus.Completed ? OutcomeMeasurement.Measure(run) : null;
        var incidents = run.Pending.NewIncidents.Count;
        await store.CommitAsync(run, keepLease: false, outcome is null ? [] : [OutcomeMeasurement.Insert(outcome)], ct);

        // Only what committed is counted.
        var ended = InstanceStatus.IsFinal(run.Status);
        if (isNew) AgentRuntimeMetrics.RecordStarted(run.WorkflowId, run.Version);
        if (ended) AgentRuntimeMetrics.RecordEnded(run.WorkflowId, run.Version, run.Status);
        AgentRuntimeMetrics.RecordIncidents(run.WorkflowId, run.Version, incidents);
        if (outcome is not null) OutcomeMeasurement.Record(outcome);
        AgentRuntimeMetrics.SliceDuration.Record(Stopwatch.GetElapsedTime(t0).TotalSeconds,
            new TagList { { TelemetryAttributes.WorkflowId, run.WorkflowId }, { TelemetryAttributes.InstanceStatus, run.Status } });
        signals.RecordSlice(run.WorkflowId, Math.Min(steps, options.MaxStepsPerSlice), isNew, ended,
            incidents + (run.Status == InstanceStatus.Failed ? 1 : 0));
    }

    private void ApplyMessages(InstanceRun run)
    {
        foreach (var m in run.Messages)
        {
            run.Pending.ConsumedMessages.Add(m.Id);
            if (InstanceStatus.IsFinal(run.Status)) continue;
            switch (m.Kind)
            {
                case MessageKinds.Signal:
                    var waiting = run.State.Tokens.Find(t => t.Status == TokenStatus.Waiting && t.Bookmark?.Signal == m.Name);
                    if (waiting is not null)
                    {
                        waiting.Status = TokenStatus.Ready;
                        waiting.Resume = new BookmarkResume(BookmarkResume.SignalArrived, m.Payload);
                    }
                    else
                    {
                        run.State.PendingSignals.Add(new BufferedSignal(m.Name ?? "", m.Payload, clock.GetUtcNow()));
                    }
                    break;
                case MessageKinds.Task:
                    // A human task was decided (or timed out). The task store committed the decision and this message in
                    // one transaction; here the waiting path resumes with it, exactly once (the message is consumed in this commit).
                    var onTask = run.State.Tokens.Find(t => t.Status == TokenStatus.Waiting && t.Bookmark?.Kind == Bookmark.Task
                        && string.Equals(t.Bookmark.Data?["taskId"]?.GetValue<string>(), m.Name, StringComparison.OrdinalIgnoreCase));
                    if (onTask is null)
                    {
                        logger.LogWarning("Instance {InstanceId}: no path waits on task {TaskId}; its decision is ignored", run.Id, m.Name);
                        break;
                    }
                    onTask.Status = TokenStatus.Ready;
                    onTask.Resume = new BookmarkResume(BookmarkResume.TaskDecided, m.Payload);
                    break;
                case MessageKinds.IncidentRetry:
                case MessageKinds.IncidentSkip:
                    var incidentId = Guid.Parse(m.Payload?["incidentId"]?.GetValue<string>() ?? Guid.Empty.ToString());
                    var token = run.State.Tokens.Find(t => t.Status == TokenStatus.Incident && t.IncidentId == incidentId);
                    if (token is null)
                    {
                        run.Pending.IncidentUpdates.Add((incidentId, IncidentStatus.Resolved, "none: the path had moved on"));
                        break;
                    }
                    token.Status = TokenStatus.Ready;
                    token.IncidentId = null;
                    if (m.Kind == MessageKinds.IncidentSkip)
                    {
                        token.SkipPort = m.Payload?["port"]?.GetValue<string>();
                        token.Resume = null;
                    }
                    run.Pending.IncidentUpdates.Add((incidentId, IncidentStatus.Resolved,
                        m.Kind == MessageKinds.IncidentRetry ? "retry" : $"skip:{token.SkipPort}"));
                    break;
                case MessageKinds.Cancel:
                    run.Status = InstanceStatus.Cancelled;
                    run.CompletedAt = clock.GetUtcNow();
                    run.Error = m.Payload?["reason"]?.GetValue<string>() ?? "cancelled";
                    run.State.Tokens.Clear();
                    run.Pending.CancelOpenIncidents = true;
                    run.Pending.Add(HumanTasks.HumanTaskSql.CancelOpenTasksOf(run.Id, clock.GetUtcNow(), run.Error));
                    Journal(run, 0, "-", "instance", 1, "cancelled", null, null, m.Payload, run.Error, null, clock.GetUtcNow(), 0);
                    break;
                case MessageKinds.Pause:
                    run.State.Hold = m.Payload?["reason"]?.GetValue<string>() ?? "paused";
                    break;
                case MessageKinds.Resume:
                case MessageKinds.Release:
                    // Resume lifts the instance's own pause; release (a workflow or agent was resumed) does not. Either way
                    // held paths become ready and ask the gates again before their step: another hold keeps them held.
                    if (m.Kind == MessageKinds.Resume) run.State.Hold = null;
                    foreach (var t in run.State.Tokens.Where(t => t.Status == TokenStatus.Held))
                    {
                        t.Status = TokenStatus.Ready;
                        t.HoldReason = null;
                    }
                    break;
                default:
                    logger.LogWarning("Instance {InstanceId}: ignoring message {MessageId} of unknown kind {Kind}", run.Id, m.Id, m.Kind);
                    break;
            }
        }
    }

    private void ResumeDueTimers(InstanceRun run)
    {
        var now = clock.GetUtcNow();
        foreach (var t in run.State.Tokens)
        {
            if (t.Status == TokenStatus.Waiting && t.Bookmark?.DueAt is { } due && due <= now)
            {
                t.Status = TokenStatus.Ready;
                t.Resume = new BookmarkResume(BookmarkResume.TimerDue, null);
            }
        }
    }

    private async Task StepAsync(InstanceRun run, Token token, CancellationToken ct)
    {
        var node = run.Workflow.Node(token.Node);
        if (node is null)
        {
            RaiseIncident(run, token, token.Node, "?", new InvalidOperationException($"Node '{token.Node}' does not exist in version {run.Version}."), 1);
            return;
        }

        if (await HoldReasonAsync(run, node, ct) is { } hold)
        {
            token.Status = TokenStatus.Held;
            token.HoldReason = hold;
            Journal(run, token.Id, node.Id, node.Type, 0, "held", null, null, null, hold, null, clock.GetUtcNow(), 0);
            return;
        }

        if (token.SkipPort is { } skipTo)
        {
            token.SkipPort = null;
            Journal(run, token.Id, node.Id, node.Type, 0, "skipped", skipTo, null, null, null, null, clock.GetUtcNow(), 0);
            Route(run, token, node, skipTo);
            return;
        }

        var activity = activities.Find(node.Type);
        if (activity is null)
        {
            var error = new NotSupportedException($"No activity implementation is registered for type '{node.Type}'.");
            Journal(run, token.Id, node.Id, node.Type, 1, "faulted", null, null, null, error.Message, null, clock.GetUtcNow(), 0);
            HandleFailure(run, token, node, error, 1);
            return;
        }

        using var span = EngineTelemetry.StartActivity(run.WorkflowId, run.Version, run.Id, node.Id, node.Type,
            node.Type == BuiltInActivities.Agent.Type && node.Inputs.TryGetValue("agent", out var agentInput) ? agentInput : null);
        var context = new Activities.ActivityContext(run, token, node, services, ct);
        var started = clock.GetUtcNow();
        var t0 = Stopwatch.GetTimestamp();
        ActivityResult? result = null;
        Exception? failure = null;
        var attempts = 0;
        try
        {
            if (token.Resume is { } resume)
            {
                attempts = 1;
                context.IsResume = true;
                result = await activity.ResumeAsync(context, resume);
            }
            else
            {
                result = await PipelineFor(node).ExecuteAsync(async c =>
                {
                    attempts++;
                    context.Attempt = attempts;
                    context.CancellationToken = c;
                    var mark = run.Pending.Commands.Count;
                    var afterMark = run.Pending.AfterCommit.Count;
                    var epoch = run.Pending.Epoch;
                    try
                    {
                        return await activity.ExecuteAsync(context);
                    }
                    catch
                    {
                        // A failed attempt's step SQL must not commit: the next attempt adds its own.
                        if (run.Pending.Epoch != epoch) mark = 0;
                        if (run.Pending.Commands.Count > mark) run.Pending.Commands.RemoveRange(mark, run.Pending.Commands.Count - mark);
                        if (run.Pending.Epoch != epoch) afterMark = 0;
                        if (run.Pending.AfterCommit.Count > afterMark) run.Pending.AfterCommit.RemoveRange(afterMark, run.Pending.AfterCommit.Count - afterMark);
                        throw;
                    }
                }, ct);
            }
        }
        catch (LeaseLostException) { throw; }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
#pragma warning disable CA1031 // an activity's failure, whatever its type, is routed (error port or incident), never thrown out of the slice
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e;
        }
        var duration = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        var lineage = context.Lineage.Count == 0 ? null : context.Lineage.Distinct(StringComparer.Ordinal).ToArray();
        var (spanStatus, spanPort, spanOutput) = failure is not null
            ? ("faulted", run.Workflow.Targets(node.Id, ActivityDescriptor.ErrorPort).Count > 0 ? ActivityDescriptor.ErrorPort : null, (JsonNode?)null)
            : result switch
            {
                OutcomeResult o => ("completed", o.Port, o.Output),
                WaitResult w => ("waiting", null, w.Output),
                CompleteResult c => ("completed", null, c.Output),
                _ => ("completed", (string?)null, (JsonNode?)null),
            };
        EngineTelemetry.ActivityEnded(span, run.WorkflowId, node.Id, node.Type, spanStatus, spanPort, attempts, duration, spanOutput);

        if (failure is not null)
        {
            span?.SetStatus(ActivityStatusCode.Error, failure.Message);
            var routed = run.Workflow.Targets(node.Id, ActivityDescriptor.ErrorPort).Count > 0;
            Journal(run, token.Id, node.Id, node.Type, attempts, "faulted", routed ? ActivityDescriptor.ErrorPort : null,
                context.RecordedInput, null, $"{failure.GetType().Name}: {failure.Message}", lineage, started, duration);
            HandleFailure(run, token, node, failure, attempts);
            return;
        }

        switch (result)
        {
            case OutcomeResult o:
                StoreOutput(run, node, o.Output);
                Governance.Stages.Provenance.OnNodeResult(run.State, node, context, o.Port, o.Output is not null);
                Journal(run, token.Id, node.Id, node.Type, attempts, "completed", o.Port, context.RecordedInput, o.Output, null, lineage, started, duration);
                Route(run, token, node, o.Port);
                break;
            case WaitResult w:
                if (w.Output is not null) StoreOutput(run, node, w.Output);
                Governance.Stages.Provenance.OnNodeResult(run.State, node, context, null, w.Output is not null);
                token.Status = TokenStatus.Waiting;
                token.Bookmark = w.Bookmark;
                token.Resume = null;
                Journal(run, token.Id, node.Id, node.Type, attempts, "waiting", null, context.RecordedInput, w.Output, null, lineage, started, duration);
                if (w.Bookmark.Signal is { } name && run.State.PendingSignals.FindIndex(s => s.Name == name) is var i and >= 0)
                {
                    var buffered = run.State.PendingSignals[i];
                    run.State.PendingSignals.RemoveAt(i);
                    token.Status = TokenStatus.Ready;
                    token.Resume = new BookmarkResume(BookmarkResume.SignalArrived, buffered.Payload);
                }
                break;
            case CompleteResult c:
                run.Output = c.Output;
                Journal(run, token.Id, node.Id, node.Type, attempts, "completed", null, context.RecordedInput, c.Output, null, lineage, started, duration);
                Finish(run, InstanceStatus.Completed, null);
                break;
            case FailResult f:
                Journal(run, token.Id, node.Id, node.Type, attempts, "completed", null, context.RecordedInput, null, f.Reason, lineage, started, duration);
                Finish(run, InstanceStatus.Failed, f.Reason);
                break;
            case AbsorbResult:
                Journal(run, token.Id, node.Id, node.Type, attempts, "completed", null, context.RecordedInput, null, null, lineage, started, duration);
                run.State.Tokens.Remove(token);
                break;
            default:
                throw new InvalidOperationException($"Activity '{node.Type}' returned no result.");
        }
    }

    private async ValueTask<string?> HoldReasonAsync(InstanceRun run, NodeDefinition node, CancellationToken ct)
    {
        if (run.State.Hold is { } instanceHold) return instanceHold;
        if (_gates.Length == 0) return null;
        var context = new GateContext(run.Id, run.WorkflowId, run.Version, node)
        {
            AgentsRead = node.Type == "action" ? Governance.Stages.Provenance.AgentsRead(run.State, node) : [],
        };
        foreach (var gate in _gates)
        {
            if (await gate.CheckAsync(context, ct) is { } reason) return reason;
        }
        return null;
    }

    private static void StoreOutput(InstanceRun run, NodeDefinition node, JsonNode? output)
    {
        if (output is null) return;
        run.Outputs[node.Id] = output.Parent is null ? output : output.DeepClone();
        if (!string.IsNullOrEmpty(node.Output)) run.Vars[node.Output] = output.DeepClone();
    }

    /// <summary>Moves the token along every edge of <paramref name="port"/>; several edges fork new tokens.</summary>
    private void Route(InstanceRun run, Token token, NodeDefinition node, string port)
    {
        var targets = run.Workflow.Targets(node.Id, port);
        if (targets.Count == 0)
        {
            // An outcome nobody planned for is surfaced, not swallowed: it goes to the error port or becomes an incident.
            HandleFailure(run, token, node, new InvalidOperationException($"Port '{port}' of node '{node.Id}' is not connected."), 1, allowErrorPort: port != ActivityDescriptor.ErrorPort);
            return;
        }
        run.State.Arrive(token, targets[0]);
        for (var i = 1; i < targets.Count; i++) run.State.AddToken(targets[i]);
    }

    private void HandleFailure(InstanceRun run, Token token, NodeDefinition node, Exception error, int attempts, bool allowErrorPort = true)
    {
        // A governance violation (forbidden action, stage rule) is never routed around: it stops the path as an incident.
        if (error is Governance.Stages.GovernanceViolationException) allowErrorPort = false;
        if (allowErrorPort && run.Workflow.Targets(node.Id, ActivityDescriptor.ErrorPort).Count > 0)
        {
            run.Outputs[node.Id] = new JsonObject
            {
                ["error"] = new JsonObject { ["type"] = error.GetType().Name, ["message"] = error.Message, ["attempts"] = attempts },
            };
            Route(run, token, node, ActivityDescriptor.ErrorPort);
            return;
        }
        RaiseIncident(run, token, node.Id, node.Type, error, attempts);
    }

    private void RaiseIncident(InstanceRun run, Token token, string nodeId, string type, Exception error, int attempts)
    {
        var id = Guid.NewGuid();
        token.Status = TokenStatus.Incident;
        token.IncidentId = id;
        run.Pending.NewIncidents.Add(new IncidentRecord
        {
            Id = id,
            InstanceId = run.Id,
            WorkflowId = run.WorkflowId,
            Version = run.Version,
            NodeId = nodeId,
            ActivityType = type,
            TokenId = token.Id,
            ErrorType = error.GetType().FullName ?? error.GetType().Name,
            Message = error.Message,
            Attempts = attempts,
            Status = IncidentStatus.Open,
            CreatedAt = clock.GetUtcNow(),
            Host = options.HostId,
        });
        logger.LogInformation("Instance {InstanceId}: incident {IncidentId} at node {Node}: {Error}", run.Id, id, nodeId, error.Message);
    }

    private void Finish(InstanceRun run, string status, string? error)
    {
        run.Status = status;
        run.Error = error;
        run.CompletedAt = clock.GetUtcNow();
        run.State.Tokens.Clear();
    }

    /// <summary>Derives the instance's status, what it waits on and when it is next runnable from its tokens.</summary>
    private void Settle(InstanceRun run)
    {
        run.WaitingOn = null;
        run.HoldReason = null;
        if (InstanceStatus.IsFinal(run.Status))
        {
            run.ReadyAt = null;
            return;
        }
        var tokens = run.State.Tokens;
        if (tokens.Count == 0)
        {
            Finish(run, InstanceStatus.Completed, null); // every path ended (absorbed by joins)
            run.ReadyAt = null;
            return;
        }
        var due = tokens.Where(t => t.Status == TokenStatus.Waiting && t.Bookmark?.DueAt is not null).Select(t => t.Bookmark!.DueAt).Min();
        if (tokens.Exists(t => t.Status == TokenStatus.Ready))
        {
            run.Status = InstanceStatus.Running;
            run.ReadyAt = clock.GetUtcNow();
            return;
        }
        run.ReadyAt = due;
        if (tokens.Exists(t => t.Status == TokenStatus.Incident))
        {
            run.Status = InstanceStatus.Suspended;
            run.WaitingOn = string.Join(", ", tokens.Where(t => t.IncidentId is not null).Select(t => $"incident:{t.IncidentId}"));
        }
        else if (tokens.Exists(t => t.Status == TokenStatus.Held))
        {
            run.Status = InstanceStatus.Paused;
            run.HoldReason = tokens.First(t => t.Status == TokenStatus.Held).HoldReason;
            run.WaitingOn = $"hold:{run.HoldReason}";
        }
        else
        {
            run.Status = InstanceStatus.Waiting;
            run.WaitingOn = string.Join(", ", tokens.Where(t => t.Bookmark is not null).Select(t => t.Bookmark!.Describe()));
        }
    }

    private void Journal(InstanceRun run, int tokenId, string nodeId, string type, int attempt, string status, string? port,
        JsonNode? input, JsonNode? output, string? error, string[]? lineage, DateTimeOffset started, double durationMs)
    {
        run.Pending.Journal.Add(new JournalRow(++run.State.JournalSeq, tokenId, nodeId, type, attempt, status, port,
            Cap(input), Cap(output), error, lineage, started, durationMs));
    }

    private string? Cap(JsonNode? node)
    {
        if (node is null) return null;
        var json = _redactor.Redact(node)!.ToJsonString();
        if (json.Length <= options.JournalPayloadLimit) return json;
        return new JsonObject { ["truncated"] = true, ["size"] = json.Length, ["preview"] = json[..options.JournalPayloadLimit] }.ToJsonString();
    }

    private ResiliencePipeline PipelineFor(NodeDefinition node) => _pipelines.GetOrAdd(node, n =>
    {
        if (n.Retry is not { } retry) return ResiliencePipeline.Empty;
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        if (retry.Attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.Attempts - 1,
                Delay = Durations.TryParse(retry.Backoff, out var d) ? d : TimeSpan.Zero,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not LeaseLostException and not Governance.Stages.GovernanceViolationException),
            });
        }
        if (Durations.TryParse(retry.Timeout, out var timeout) && timeout > TimeSpan.Zero)
            builder.AddTimeout(new TimeoutStrategyOptions { Timeout = timeout });
        return builder.Build();
    });
}

/// <summary>Kinds of durable instance messages.</summary>
public static class MessageKinds
{
    public const string Signal = "signal";
    public const string IncidentRetry = "incident.retry";
    public const string IncidentSkip = "incident.skip";
    public const string Cancel = "cancel";
    public const string Pause = "pause";
    public const string Resume = "resume";
    /// <summary>A workflow- or agent-scope hold was lifted: held paths re-check the gates; the instance's own pause stays.</summary>
    public const string Release = "release";
    /// <summary>A human task's decision; <c>name</c> is the task id, the payload the decision output.</summary>
    public const string Task = "task";
}
