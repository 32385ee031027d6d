using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRuntime.Host.Tests.Audit;

/// <summary>
/// Functional tier: the real host on a real database. Publishing records who did it, the three audit endpoints filter,
/// verify and export, and tampering with a row directly in the database is named by <c>/audit/verify</c>.
/// </summary>
public sealed class AuditApiTests : IAsyncLifetime
{
    private HostFactory _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await HostFactory.CreateAsync("auditapi", settings: new Dictionary<string, string?> { ["Auth:Mode"] = "Development" });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Sample => File.ReadAllText(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"));

    private async Task<HttpResponseMessage> UploadAsync(string body, string? user, bool publish = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflows?publish={(publish ? "true" : "false")}&fileName=customer-refund.yaml")
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml")),
        };
        if (user is not null) request.Headers.Add("X-Dev-User", user);
        return await _client.SendAsync(request);
    }

    private async Task<JsonArray> ItemsAsync(string query = "")
    {
        var page = (await _client.GetFromJsonAsync<JsonNode>($"/api/v1/audit{query}"))!;
        return page["items"]!.AsArray();
    }

    private AuditTrail Trail => _host.Services.GetRequiredService<AuditTrail>();

    [Fact]
    public async Task Publishing_a_workflow_records_version_created_and_published_with_the_dev_user_as_actor()
    {
        var response = await UploadAsync(Sample, user: "alice");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var detail = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
        var contentHash = (string)detail["versions"]![0]!["contentHash"]!;

        var items = await ItemsAsync("?subject=customer-refund");
        Assert.Equal(["workflow.version-created", "workflow.published"], items.Select(i => (string)i!["action"]!));
        foreach (var item in items)
        {
            Assert.Equal("alice", (string)item!["actor"]!);
            Assert.Equal("workflow", (string)item["subjectType"]!);
            Assert.Equal("customer-refund", (string)item["subjectId"]!);
            Assert.Equal(1, (int)item["data"]!["version"]!);
            Assert.Equal(contentHash, (string)item["data"]!["contentHash"]!);
        }
        Assert.Equal((string)items[0]!["hash"]!, (string)items[1]!["previousHash"]!);

        // Unchanged content creates no version and no entry; publishing a stored draft records only the publish.
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(Sample, user: "bob")).StatusCode);
        var draft = Sample.Replace("name: Customer refund", "name: Customer refund v2", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(draft, user: "bob", publish: false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(draft, user: "carol", publish: true)).StatusCode);
        var later = await ItemsAsync("?subject=customer-refund&after=2");
        Assert.Equal([("bob", "workflow.version-created", 2), ("carol", "workflow.published", 2)],
            later.Select(i => ((string)i!["actor"]!, (string)i["action"]!, (int)i["data"]!["version"]!)));
        Assert.Equal(1, (int?)later[1]!["data"]!["previousVersion"]);
    }

    [Fact]
    public async Task The_start_up_sync_of_workflows_publishes_as_a_system_actor()
    {
        var folder = Directory.CreateTempSubdirectory("agentrt-audit-wf-").FullName;
        try
        {
            File.Copy(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"), Path.Combine(folder, "customer-refund.yaml"));
            await using var host = new HostFactory(await TestPostgres.CreateDatabaseAsync("auditsync"), folder);
            var items = (await host.CreateClient().GetFromJsonAsync<JsonNode>("/api/v1/audit?subject=customer-refund"))!["items"]!.AsArray();
            Assert.Equal([("system:workflow-sync", "workflow.version-created"), ("system:workflow-sync", "workflow.published")],
                items.Select(i => ((string)i!["actor"]!, (string)i["action"]!)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Without_an_identity_nothing_is_stored_or_recorded()
    {
        // Before security landed an anonymous upload was stored with actor "anonymous"; now it is refused outright.
        using var anonymous = _host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/workflows?publish=true")
        {
            Content = new StringContent(Sample, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml")),
        };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(request)).StatusCode);
        Assert.Empty(await ItemsAsync());
    }

    [Fact]
    public async Task A_rejected_definition_records_nothing()
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync("id: x\nflowchart: [", user: "alice")).StatusCode);
        Assert.Empty(await ItemsAsync());
    }

    private async Task SeedAsync()
    {
        var trail = Trail;
        for (var i = 1; i <= 9; i++)
        {
            await trail.AppendAsync(new AuditRecord(i % 3 == 0 ? "ops-lead" : "alice", i % 2 == 0 ? AuditActions.InstancePaused : AuditActions.TaskCompleted,
                i % 2 == 0 ? "instance" : "task", $"s-{i % 3}", $"because {i}", new JsonObject { ["i"] = i }));
        }
    }

    [Fact]
    public async Task List_filters_by_subject_type_actor_action_and_time_and_pages_with_after()
    {
        await SeedAsync();
        Assert.Equal(3, (await ItemsAsync("?actor=ops-lead")).Count);
        Assert.Equal(4, (await ItemsAsync("?action=instance.paused")).Count);
        Assert.Equal([1L, 4, 7], (await ItemsAsync("?subject=s-1")).Select(i => (long)i!["sequence"]!));
        Assert.Equal([4L], (await ItemsAsync("?subject=s-1&subjectType=instance")).Select(i => (long)i!["sequence"]!));
        Assert.Empty(await ItemsAsync("?actor=nobody"));

        var all = await ItemsAsync();
        var t3 = Uri.EscapeDataString((string)all[2]!["time"]!);
        var t6 = Uri.EscapeDataString((string)all[5]!["time"]!);
        Assert.Equal([3L, 4, 5], (await ItemsAsync($"?from={t3}&to={t6}")).Select(i => (long)i!["sequence"]!));
        Assert.Empty(await ItemsAsync("?from=2999-01-01"));
        Assert.Equal(9, (await ItemsAsync("?from=2000-01-01&to=2999-01-01T00:00:00Z")).Count);

        var seen = new List<long>();
        string? after = null;
        do
        {
            var page = (await _client.GetFromJsonAsync<JsonNode>($"/api/v1/audit?limit=4{(after is null ? "" : "&after=" + after)}"))!;
            seen.AddRange(page["items"]!.AsArray().Select(i => (long)i!["sequence"]!));
            after = page["nextAfter"]?.ToString();
        } while (after is not null);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), seen);
    }

    [Theory]
    [InlineData("from", "yesterday")]
    [InlineData("to", "2026-13-45")]
    [InlineData("after", "-1")]
    [InlineData("limit", "0")]
    [InlineData("limit", "5000")]
    [InlineData("limit", "ten")]
    public async Task Invalid_filter_values_are_400_problems_naming_the_parameter(string parameter, string value)
    {
        foreach (var path in new[] { "/api/v1/audit", "/api/v1/audit/export" })
        {
            if (path.EndsWith("export", StringComparison.Ordinal) && value == "5000") continue; // the export has no upper limit
            var response = await _client.GetAsync($"{path}?{parameter}={Uri.EscapeDataString(value)}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
            Assert.Equal(parameter, (string?)problem["parameter"]);
            Assert.Equal("invalid-parameter", (string?)problem["code"]);
            Assert.Contains(parameter, (string?)problem["detail"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verify_is_ok_and_then_names_the_entry_changed_directly_in_the_database()
    {
        await SeedAsync();
        var ok = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/audit/verify"))!;
        Assert.True((bool)ok["ok"]!);
        Assert.Equal(9, (long)ok["count"]!);
        Assert.Equal(9, (long)ok["lastSequence"]!);

        await using (var conn = new NpgsqlConnection(_host.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only;
                UPDATE audit_entries SET reason = 'it was always like this' WHERE sequence = 7;
                ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;
                """, conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var broken = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/audit/verify"))!;
        Assert.False((bool)broken["ok"]!);
        Assert.Equal(7, (long)broken["break"]!["sequence"]!);
        Assert.Equal("HashMismatch", (string?)broken["break"]!["kind"]);
        Assert.Equal(6, (long)broken["count"]!);
        var id = (string)(await ItemsAsync("?after=6&limit=1"))[0]!["id"]!;
        Assert.Equal(id, (string?)broken["break"]!["id"]);
    }

    [Fact]
    public async Task Export_streams_json_lines_that_an_auditor_can_re_verify_offline_and_honours_filters()
    {
        await SeedAsync();
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(Sample, user: "alice")).StatusCode);

        var response = await _client.GetAsync("/api/v1/audit/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".jsonl", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length);

        // Offline re-verification, as documented: drop "hash", canonicalise (JCS), SHA-256, compare; follow the links.
        var previous = new string('0', 64);
        for (var i = 0; i < lines.Length; i++)
        {
            var obj = JsonNode.Parse(lines[i])!.AsObject(); // each line is one valid JSON document
            Assert.Equal(i + 1, (long)obj["sequence"]!);
            Assert.Equal(previous, (string)obj["previousHash"]!);
            var hash = (string)obj["hash"]!;
            obj.Remove("hash");
            Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AuditCanonicalJson.Canonicalize(obj)))));
            previous = hash;
        }

        var filtered = (await _client.GetStringAsync("/api/v1/audit/export?actor=alice&action=workflow.published"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var only = Assert.Single(filtered);
        Assert.Equal("customer-refund", (string?)JsonNode.Parse(only)!["subjectId"]);
        Assert.Equal(3, (await _client.GetStringAsync("/api/v1/audit/export?limit=3")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("", await _client.GetStringAsync("/api/v1/audit/export?actor=nobody"));
    }

    [Fact]
    public async Task Export_of_more_entries_than_one_batch_is_complete_and_in_order()
    {
        var trail = Trail;
        for (var i = 0; i < 1234; i++) await trail.AppendAsync(new AuditRecord("bulk", "bulk.test", "thing", $"t{i}"));
        var lines = (await _client.GetStringAsync("/api/v1/audit/export")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(1, 1234).Select(i => (long)i), lines.Select(l => (long)JsonNode.Parse(l)!["sequence"]!));
    }
}
