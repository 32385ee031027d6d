using System.Data;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRuntime.Engine.Notifications;

/// <summary>
/// Delivers <c>outbox_messages</c> (written in the same transaction as the step or task change that caused them) through the
/// <see cref="INotificationChannel"/> named by each row.
/// <para>
/// Every host runs it; rows are taken with <c>FOR UPDATE SKIP LOCKED</c> and marked dispatched in the same transaction, so two
/// hosts never deliver the same row. The row stays locked while it is delivered: if the host dies mid-delivery the
/// transaction rolls back and another host delivers it again, so delivery is at-least-once across a crash, with a stable
/// <c>Idempotency-Key</c> (the row id) for receivers to drop the duplicate. A failed delivery is retried with exponential backoff
/// up to <see cref="NotificationOptions.MaxAttempts"/>.
/// </para>
/// </summary>
public sealed class OutboxDispatcher
{
    private readonly NpgsqlDataSource _db;
    private readonly Dictionary<string, INotificationChannel> _channels;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<OutboxDispatcher> _logger;

    internal OutboxDispatcher(NpgsqlDataSource db, IEnumerable<INotificationChannel> channels, NotificationOptions options, TimeProvider clock, ILogger<OutboxDispatcher> logger)
    {
        _db = db;
        _channels = channels.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Delivers every message due now, in batches. Returns how many were delivered (tests drive it).</summary>
    public async Task<int> DispatchPendingAsync(CancellationToken cancellationToken = default)
    {
        var delivered = 0;
        while (true)
        {
            var (taken, ok) = await DispatchBatchAsync(20, cancellationToken);
            delivered += ok;
            if (taken < 20) return delivered;
        }
    }

    private async Task<(int Taken, int Delivered)> DispatchBatchAsync(int max, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var rows = new List<Notification>();
        await using (var select = new NpgsqlCommand("""
            SELECT id, kind, COALESCE(channel, 'log'), recipient, body::text, instance_id, attempts FROM outbox_messages
             WHERE dispatched_at IS NULL AND attempts < $2 AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
             ORDER BY id LIMIT $3
             FOR UPDATE SKIP LOCKED
            """, conn, tx))
        {
            select.Parameters.Add(InstanceStore.P(now));
            select.Parameters.Add(InstanceStore.P(_options.MaxAttempts));
            select.Parameters.Add(InstanceStore.P(max));
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var instance = reader.GetGuid(5);
                rows.Add(new Notification(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    JsonNode.Parse(reader.GetString(4)) as JsonObject ?? [], instance == Guid.Empty ? null : instance));
            }
        }
        if (rows.Count == 0) return (0, 0);

        var delivered = 0;
        await using var batch = new NpgsqlBatch(conn, tx);
        foreach (var n in rows)
        {
            string? error = null;
            if (!_channels.TryGetValue(n.Channel, out var channel))
            {
                error = $"No notification channel '{n.Channel}' is registered.";
            }
            else
            {
                try
                {
                    await channel.SendAsync(n, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // a channel's failure, whatever its type, is recorded and retried
                catch (Exception e)
#pragma warning restore CA1031
                {
                    error = $"{e.GetType().Name}: {e.Message}";
                }
            }
            NpgsqlBatchCommand c;
            if (error is null)
            {
                delivered++;
                c = new NpgsqlBatchCommand("UPDATE outbox_messages SET dispatched_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1");
                c.Parameters.Add(InstanceStore.P(n.Id));
                c.Parameters.Add(InstanceStore.P(now));
            }
            else
            {
                _logger.LogWarning("Outbox message {Id} ({Kind}) not delivered through '{Channel}': {Error}", n.Id, n.Kind, n.Channel, error);
                c = new NpgsqlBatchCommand("""
                    UPDATE outbox_messages SET attempts = attempts + 1, last_error = $2,
                           next_attempt_at = $3 + make_interval(secs => least(3600, 2 ^ least(attempts, 12)))
                     WHERE id = $1
                    """);
                c.Parameters.Add(InstanceStore.P(n.Id));
                c.Parameters.Add(InstanceStore.P(error));
                c.Parameters.Add(InstanceStore.P(now));
            }
            batch.BatchCommands.Add(c);
        }
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return (rows.Count, delivered);
    }
}

/// <summary>Runs the dispatcher on every host that runs engine workers.</summary>
internal sealed class OutboxDispatcherWorker(OutboxDispatcher dispatcher, NotificationOptions options, EngineOptions engine, TimeProvider clock, ILogger<OutboxDispatcherWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!engine.RunWorkers || !options.RunDispatcher) return;
        using var timer = new PeriodicTimer(options.PollInterval, clock);
        try
        {
            do
            {
                try
                {
                    await dispatcher.DispatchPendingAsync(stoppingToken);
                }
#pragma warning disable CA1031 // a database hiccup must not stop delivery; the next tick retries
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogError(e, "Outbox dispatch failed; retrying at the next tick");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
