using AgentRuntime.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AgentRuntime.Host.Tests.Infrastructure;

/// <summary>
/// The real host in process (Kestrel replaced by the test server) on a real PostgreSQL database of its own.
/// Settings are passed as configuration, exactly as an operator would set them.
/// </summary>
public sealed class HostFactory(string connectionString, string? workflowsDirectory = null, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public string ConnectionString { get; } = connectionString;

    public static async Task<HostFactory> CreateAsync(string hint, string? workflowsDirectory = null, IDictionary<string, string?>? settings = null) =>
        new(await TestPostgres.CreateDatabaseAsync(hint), workflowsDirectory, settings);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:AgentRuntime", ConnectionString);
        builder.UseSetting("Workflows:Directory", workflowsDirectory ?? "");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
    }
}
