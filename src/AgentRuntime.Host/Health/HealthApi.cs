using AgentRuntime.Engine.Persistence;
using Microsoft.EntityFrameworkCore;

namespace AgentRuntime.Host.Health;

/// <summary>
/// Liveness and readiness. <c>/health/live</c> answers while the process can serve at all (restart it when not);
/// <c>/health/ready</c> answers 200 only when the database is reachable and fully migrated, so a load balancer or
/// Kubernetes sends no traffic to a host that would fail every request.
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health");
        group.MapGet("/live", () => Results.Ok(new HealthReport("live", [])))
            .WithName("Live").AllowAnonymous();
        group.MapGet("/ready", ReadyAsync)
            .WithName("Ready").AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ReadyAsync(AgentRuntimeDbContext db, CancellationToken ct)
    {
        var checks = new List<HealthCheck>();
        try
        {
            var canConnect = await db.Database.CanConnectAsync(ct);
            checks.Add(new HealthCheck("database", canConnect, canConnect ? "reachable" : "not reachable"));
            if (canConnect)
            {
                var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                checks.Add(new HealthCheck("migrations", pending.Count == 0,
                    pending.Count == 0 ? "up to date" : $"{pending.Count} pending: {string.Join(", ", pending)}"));
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            checks.Add(new HealthCheck("database", false, e.Message));
        }
        var ready = checks.Count > 0 && checks.TrueForAll(c => c.Ok);
        var report = new HealthReport(ready ? "ready" : "not ready", checks);
        return ready ? Results.Ok(report) : Results.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public sealed record HealthReport(string Status, IReadOnlyList<HealthCheck> Checks);

    public sealed record HealthCheck(string Name, bool Ok, string Detail);
}
