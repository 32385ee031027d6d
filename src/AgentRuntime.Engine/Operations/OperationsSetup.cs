using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Connectors;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Instances;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Operations;

internal static class OperationsSetup
{
    /// <summary>Ops controls: the workflow hold gate, the operations API, bulk operations (and their worker), rollback.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services, EngineOptions engine)
    {
        services.AddAuditTrail(engine.ConnectionString);
        services.TryAddSingleton(new OperationsOptions());
        services.AddSingleton(sp => new WorkflowHoldGate(sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<OperationsOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IExecutionGate>(sp => sp.GetRequiredService<WorkflowHoldGate>());
        services.AddSingleton(sp => new CompensationRunner(sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<AuditTrail>(),
            sp.GetServices<IConnector>(), engine, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CompensationRunner>>()));
        services.AddSingleton(sp => new OperationsService(sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<WorkflowHoldGate>(), sp.GetRequiredService<WorkSignal>(), sp.GetRequiredService<WorkflowEngine>(),
            sp.GetRequiredService<CompensationRunner>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new BulkOperations(sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<OperationsService>(), sp.GetRequiredService<CompensationRunner>(), sp.GetRequiredService<OperationsOptions>(),
            engine, sp.GetRequiredService<WorkSignal>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DefinitionRollback(sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<DefinitionCache>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<BulkOperationWorker>();
        return services;
    }
}
