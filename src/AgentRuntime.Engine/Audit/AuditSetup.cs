using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace AgentRuntime.Engine.Audit;

public static class AuditSetup
{
    /// <summary>
    /// Registers <see cref="AuditTrail"/> (singleton). Uses the container's <see cref="NpgsqlDataSource"/> when one is
    /// registered, otherwise registers one for <paramref name="connectionString"/>. Needs a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddAuditTrail(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AuditTrail(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
