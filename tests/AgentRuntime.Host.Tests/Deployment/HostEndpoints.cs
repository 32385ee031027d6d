using AgentRuntime.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>The GET routes the real host maps (from its endpoint data source), to check probes and health checks against.</summary>
internal static class HostEndpoints
{
    private static readonly Lazy<Task<IReadOnlySet<string>>> Routes = new(LoadAsync);

    public static Task<IReadOnlySet<string>> GetRoutesAsync() => Routes.Value;

    private static async Task<IReadOnlySet<string>> LoadAsync()
    {
        await using var host = await HostFactory.CreateAsync("endpoints");
        _ = host.Server; // builds and starts the host
        var source = host.Services.GetRequiredService<EndpointDataSource>();
        return source.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>() is not { } m || m.HttpMethods.Contains("GET"))
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .ToHashSet(StringComparer.Ordinal);
    }
}
