using AgentRuntime.Engine.Governance.Probes;
using Quartz;

namespace AgentRuntime.Host.Scheduling;

/// <summary>Settings of the scheduled governance jobs (section <c>Scheduling</c>).</summary>
public sealed class SchedulingOptions
{
    public const string SectionName = "Scheduling";

    /// <summary>Run Quartz on this host (clustered on the product's PostgreSQL). Off: no job fires here; the schedules API answers 503.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Quartz scheduler name: hosts with the same name on one database form one cluster.</summary>
    public string SchedulerName { get; set; } = "agentruntime";

    /// <summary>How often a host checks in with the cluster; a host silent for longer is presumed dead and its jobs recovered.</summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an idle scheduler waits before it looks for triggers again. A job registered or triggered on another host is
    /// noticed here within this time (on the host that registered it, at once).
    /// </summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jobs this host runs at once.</summary>
    public int MaxConcurrency { get; set; } = 2;

    /// <summary>How often each host reconciles the registered jobs with the published definitions (new, changed, retired).</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Cadence of each workflow's telemetry-flowing check (checkpoint 5). Empty: no telemetry job.</summary>
    public string TelemetryCron { get; set; } = "0 */15 * ? * *";
}

public static class SchedulingSetup
{
    /// <summary>
    /// Quartz, clustered on the product's PostgreSQL: tables <c>qrtz_*</c> come with the product's migrations (the
    /// <c>GovernanceJobs</c> migration, applied once under the migration lock), so Quartz provisions nothing itself. Jobs are
    /// registered by <see cref="ScheduleSync"/> from the published definitions. Registered after the migration hosted service,
    /// so the scheduler starts on a migrated database. Also binds <c>Probes</c> (named connections of sql probes).
    /// </summary>
    public static WebApplicationBuilder AddAgentRuntimeScheduling(this WebApplicationBuilder builder, string connectionString)
    {
        var options = builder.Configuration.GetSection(SchedulingOptions.SectionName).Get<SchedulingOptions>() ?? new SchedulingOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(builder.Configuration.GetSection(ProbeOptions.SectionName).Get<ProbeOptions>() ?? new ProbeOptions());
        builder.Services.AddSingleton<ScheduleSync>();
        if (!options.Enabled) return builder;

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = options.SchedulerName;
                s.GenerateInstanceId = true; // host name + a unique suffix: each host is its own cluster node
                s.IdleWaitTime = options.IdleWaitTime;
            });
            q.UseDefaultThreadPool(Math.Max(1, options.MaxConcurrency));
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseSystemTextJsonSerializer();
                store.UseClustering(c => c.CheckinInterval = options.CheckinInterval);
            });
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.Services.AddHostedService<ScheduleSyncWorker>();
        return builder;
    }
}
