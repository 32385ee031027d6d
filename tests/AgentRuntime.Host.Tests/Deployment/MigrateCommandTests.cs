using System.Diagnostics;
using System.Net;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Npgsql;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>
/// Tier: functional (the real host binary as a process, real PostgreSQL). Why: the release Job and the compose
/// <c>migrate</c> service run <c>AgentRuntime.Host migrate</c> and judge it by exit code alone; and the rollout relies
/// on a host with <c>Database:MigrateOnStartup=false</c> staying not-ready until that job has migrated.
/// </summary>
[Collection("processes")]
public sealed class MigrateCommandTests
{
    [Fact]
    public async Task Migrate_applies_everything_once_exits_zero_and_then_a_non_migrating_host_is_ready()
    {
        var empty = await TestPostgres.CreateEmptyDatabaseAsync();

        await using (var before = new HostFactory(empty, settings: new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" }))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await before.CreateClient().GetAsync("/health/ready")).StatusCode);

        var (code, output) = await RunHostAsync(empty, "migrate");
        Assert.True(code == 0, output);
        Assert.Contains("migrate: applying", output, StringComparison.Ordinal);
        var applied = await CountAsync(empty, "SELECT count(*) FROM __ef_migrations_history");
        Assert.True(applied >= 4);

        (code, output) = await RunHostAsync(empty, "--migrate-only"); // the second job of a release race finds nothing to do
        Assert.True(code == 0, output);
        Assert.Contains("nothing to apply", output, StringComparison.Ordinal);
        Assert.Equal(applied, await CountAsync(empty, "SELECT count(*) FROM __ef_migrations_history"));

        await using var after = new HostFactory(empty, settings: new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        Assert.Equal(HttpStatusCode.OK, (await after.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Migrate_without_a_connection_string_exits_two_and_starts_no_database()
    {
        var (code, output) = await RunHostAsync("", "migrate");
        Assert.True(code == 2, output);
        Assert.Contains("ConnectionStrings__AgentRuntime", output, StringComparison.Ordinal);
        Assert.DoesNotContain("local-postgres", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunHostAsync(string connectionString, string argument)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(RepoPaths.HostDll());
        psi.ArgumentList.Add(argument);
        psi.Environment["ConnectionStrings__AgentRuntime"] = connectionString;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    private static async Task<long> CountAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
