using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Engine.HumanTasks;

public static class HumanTaskSetup
{
    /// <summary>
    /// Adds the task store (<see cref="HumanTaskService"/>), the SLA sweep (<see cref="TaskSlaProcessor"/>, hosted on hosts that
    /// run workers), notification delivery (<see cref="OutboxDispatcher"/> with the <c>log</c> and <c>webhook</c> channels) and
    /// their options (<see cref="HumanTaskOptions"/>, <see cref="NotificationOptions"/>; bind them with
    /// <c>AddOptions&lt;T&gt;().BindConfiguration(...)</c>). Called by <c>AddAgentRuntimeEngine</c>.
    /// </summary>
    public static IServiceCollection AddHumanTasks(this IServiceCollection services)
    {
        services.AddOptions<HumanTaskOptions>();
        services.AddOptions<NotificationOptions>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<HumanTaskOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<NotificationOptions>>().Value);
        services.TryAddSingleton(sp => new HumanTaskService(
            sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<HumanTaskOptions>(),
            sp.GetRequiredService<WorkSignal>(), sp.GetServices<IHumanTaskCompletionHandler>()));
        services.TryAddSingleton(sp => new TaskSlaProcessor(
            sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<HumanTaskOptions>(),
            sp.GetRequiredService<HumanTaskService>(), sp.GetRequiredService<ILogger<TaskSlaProcessor>>()));
        services.TryAddSingleton(sp => new OutboxDispatcher(
            sp.GetRequiredService<EngineDatabase>().DataSource, sp.GetServices<INotificationChannel>(), sp.GetRequiredService<NotificationOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OutboxDispatcher>>()));
        services.AddHttpClient(WebhookNotificationChannel.ClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddNotificationChannel<LogNotificationChannel>().AddNotificationChannel<WebhookNotificationChannel>();
        services.AddHostedService<TaskSlaWorker>();
        services.AddHostedService<OutboxDispatcherWorker>();
        return services;
    }

    /// <summary>Registers a notification channel; the dispatcher finds it by its name (a later one with the same name wins).</summary>
    public static IServiceCollection AddNotificationChannel<TChannel>(this IServiceCollection services) where TChannel : class, INotificationChannel
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationChannel, TChannel>());
        return services;
    }
}
