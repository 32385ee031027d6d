using AgentRuntime.Engine.Persistence;
using Microsoft.EntityFrameworkCore;

namespace AgentRuntime.Host.Database;

/// <summary>
/// <c>AgentRuntime.Host migrate</c> (or <c>--migrate-only</c>): apply the pending migrations to the database named by
/// <c>ConnectionStrings:AgentRuntime</c> and exit, serving nothing. This is what a release runs once (a Kubernetes Job,
/// the compose <c>migrate</c> service) before the new hosts roll out with <c>Database:MigrateOnStartup=false</c>, so
/// replicas never race on a migration and a failed migration stops the release instead of crash-looping every pod.
/// Exit codes: 0 migrated (or nothing to do), 1 the migration failed, 2 no connection string.
/// </summary>
public static class MigrateCommand
{
    public const string Verb = "migrate";
    public const string Switch = "--migrate-only";

    /// <summary>True when the arguments ask for migrate mode; removes the verb or switch so configuration never sees it.</summary>
    public static bool Take(ref string[] args)
    {
        var rest = args.Where(a => !IsMigrate(a)).ToArray();
        var requested = rest.Length != args.Length;
        args = rest;
        return requested;
    }

    private static bool IsMigrate(string a) =>
        string.Equals(a, Verb, StringComparison.OrdinalIgnoreCase) || string.Equals(a, Switch, StringComparison.OrdinalIgnoreCase);

    public static async Task<int> RunAsync(IConfiguration configuration, CancellationToken ct = default)
    {
        var connectionString = configuration.GetConnectionString(DatabaseBootstrap.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync(
                $"migrate: ConnectionStrings:{DatabaseBootstrap.ConnectionStringName} (env ConnectionStrings__{DatabaseBootstrap.ConnectionStringName}) is required; " +
                "migrate mode never starts a local PostgreSQL.");
            return 2;
        }
        try
        {
            string[] pending;
            await using (var db = new AgentRuntimeDbContext(PersistenceSetup.OptionsFor(connectionString)))
                pending = [.. await db.Database.GetPendingMigrationsAsync(ct)];
            Console.WriteLine(pending.Length == 0
                ? "migrate: database is up to date; nothing to apply"
                : $"migrate: applying {pending.Length} migration(s): {string.Join(", ", pending)}");
            await PersistenceSetup.MigrateAsync(connectionString, ct); // advisory lock: a second job waits, then finds nothing to do
            await using (var db = new AgentRuntimeDbContext(PersistenceSetup.OptionsFor(connectionString)))
            {
                var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
                Console.WriteLine($"migrate: done; {applied.Count} migration(s) applied, latest {applied.LastOrDefault() ?? "(none)"}");
            }
            return 0;
        }
#pragma warning disable CA1031 // the exit code is the report: a Job must fail visibly, not crash with a stack only
        catch (Exception e)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"migrate: failed: {e}");
            return 1;
        }
    }
}
