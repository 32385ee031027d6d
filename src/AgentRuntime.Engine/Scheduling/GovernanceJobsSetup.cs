using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.Governance.Probes;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRuntime.Engine.Scheduling;

internal static class GovernanceJobsSetup
{
    /// <summary>
    /// The work of the scheduled governance jobs (audit sampling and its review handler, readiness probes, the telemetry
    /// check) and the audit results read model. The scheduler (Quartz) that fires them lives in the host.
    /// </summary>
    public static IServiceCollection AddGovernanceJobs(this IServiceCollection services)
    {
        services.TryAddSingleton(new ProbeOptions());
        services.AddHttpClient(ProbeRunner.HttpClientName);
        services.AddSingleton(sp => new AuditSampler(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<HumanTaskService>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IHumanTaskCompletionHandler>(sp => new AuditReviewHandler(sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<HumanTaskOptions>()));
        services.AddSingleton(sp => new AuditResults(sp.GetRequiredService<EngineDatabase>()));
        services.AddSingleton(sp => new ProbeRunner(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<ProbeOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IHttpClientFactory>()));
        services.AddSingleton(sp => new GovernanceJobRunner(sp.GetRequiredService<EngineDatabase>(), sp.GetRequiredService<AuditSampler>(), sp.GetRequiredService<ProbeRunner>(),
            sp.GetRequiredService<TelemetrySignals>(), sp.GetRequiredService<GovernanceOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<DefinitionCache>()));
        return services;
    }
}
