using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Testing;

namespace AgentRuntime.Host.Tests.Processes;

/// <summary>
/// Functional: the host as a user runs it, with no connection string. It must start its own PostgreSQL from the
/// machine's binaries (as root too), keep the data across restarts, and stop the server when it stops.
/// </summary>
public sealed class LocalPostgresHostTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"agentrt-host-pg-{Guid.NewGuid():N}");

    [Fact]
    public async Task Without_a_connection_string_the_host_starts_its_own_postgres_keeps_data_across_restarts_and_stops_it()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__AgentRuntime"] = "",
            ["LocalPostgres__DataDirectory"] = _data,
            ["Workflows__Directory"] = RepoPaths.Workflows,
            ["Auth__Mode"] = "Development", // as ./build.sh run: sign in as a seeded user
        };

        JsonArray firstVersions;
        await using (var first = await HostProcess.StartAsync(settings))
        {
            using var client = first.CreateClient();
            client.DefaultRequestHeaders.Add("X-Dev-User", "dana");
            var refund = (await client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
            firstVersions = refund["versions"]!.AsArray();
            Assert.Single(firstVersions);
            Assert.Equal(0, await first.TerminateAsync());
        }
        Assert.False(File.Exists(Path.Combine(_data, "data", "postmaster.pid")), "PostgreSQL should stop with the host");

        await using (var second = await HostProcess.StartAsync(settings))
        {
            using var client = second.CreateClient();
            client.DefaultRequestHeaders.Add("X-Dev-User", "dana");
            var refund = (await client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
            var versions = refund["versions"]!.AsArray();
            Assert.Single(versions);
            Assert.Equal((string?)firstVersions[0]!["contentHash"], (string?)versions[0]!["contentHash"]);
            Assert.Equal(0, await second.TerminateAsync());
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
