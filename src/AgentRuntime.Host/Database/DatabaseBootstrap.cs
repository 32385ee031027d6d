using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Persistence.LocalPostgres;

namespace AgentRuntime.Host.Database;

/// <summary>
/// Decides which PostgreSQL the host uses. With <c>ConnectionStrings:AgentRuntime</c> set, that server; without it,
/// a private server started from the machine's binaries (see <see cref="LocalPostgresServer"/>) whose data folder
/// survives restarts and which stops with the host. Runs before the application is built because every other
/// service needs the connection string.
/// </summary>
public static class DatabaseBootstrap
{
    public const string ConnectionStringName = "AgentRuntime";

    /// <summary>
    /// Returns the database to use. Dispose the result after the host has stopped: a server started here is then
    /// stopped (fast shutdown), so no PostgreSQL outlives the host that started it.
    /// </summary>
    public static async Task<ResolvedDatabase> ResolveAsync(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
            return new ResolvedDatabase(configured, null);

        var options = builder.Configuration.GetSection(LocalPostgresOptions.SectionName).Get<LocalPostgresOptions>() ?? new LocalPostgresOptions();
        var server = await LocalPostgresServer.StartAsync(options, message => Console.WriteLine($"[local-postgres] {message}"));
        await server.EnsureDatabaseAsync(options.Database);
        return new ResolvedDatabase(server.ConnectionStringFor(options.Database), server);
    }
}

/// <summary>The connection string in use and, when the host started it, the local server behind it.</summary>
public sealed record ResolvedDatabase(string ConnectionString, LocalPostgresServer? LocalServer) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => LocalServer?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>Database settings (section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// Apply pending migrations at start-up. Several hosts starting at once serialise on an advisory lock, so only
    /// one migrates. Turn off where a release job migrates once before the hosts roll out.
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;
}

/// <summary>Applies migrations when the host starts, before it reports ready.</summary>
internal sealed class MigrationHostedService(DatabaseConnection connection, Microsoft.Extensions.Options.IOptions<DatabaseOptions> options, ILogger<MigrationHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStartup)
        {
            logger.LogInformation("Database migration on start-up is off; expecting a release job to have migrated");
            return;
        }
        await PersistenceSetup.MigrateAsync(connection.ConnectionString, cancellationToken);
        logger.LogInformation("Database migrated");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The resolved connection string, for code that talks to PostgreSQL directly.</summary>
public sealed record DatabaseConnection(string ConnectionString);
