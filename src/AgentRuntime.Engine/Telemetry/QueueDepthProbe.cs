using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// Feeds <c>agentruntime.queue.depth</c>: the number of runnable, unclaimed instances. A gauge callback runs on the
/// exporter's thread and must not block, so it returns the last value and, when that is older than
/// <see cref="MaxAge"/>, starts one refresh in the background. The count walks the partial <c>ready_at</c> index and
/// stops at <see cref="Cap"/> rows, so a huge backlog costs no more than a bounded scan.
/// </summary>
internal sealed class QueueDepthProbe(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<QueueDepthProbe> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    public const int Cap = 100_000;

    private long _value = -1;
    private long _refreshedAt; // ticks; 0 (year 1) means never
    private int _refreshing;

    /// <summary>The last known depth (null before the first refresh finished). Starts a refresh when stale.</summary>
    public long? Current()
    {
        var now = clock.GetUtcNow().UtcTicks;
        if (now - Interlocked.Read(ref _refreshedAt) > MaxAge.Ticks && Interlocked.Exchange(ref _refreshing, 1) == 0)
            _ = RefreshInBackgroundAsync();
        var value = Interlocked.Read(ref _value);
        return value < 0 ? null : value;
    }

    public async Task<long> RefreshAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT count(*) FROM (
              SELECT 1 FROM workflow_instances
               WHERE ready_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at < $1)
               LIMIT $2) q
            """);
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Cap });
        var depth = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        Interlocked.Exchange(ref _value, depth);
        Interlocked.Exchange(ref _refreshedAt, clock.GetUtcNow().UtcTicks);
        return depth;
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync();
        }
#pragma warning disable CA1031 // a failed probe leaves the last value in place; the next collection retries
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogDebug(e, "Queue depth probe failed");
            Interlocked.Exchange(ref _refreshedAt, clock.GetUtcNow().UtcTicks);
        }
        finally
        {
            Interlocked.Exchange(ref _refreshing, 0);
        }
    }
}
