using Npgsql;

namespace AgentRuntime.Testing;

/// <summary>
/// How much of a table PostgreSQL has read so far: index entries (<c>pg_stat_user_indexes.idx_tup_read</c>, all its
/// indexes) and rows read by sequential scans (<c>pg_stat_user_tables.seq_tup_read</c>). A way to assert that a query read
/// about what it should, without timing it. A backend reports its counts when it goes idle (up to ten seconds later) or
/// exits, so callers close their idle connections and wait for the counters to hold still before comparing.
/// </summary>
public static class TableReads
{
    public static async Task<(long Index, long Table)> ReadAsync(string connectionString, string table)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT (SELECT coalesce(sum(idx_tup_read), 0)::bigint FROM pg_stat_user_indexes WHERE relname = $1),
                   (SELECT coalesce(seq_tup_read, 0)::bigint FROM pg_stat_user_tables WHERE relname = $1)
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetInt64(0), r.GetInt64(1));
    }
}
