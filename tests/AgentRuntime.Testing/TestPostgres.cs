using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Persistence.LocalPostgres;
using Npgsql;

namespace AgentRuntime.Testing;

/// <summary>
/// The PostgreSQL server of this test run: the one named by <c>AGENTRUNTIME_TEST_PG</c> (a connection string; its
/// database is ignored), or a private server started from the machine's binaries on first use and stopped when
/// the test process exits. Real PostgreSQL in every test: the engine's claims, leases and triggers are
/// PostgreSQL behaviour that an in-memory stand-in would not have.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _adminConnectionString;
    private static string? _templateDatabase;
    private static LocalPostgresServer? _server;

    /// <summary>
    /// A fresh, migrated database for one test class (or one test). Created from a template migrated once per
    /// process, so it costs tens of milliseconds rather than a migration run.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string? hint = null)
    {
        var admin = await AdminConnectionStringAsync();
        var template = await TemplateAsync(admin);
        var name = $"t_{Sanitize(hint)}_{Guid.NewGuid():N}"; // ≤ 51 characters, under PostgreSQL's 63
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return With(admin, name);
    }

    /// <summary>An empty database with no migrations applied (to test migration itself).</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"e_{Guid.NewGuid():N}";
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return With(admin, name);
    }

    public static async Task<string> AdminConnectionStringAsync()
    {
        if (_adminConnectionString is not null) return _adminConnectionString;
        await Gate.WaitAsync();
        try
        {
            if (_adminConnectionString is not null) return _adminConnectionString;
            var configured = Environment.GetEnvironmentVariable("AGENTRUNTIME_TEST_PG");
            if (!string.IsNullOrWhiteSpace(configured))
            {
                _adminConnectionString = With(configured, "postgres");
                return _adminConnectionString;
            }
            var dir = Path.Combine(Path.GetTempPath(), $"agentrt-test-pg-{Environment.ProcessId}");
            _server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = dir, Durable = false, MaxConnections = 300 });
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            };
            _adminConnectionString = _server.AdminConnectionString;
            return _adminConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> TemplateAsync(string admin)
    {
        if (_templateDatabase is not null) return _templateDatabase;
        await Gate.WaitAsync();
        try
        {
            if (_templateDatabase is not null) return _templateDatabase;
            // One template per test process: several test assemblies may share one server (AGENTRUNTIME_TEST_PG).
            var name = $"template_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
            await using (var conn = new NpgsqlConnection(admin))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            await PersistenceSetup.MigrateAsync(With(admin, name));
            NpgsqlConnection.ClearAllPools(); // a template must have no open connections when copied
            _templateDatabase = name;
            return name;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static string With(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    private static string Sanitize(string? hint) =>
        new string((hint ?? "db").ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(16).ToArray()) is { Length: > 0 } s ? s : "db";
}
