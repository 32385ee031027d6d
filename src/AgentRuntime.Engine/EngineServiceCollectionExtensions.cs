using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Activities.BuiltIn;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AgentRuntime.Engine;

/// <summary>Registers the durable engine in a host's services.</summary>
public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine: the built-in activities, the <c>record</c> and <c>http</c> connectors, the agent resolver, the
    /// <see cref="WorkflowEngine"/> API, the <see cref="EngineRunner"/>, and a hosted worker (claim/execute loops when
    /// <see cref="EngineOptions.RunWorkers"/>, plus lease heartbeats). Uses the registered <see cref="TimeProvider"/>
    /// (the system clock if none). Add activities, agents and connectors with the other extensions here.
    /// </summary>
    public static IServiceCollection AddAgentRuntimeEngine(this IServiceCollection services, Action<EngineOptions> configure)
    {
        var options = new EngineOptions();
        configure(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new InvalidOperationException("EngineOptions.ConnectionString is required.");

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
        services.AddHttpClient(HttpConnector.ClientName);

        services.AddSingleton(sp => new EngineDatabase(NpgsqlDataSource.Create(WithAutoPrepare(options.ConnectionString))));
        services.AddSingleton(sp => new InstanceStore(sp.GetRequiredService<EngineDatabase>().DataSource, options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DefinitionCache(sp.GetRequiredService<EngineDatabase>().DataSource));
        services.AddSingleton<LeaseTracker>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<SliceExecutor>();
        services.AddSingleton<ActivityRegistry>();
        services.AddSingleton<IAgentResolver, AgentResolver>();
        services.AddSingleton(sp => new EngineRunner(
            sp.GetRequiredService<InstanceStore>(), sp.GetRequiredService<DefinitionCache>(), sp.GetRequiredService<SliceExecutor>(),
            sp.GetRequiredService<LeaseTracker>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EngineRunner>>()));
        services.AddSingleton(sp => new WorkflowEngine(
            sp.GetRequiredService<InstanceStore>(), sp.GetRequiredService<DefinitionCache>(), sp.GetRequiredService<SliceExecutor>(),
            sp.GetRequiredService<LeaseTracker>(), sp.GetRequiredService<WorkSignal>(), sp.GetRequiredService<ActivityRegistry>(),
            options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<WorkflowHoldGate>()));
        services.AddHostedService<EngineWorker>();
        services.AddOperations(options);

        services.AddHumanTasks();
        services.AddActivity<AgentActivity>()
            .AddActivity<ApprovalActivity>()
            .AddActivity<DecisionActivity>()
            .AddActivity<ActionActivity>()
            .AddActivity<ValidateActivity>()
            .AddActivity<WaitActivity>()
            .AddActivity<ParallelActivity>()
            .AddActivity<JoinActivity>()
            .AddActivity<NotifyActivity>()
            .AddActivity<EndActivity>()
            .AddActivity<FailActivity>();
        services.AddConnector<RecordConnector>().AddConnector<HttpConnector>();
        return services;
    }

    /// <summary>
    /// The hot path sends the same few statements (claim, fenced commit, journal unnest) over and over: automatic
    /// preparation saves PostgreSQL parsing and planning them on every commit. Kept if the connection string sets it.
    /// </summary>
    private static string WithAutoPrepare(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }
        return builder.ConnectionString;
    }

    /// <summary>Registers a node type: one class carrying its descriptor. It joins the engine's catalog.</summary>
    public static IServiceCollection AddActivity<TActivity>(this IServiceCollection services) where TActivity : class, IActivity
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActivity, TActivity>());
        return services;
    }

    public static IServiceCollection AddConnector<TConnector>(this IServiceCollection services) where TConnector : class, IConnector
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnector, TConnector>());
        return services;
    }

    public static IServiceCollection AddAgent(this IServiceCollection services, IAgent agent) => services.AddSingleton(agent);

    /// <summary>Registers a deterministic <c>rules</c> agent.</summary>
    public static IServiceCollection AddRulesAgent(this IServiceCollection services, AgentRegistration registration, params AgentRule[] rules) =>
        services.AddAgent(new RulesAgent(registration, rules));
}

/// <summary>The engine's own data source (kept apart from whatever the host registers).</summary>
internal sealed class EngineDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
