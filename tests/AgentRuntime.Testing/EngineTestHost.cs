using AgentRuntime.Definitions.Loading;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Instances;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AgentRuntime.Testing;

/// <summary>
/// An engine on a fresh, migrated database, with a manual clock and the test agents/activities. Workers are off by
/// default: a test drives the engine with <see cref="RunUntilIdleAsync"/>, which makes every step deterministic.
/// </summary>
public sealed class EngineTestHost : IAsyncDisposable
{
    private readonly List<IHostedService> _started = [];

    private EngineTestHost(string connectionString, ManualTimeProvider clock, ServiceProvider services)
    {
        ConnectionString = connectionString;
        Clock = clock;
        Services = services;
    }

    public string ConnectionString { get; }
    public ManualTimeProvider Clock { get; }
    public ServiceProvider Services { get; }
    public WorkflowEngine Engine => Services.GetRequiredService<WorkflowEngine>();
    public EngineRunner Runner => Services.GetRequiredService<EngineRunner>();
    public FaultSwitch Faults => Services.GetRequiredService<FaultSwitch>();

    /// <param name="connectionString">An existing database (several hosts on one database); a fresh one when null.</param>
    /// <param name="realClock">Use the system clock (multi-host tests with real leases) instead of the manual one.</param>
    public static async Task<EngineTestHost> StartAsync(string hint, string? connectionString = null, Action<EngineOptions>? configure = null,
        Action<IServiceCollection>? services = null, bool realClock = false, bool startHostedServices = false)
    {
        connectionString ??= await TestPostgres.CreateDatabaseAsync(hint);
        var clock = new ManualTimeProvider();
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(realClock ? TimeProvider.System : clock);
        // Tests of execute-stage behaviour register their agent there directly (the product default is draft, see
        // GovernanceOptions.HighestRegistrationStage); a test's own GovernanceOptions registration replaces this one.
        collection.AddSingleton(new GovernanceOptions { HighestRegistrationStage = AgentStages.Execute });
        collection.AddAgentRuntimeEngine(o =>
        {
            o.ConnectionString = connectionString;
            o.RunWorkers = false;
            o.HostId = $"test-{hint}-{Guid.NewGuid().ToString("N")[..6]}";
            configure?.Invoke(o);
        });
        collection.AddTestActivities();
        services?.Invoke(collection);
        var host = new EngineTestHost(connectionString, clock, collection.BuildServiceProvider());
        if (startHostedServices)
        {
            foreach (var hosted in host.Services.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
                host._started.Add(hosted);
            }
        }
        return host;
    }

    /// <summary>Validates a YAML/JSON definition with the engine's catalog and stores it as the next published version.</summary>
    public Task<int> PublishAsync(string source) => PublishAsync(ConnectionString, source, Services.GetRequiredService<ActivityRegistry>());

    public static async Task<int> PublishAsync(string connectionString, string source, ActivityRegistry activities)
    {
        var document = DefinitionDocument.Parse(source, "test.yaml", activities.Catalog);
        if (document.HasErrors || document.Definition is null)
            throw new InvalidOperationException("Invalid test definition: " + string.Join("; ", document.Problems.Select(p => p.ToString())));
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using var upsert = new NpgsqlCommand("""
            INSERT INTO workflows (id, name, latest_version, retired, created_at, updated_at) VALUES ($1, $1, 1, false, now(), now())
            ON CONFLICT (id) DO UPDATE SET latest_version = workflows.latest_version + 1, updated_at = now()
            RETURNING latest_version
            """, conn, tx);
        upsert.Parameters.Add(new() { Value = document.Definition.Id });
        var version = (int)(await upsert.ExecuteScalarAsync())!;
        await using var insert = new NpgsqlCommand("""
            WITH v AS (
              INSERT INTO workflow_versions (workflow_id, version, content_hash, canonical_json, source_text, source_format, status, created_at, published_at)
              VALUES ($1, $2, $3, $4::jsonb, $5, 'yaml', 'published', now(), now()) RETURNING workflow_id, version)
            UPDATE workflows w SET published_version = v.version FROM v WHERE w.id = v.workflow_id
            """, conn, tx);
        insert.Parameters.Add(new() { Value = document.Definition.Id });
        insert.Parameters.Add(new() { Value = version });
        insert.Parameters.Add(new() { Value = document.ContentHash });
        insert.Parameters.Add(new() { Value = document.CanonicalJson });
        insert.Parameters.Add(new() { Value = source });
        await insert.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        return version;
    }

    public Task<int> RunUntilIdleAsync() => Runner.RunUntilIdleAsync();

    public async Task<long> CountAsync(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _started) await hosted.StopAsync(CancellationToken.None);
        await Services.DisposeAsync();
    }
}
