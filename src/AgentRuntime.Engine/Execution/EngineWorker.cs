using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// The background side of the engine in a host process: <see cref="EngineOptions.Concurrency"/> loops that claim
/// and run slices (when <see cref="EngineOptions.RunWorkers"/>), and a heartbeat that extends the leases this host holds.
/// <para>
/// Timers are rows, not scheduler jobs: a waiting instance's <c>ready_at</c> is its earliest due time, and the same
/// <c>FOR UPDATE SKIP LOCKED</c> claim that picks up new work picks up due timers and expired leases. That keeps timers
/// durable and clustered with no second store to keep consistent with the instance row (a Quartz trigger would have to
/// be written in the same transaction as the bookmark, and Quartz's store has its own transactions); Quartz stays the
/// tool for cron-style jobs (audit sampling, readiness probes).
/// </para>
/// <para>
/// Graceful stop (SIGTERM, Kubernetes rolling update, scale-in): <see cref="StopAsync"/>, run from
/// <see cref="StoppingAsync"/> as the host begins to shut down, stops every loop from claiming at once; a loop hands back the rows of its batch it has not started and lets the slice in progress finish, for up
/// to <see cref="EngineOptions.ShutdownTimeout"/> (bounded by the host's own shutdown deadline); then the slices still
/// running are cancelled and released. Heartbeats go on until the loops are done, so a long drain never lets a lease
/// lapse. Released rows get <c>ready_at</c> = now and no owner: the other hosts claim them on their next poll, instead
/// of waiting <see cref="EngineOptions.LeaseDuration"/> as they must after a crash. A release is fenced by the claim's
/// <c>lease_token</c> and this host's id, so it never touches a row that committed or moved to another host.
/// </para>
/// </summary>
internal sealed class EngineWorker(EngineRunner runner, InstanceStore store, LeaseTracker leases, WorkSignal signal, EngineOptions options, ILogger<EngineWorker> logger)
    : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _heartbeatStop = new();
    private readonly ConcurrentQueue<Guid> _released = new();
    private Task _loops = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;
    private int _stopped; // 1 once StopAsync or Dispose ran: a second stop (test hosts stop, then dispose) is a no-op

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _heartbeat = Task.Run(() => HeartbeatAsync(_heartbeatStop.Token), CancellationToken.None);
        if (options.RunWorkers)
        {
            _loops = Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(LoopAsync, CancellationToken.None)));
            logger.LogInformation("Engine workers started on host {HostId}: {Concurrency} loops, batch {Batch}, lease {Lease}",
                options.HostId, options.Concurrency, options.ClaimBatchSize, options.LeaseDuration);
        }
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The graceful stop begins here, the host's first step of shutting down, before any hosted service's
    /// <c>StopAsync</c>. Hosted services stop in reverse order of registration, so the engine (registered early) would
    /// otherwise stop last: while Quartz waited for its running jobs, the loops went on claiming and running new work,
    /// and what a rolling update should hand back at once was run here instead, delaying the stop.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <param name="cancellationToken">The host's shutdown deadline; the drain ends at it or at <see cref="EngineOptions.ShutdownTimeout"/>, whichever comes first.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        var sw = Stopwatch.StartNew();
        // Wall-clock on purpose: operators (and the scale-out test) line this log up with PostgreSQL's now() in lease columns.
        var began = DateTimeOffset.UtcNow;
        var inFlight = leases.Snapshot().Count;
        if (options.RunWorkers)
            logger.LogInformation("Engine stopping on host {HostId}: no new claims; draining {InFlight} held instances (up to {Timeout})",
                options.HostId, inFlight, options.ShutdownTimeout);
        await _stopping.CancelAsync();

        var drained = await WaitAsync(_loops, options.ShutdownTimeout, cancellationToken);
        if (!drained)
        {
            logger.LogWarning("Engine drain on host {HostId} timed out after {Elapsed}; cancelling the slices still running", options.HostId, sw.Elapsed);
            await _abort.CancelAsync();
            await WaitAsync(_loops, TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        await _heartbeatStop.CancelAsync();
        await _heartbeat;

        // Anything still tracked (an inline run cut short, a loop that did not come back in time): release it too.
        var left = leases.Held();
        if (left.Count > 0)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                foreach (var id in await store.ReleaseAsync(left, timeout.Token)) _released.Enqueue(id);
            }
#pragma warning disable CA1031 // the database may be unreachable at shutdown: those leases then expire as after a crash
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogWarning(e, "Could not release {Count} leases at shutdown; they expire after {Lease}", left.Count, options.LeaseDuration);
            }
        }

        var released = _released.ToArray();
        logger.LogInformation(
            "Engine stopped on host {HostId} after {ElapsedMs} ms ({How}); released {Released} leases; stop began at {StopBeganAt:O}: {ReleasedIds}",
            options.HostId, (long)sw.Elapsed.TotalMilliseconds, drained ? "drained" : "drain timed out", released.Length,
            began, string.Join(',', released));
    }

    /// <summary>
    /// Ends the loops abruptly if the worker is disposed without a stop (a container torn down directly), as a crash
    /// would. The token sources are cancelled, never disposed: a test host may dispose the worker while its stop is
    /// still draining, and they hold no timer or handle.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _stopping.Cancel();
        _abort.Cancel();
        _heartbeatStop.Cancel();
    }

    private static async Task<bool> WaitAsync(Task task, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await task.WaitAsync(timeout, ct);
            return true;
        }
        catch (TimeoutException) { return false; }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return false; }
    }

    private async Task LoopAsync()
    {
        var stopping = _stopping.Token;
        var abort = _abort.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var outcome = await runner.RunBatchAsync(options.ClaimBatchSize, stopping, abort);
                foreach (var id in outcome.Released) _released.Enqueue(id);
                if (outcome.Claimed == 0) await signal.WaitAsync(options.PollInterval, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a database hiccup must not kill the worker loop
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Engine worker loop failed; retrying shortly");
                try { await Task.Delay(TimeSpan.FromSeconds(1), stopping); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.EffectiveHeartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await store.HeartbeatAsync(leases.Snapshot(), ct);
                }
#pragma warning disable CA1031
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogWarning(e, "Lease heartbeat failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
