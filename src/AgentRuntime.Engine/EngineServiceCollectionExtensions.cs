using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Activities.BuiltIn;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Operations;
using AgentRuntime.Engine.Scheduling;
using AgentRuntime.Engine.Telemetry;
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

        // One data source (one connection pool) for everything in the process: the engine's hot path, tasks, governance,
        // operations and the audit trail. Replaces a plain one registered earlier (e.g. by AddAuditTrail).
        services.Replace(ServiceDescriptor.Singleton(_ => CreateDataSource(options.ConnectionString)));
        services.AddSingleton(sp => new EngineDatabase(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new InstanceStore(sp.GetRequiredService<EngineDatabase>().DataSource, options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DefinitionCache(sp.GetRequiredService<EngineDatabase>().DataSource));
        services.AddSingleton<LeaseTracker>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<SliceExecutor>();
        services.AddSingleton<ActivityRegistry>();
        services.AddSingleton<IAgentResolver, AgentResolver>();
        services.AddAgentGovernance(options.ConnectionString);
        services.AddSingleton(sp => new EngineRunner(
            sp.GetRequiredService<InstanceStore>(), sp.GetRequiredService<DefinitionCache>(), sp.GetRequiredService<SliceExecutor>(),
            sp.GetRequiredService<LeaseTracker>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EngineRunner>>()));
        services.AddSingleton(sp => new WorkflowEngine(
            sp.GetRequiredService<InstanceStore>(), sp.GetRequiredService<DefinitionCache>(), sp.GetRequiredService<SliceExecutor>(),
            sp.GetRequiredService<LeaseTracker>(), sp.GetRequiredService<WorkSignal>(), sp.GetRequiredService<ActivityRegistry>(),
            options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<TelemetrySignals>(), sp.GetRequiredService<WorkflowHoldGate>()));
        services.AddSingleton(sp =>
        {
            var signals = new TelemetrySignals(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TelemetrySignals>>());
            signals.Attach(sp.GetRequiredService<EngineDatabase>().DataSource);
            return signals;
        });
        services.AddSingleton(sp => new QueueDepthProbe(sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<QueueDepthProbe>>()));
        // Registered before the worker so it stops after it: the last slices' signal counts are flushed.
        services.AddHostedService<TelemetryBackgroundService>();
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
    /// The engine's data source. Its commands are traced (Npgsql's own spans) only inside a span (an API request, a
    /// slice): the idle claim polls and lease heartbeats of every worker loop would otherwise flood the trace backend
    /// with a root span each, several times a second.
    /// </summary>
    private static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(WithAutoPrepare(connectionString));
        builder.ConfigureTracing(t => t
            .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
            .ConfigureBatchFilter(_ => System.Diagnostics.Activity.Current is not null));
        return builder.Build();
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

    /// <summary>
    /// Agents as governed resources: the directory (definitions and stage from the database), the kill-switch gate, the
    /// human-task port of the agent node (the built-in signal port unless one is registered), the audit trail, the
    /// governance services (agent catalog, stages, readiness, promotions, monitor). Called by <see cref="AddAgentRuntimeEngine"/>.
    /// </summary>
    private static IServiceCollection AddAgentGovernance(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(new Governance.GovernanceOptions());
        services.TryAddSingleton(new LlmEndpointOptions());
        services.AddHttpClient(HttpAgent.ClientName);
        services.AddAuditTrail(connectionString);
        services.AddSingleton(sp => new AgentDirectory(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<IAgentResolver>(),
            sp.GetRequiredService<LlmEndpointOptions>(), sp.GetRequiredService<IHttpClientFactory>(), sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton<Governance.Stages.IAgentTaskPort, Governance.Stages.HumanTaskAgentPort>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExecutionGate, Governance.Stages.AgentGate>());
        services.AddSingleton(sp => new Governance.Stages.AgentCatalog(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Governance.GovernanceOptions>()));
        services.AddSingleton(sp => new Governance.Stages.StageService(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<WorkflowEngine>()));
        services.AddSingleton(sp => new Governance.Readiness.ReadinessService(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<Governance.GovernanceOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Governance.Promotions.PromotionService(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Governance.GovernanceOptions>(), sp.GetRequiredService<Governance.Readiness.ReadinessService>(), sp.GetRequiredService<AgentDirectory>(), sp));
        services.AddSingleton(sp => new Governance.Stages.GovernanceMonitor(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<Governance.GovernanceOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Governance.Stages.StageService>(), sp.GetRequiredService<Governance.Promotions.PromotionService>(), sp.GetRequiredService<AgentDirectory>()));
        services.AddSingleton<HumanTasks.IHumanTaskCompletionHandler>(sp => new Governance.Promotions.PromotionSignOffHandler(sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Governance.Stages.AgentQueries(sp.GetRequiredService<EngineDatabase>()));
        services.AddHostedService<Governance.Stages.GovernanceMonitorWorker>();
        services.AddGovernanceJobs();
        return services;
    }

    /// <summary>Registers a deterministic <c>rules</c> agent.</summary>
    public static IServiceCollection AddRulesAgent(this IServiceCollection services, AgentRegistration registration, params AgentRule[] rules) =>
        services.AddAgent(new RulesAgent(registration, rules));
}

/// <summary>The engine's own data source (kept apart from whatever the host registers).</summary>
internal sealed class EngineDatabase(NpgsqlDataSource dataSource)
{
    /// <summary>The container's data source; the container disposes it.</summary>
    public NpgsqlDataSource DataSource { get; } = dataSource;
}
