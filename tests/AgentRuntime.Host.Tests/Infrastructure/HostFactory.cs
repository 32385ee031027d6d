using AgentRuntime.Host.Security;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Infrastructure;

/// <summary>
/// The real host in process (Kestrel replaced by the test server) on a real PostgreSQL database of its own.
/// Settings are passed as configuration, exactly as an operator would set them.
/// <para>
/// Authentication is real: by default the host runs in development identity mode, and a client from
/// <see cref="WebApplicationFactory{T}.CreateClient()"/> (also of factories derived with <c>WithWebHostBuilder</c>) signs in
/// as <see cref="TestUser"/> holding every role — unless the request names its own <c>X-Dev-User</c> (and
/// <c>X-Dev-Roles</c>), which then win. <see cref="CreateClientAs"/> and <see cref="CreateAnonymousClient"/> are for tests
/// about who may do what. Write-rate limits are raised so functional tests are not throttled; the rate-limit test sets its own.
/// </para>
/// </summary>
public sealed class HostFactory(string connectionString, string? workflowsDirectory = null, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public const string TestUser = "test-user";

    /// <summary>Test-only headers carrying the default identity; <see cref="DefaultIdentity"/> turns them into X-Dev-* when absent.</summary>
    internal const string DefaultUserHeader = "X-Test-Default-User";
    internal const string DefaultRolesHeader = "X-Test-Default-Roles";

    public string ConnectionString { get; } = connectionString;

    public static async Task<HostFactory> CreateAsync(string hint, string? workflowsDirectory = null, IDictionary<string, string?>? settings = null) =>
        new(await TestPostgres.CreateDatabaseAsync(hint), workflowsDirectory, settings);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:AgentRuntime", ConnectionString);
        builder.UseSetting("Workflows:Directory", workflowsDirectory ?? "");
        builder.UseSetting("Auth:Mode", "Development");
        builder.UseSetting("RateLimiting:WritesBurst", "1000000");
        builder.UseSetting("RateLimiting:WritesPerMinute", "60000000");
        builder.UseSetting("Scheduling:Enabled", "false"); // Quartz only where a test asks for it (Scheduling:Enabled=true)
        // Tests of execute-stage behaviour register their agent there directly; the promotion gate has its own tests, and
        // AgentRegistrationStageTests checks the product default (draft) with this setting put back.
        builder.UseSetting("Governance:HighestRegistrationStage", "execute");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, DefaultIdentity>());
    }

    /// <summary>Default clients act as <see cref="TestUser"/> with every role, unless a request names its own user.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add(DefaultUserHeader, TestUser);
        client.DefaultRequestHeaders.Add(DefaultRolesHeader, string.Join(",", Roles.All));
    }

    /// <summary>A client signed in (development mode) as <paramref name="user"/> with exactly <paramref name="roles"/>.</summary>
    public HttpClient CreateClientAs(string user, params string[] roles)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Dev-User", user);
        client.DefaultRequestHeaders.Add("X-Dev-Roles", string.Join(",", roles));
        return client;
    }

    /// <summary>A client that sends no credentials (other than those a test adds itself).</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateDefaultClient(); // runs ConfigureClient: take its default identity off again
        client.DefaultRequestHeaders.Remove(DefaultUserHeader);
        client.DefaultRequestHeaders.Remove(DefaultRolesHeader);
        return client;
    }

    /// <summary>
    /// Test server only, before the host's pipeline: a request without <c>X-Dev-User</c> gets the client's default identity;
    /// one without <c>X-Dev-Roles</c> gets the default roles. The default headers themselves never reach the host.
    /// </summary>
    private sealed class DefaultIdentity : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var headers = context.Request.Headers;
                if (headers.Remove(DefaultUserHeader, out var user) && !headers.ContainsKey("X-Dev-User")) headers["X-Dev-User"] = user;
                if (headers.Remove(DefaultRolesHeader, out var roles) && !headers.ContainsKey("X-Dev-Roles")) headers["X-Dev-Roles"] = roles;
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
