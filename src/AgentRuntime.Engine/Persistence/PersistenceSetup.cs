using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AgentRuntime.Engine.Persistence;

public static class PersistenceSetup
{
    /// <summary>Configures the context for PostgreSQL with the project's conventions (migrations table name).</summary>
    public static DbContextOptionsBuilder<TContext> UseAgentRuntimeDatabase<TContext>(this DbContextOptionsBuilder<TContext> builder, string connectionString)
        where TContext : DbContext =>
        builder.UseNpgsql(connectionString, o => o.MigrationsHistoryTable("__ef_migrations_history"));

    /// <inheritdoc cref="UseAgentRuntimeDatabase{TContext}(DbContextOptionsBuilder{TContext}, string)"/>
    public static DbContextOptionsBuilder UseAgentRuntimeDatabase(this DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString, o => o.MigrationsHistoryTable("__ef_migrations_history"));

    /// <summary>Options for a context on <paramref name="connectionString"/>, for code that runs outside dependency injection.</summary>
    public static DbContextOptions<AgentRuntimeDbContext> OptionsFor(string connectionString) =>
        new DbContextOptionsBuilder<AgentRuntimeDbContext>().UseAgentRuntimeDatabase(connectionString).Options;

    /// <summary>Applies pending migrations. Concurrent hosts serialise on a PostgreSQL advisory lock, so only one migrates.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        await using var lockConn = new NpgsqlConnection(connectionString);
        await lockConn.OpenAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(7245100101)", lockConn))
            await take.ExecuteNonQueryAsync(ct);
        try
        {
            await using var db = new AgentRuntimeDbContext(OptionsFor(connectionString));
            await db.Database.MigrateAsync(ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(7245100101)", lockConn);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
