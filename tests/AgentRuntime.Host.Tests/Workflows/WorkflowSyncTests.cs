using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;

namespace AgentRuntime.Host.Tests.Workflows;

/// <summary>
/// The start-up sync of <c>workflows/</c> must be idempotent: hosts restart all the time, and a restart that minted
/// new versions would detach running instances from "the current version" and flood the version history.
/// </summary>
public sealed class WorkflowSyncTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agentrt-wf-").FullName;

    public WorkflowSyncTests()
    {
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Workflows))
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
    }

    [Fact]
    public async Task Samples_load_at_start_a_restart_adds_no_version_and_a_changed_file_adds_one()
    {
        var db = await TestPostgres.CreateDatabaseAsync("sync");

        await using (var first = new HostFactory(db, _folder))
        {
            var refund = await GetWorkflowAsync(first, "customer-refund");
            Assert.Equal(1, (int)refund["latestVersion"]!);
            Assert.Equal(1, (int?)refund["publishedVersion"]);
            Assert.Equal("Dana Whitfield", (string?)refund["owner"]);
        }

        await using (var second = new HostFactory(db, _folder))
        {
            var refund = await GetWorkflowAsync(second, "customer-refund");
            Assert.Equal(1, (int)refund["latestVersion"]!);
            Assert.Single(refund["versions"]!.AsArray());
        }

        var path = Path.Combine(_folder, "customer-refund.yaml");
        var text = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, text.Replace("description:", "description: Changed. ", StringComparison.Ordinal) is var changed && changed != text
            ? changed
            : text + "\n# trailing comment only\n");
        await using (var third = new HostFactory(db, _folder))
        {
            var refund = await GetWorkflowAsync(third, "customer-refund");
            Assert.Equal(2, (int)refund["latestVersion"]!);
            Assert.Equal(2, (int?)refund["publishedVersion"]);
            var statuses = refund["versions"]!.AsArray().Select(v => ((int)v!["version"]!, (string)v["status"]!)).ToList();
            Assert.Equal([(2, "published"), (1, "published")], statuses);
        }
    }

    [Fact]
    public async Task A_whitespace_or_comment_only_change_creates_no_version()
    {
        var db = await TestPostgres.CreateDatabaseAsync("syncws");
        await using (var first = new HostFactory(db, _folder))
            Assert.Equal(1, (int)(await GetWorkflowAsync(first, "customer-refund"))["latestVersion"]!);

        var path = Path.Combine(_folder, "customer-refund.yaml");
        await File.AppendAllTextAsync(path, "\n\n# a comment changes no behaviour\n");
        await using var second = new HostFactory(db, _folder);
        Assert.Equal(1, (int)(await GetWorkflowAsync(second, "customer-refund"))["latestVersion"]!);
    }

    private static async Task<JsonNode> GetWorkflowAsync(HostFactory host, string id)
    {
        var client = host.CreateClient();
        var list = await client.GetFromJsonAsync<JsonArray>("/api/v1/workflows");
        Assert.Contains(list!, w => (string?)w!["id"] == id);
        return (await client.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}"))!;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
