using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;

namespace AgentRuntime.Host.Tests.Workflows;

/// <summary>
/// Uploads: bad input gets a 4xx problem that says what and where, nothing is stored, and the server stays up.
/// </summary>
public sealed class WorkflowUploadTests : IAsyncLifetime
{
    private HostFactory _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await HostFactory.CreateAsync("upload");
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Sample => File.ReadAllText(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"));

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/yaml", string query = "") =>
        _client.PostAsync($"/api/v1/workflows{query}", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    [Fact]
    public async Task Valid_upload_creates_a_version_publishes_on_request_and_an_identical_upload_creates_none()
    {
        var created = await PostAsync(Sample, query: "?publish=true&fileName=customer-refund.yaml");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(1, (int)body["version"]!);
        Assert.True((bool)body["published"]!);

        var again = await PostAsync(Sample, query: "?publish=true");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("unchanged", (string?)(await again.Content.ReadFromJsonAsync<JsonNode>())!["outcome"]);

        var draft = await PostAsync(Sample.Replace("name: Customer refund", "name: Customer refund (draft)", StringComparison.Ordinal));
        var draftBody = (await draft.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(HttpStatusCode.Created, draft.StatusCode);
        Assert.Equal(2, (int)draftBody["version"]!);
        Assert.False((bool)draftBody["published"]!);

        var detail = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
        Assert.Equal(1, (int?)detail["publishedVersion"]); // the draft did not replace the published version
        Assert.Equal(2, (int)detail["latestVersion"]!);
    }

    [Fact]
    public async Task A_read_definition_keeps_its_objects_in_the_order_the_file_wrote_them()
    {
        // Why: the stored canonical JSON is jsonb, which sorts object keys shortest first; read from it, customer-refund's
        // input fields came back as amount, reason, orderId, customerEmail, and the Studio's start form listed them so.
        await PostAsync(Sample, query: "?publish=true&fileName=customer-refund.yaml");
        string[] inFileOrder = ["orderId", "customerEmail", "amount", "reason"];

        var detail = (await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund"))!;
        Assert.Equal(inFileOrder, detail["definition"]!["input"]!["fields"]!.AsObject().Select(p => p.Key));
        var version = (await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/versions/1"))!;
        Assert.Equal(inFileOrder, version["definition"]!["input"]!["fields"]!.AsObject().Select(p => p.Key));
        Assert.Equal("customer-refund", (string?)version["definition"]!["id"]);
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_workflow_all_succeed_as_consecutive_versions()
    {
        // Why: the API fuzz test once saw a 500 when two uploads of an existing workflow raced on the workflow row.
        // Every designer who saves at the same moment as another must get a version, not an error or a lost write.
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(Sample, query: "?publish=true")).StatusCode);
        var uploads = Enumerable.Range(0, 12).Select(i => PostAsync(
            Sample.Replace("name: Customer refund", $"name: Customer refund {i}", StringComparison.Ordinal), query: i % 2 == 0 ? "?publish=true" : ""));
        var responses = await Task.WhenAll(uploads);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var versions = new List<int>();
        foreach (var r in responses) versions.Add((int)(await r.Content.ReadFromJsonAsync<JsonNode>())!["version"]!);
        Assert.Equal(Enumerable.Range(2, 12), versions.Order());
        var detail = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
        Assert.Equal(13, (int)detail["latestVersion"]!);
        Assert.Equal(13, detail["versions"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_versions_stored_warnings_have_the_same_shape_as_the_uploads_problems()
    {
        // Why: the Studio lists a version's warnings with the same code as the upload's problems; a draft without an owner
        // once showed a blank page because stored warnings came back as {"Code", "Message", "Severity": 1}.
        var lines = Sample.Split('\n').ToList();
        var owner = lines.FindIndex(l => l.StartsWith("owner:", StringComparison.Ordinal));
        var ownerEnd = lines.FindIndex(owner + 1, l => !l.StartsWith(' '));
        lines.RemoveRange(owner, ownerEnd - owner);
        var text = string.Join('\n', lines);
        var upload = await PostAsync(text);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var answered = (await upload.Content.ReadFromJsonAsync<JsonNode>())!["problems"]!.AsArray();
        var ownerWarning = answered.First(p => (string?)p!["path"] == "$.owner")!;
        Assert.Equal("warning", (string?)ownerWarning["severity"]);

        var stored = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund/versions/1"))!["version"]!["warnings"]!.AsArray();
        var warnings = answered.Where(p => (string?)p!["severity"] == "warning").ToList();
        Assert.Equal(warnings.Count, stored.Count);
        Assert.All(warnings.Zip(stored), pair => Assert.True(JsonNode.DeepEquals(pair.First, pair.Second), $"{pair.First} vs {pair.Second}"));
    }

    [Theory]
    [InlineData("\u0001\u0002garbage: [unclosed")]
    [InlineData("just a scalar")]
    [InlineData("{\"id\": \"x\", ")]
    public async Task Garbage_is_refused_with_422_problems_that_carry_a_position(string garbage)
    {
        var response = await PostAsync(garbage);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        var first = problem["problems"]!.AsArray()[0]!;
        Assert.True((int)first["line"]! >= 1);
        Assert.False(string.IsNullOrWhiteSpace((string?)first["message"]));
        await AssertStillUpAndEmptyAsync();
    }

    [Fact]
    public async Task Non_utf8_bytes_are_refused_with_400_naming_the_offset()
    {
        var content = new ByteArrayContent([(byte)'i', (byte)'d', (byte)':', 0xC3, 0x28]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        var response = await _client.PostAsync("/api/v1/workflows", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_10_MB_body_is_refused_with_413_and_the_limit()
    {
        var huge = "# " + new string('x', 10 * 1024 * 1024);
        var response = await PostAsync(huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Contains("1048576", (string?)problem["detail"], StringComparison.Ordinal);
        await AssertStillUpAndEmptyAsync();
    }

    [Fact]
    public async Task A_definition_with_10000_nodes_is_refused_with_the_node_limit()
    {
        var sb = new StringBuilder("id: huge\nflowchart:\n  nodes:\n");
        for (var i = 0; i < 10_000; i++) sb.Append("    - {id: n").Append(i).Append(", type: end}\n");
        var response = await PostAsync(sb.ToString());
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"status {(int)response.StatusCode}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("nodes", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("500", text, StringComparison.Ordinal); // the limit is named
        await AssertStillUpAndEmptyAsync();
    }

    [Fact]
    public async Task A_dangling_edge_is_refused_with_its_json_path_and_line()
    {
        var broken = Sample + "";
        var lines = broken.Split('\n').ToList();
        var edgesAt = lines.FindIndex(l => l.TrimEnd() == "  edges:");
        Assert.True(edgesAt > 0, "sample has a flowchart.edges block");
        lines.Insert(edgesAt + 1, "    - from: propose.done");
        lines.Insert(edgesAt + 2, "      to: nowhere");
        var response = await PostAsync(string.Join('\n', lines));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonNode>())!["problems"]!.AsArray();
        var dangling = problems.Single(p => ((string?)p!["path"])!.StartsWith("$.flowchart.edges[0]", StringComparison.Ordinal) && (string?)p["severity"] == "error")!;
        Assert.Equal(edgesAt + 3, (int)dangling["line"]!); // 1-based line of "to: nowhere"
        Assert.Contains("nowhere", (string?)dangling["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_reports_problems_without_storing_anything()
    {
        var response = await _client.PostAsync("/api/v1/workflows/validate",
            new StringContent(Sample, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.True((bool)body["valid"]!);
        await AssertStillUpAndEmptyAsync();
    }

    private async Task AssertStillUpAndEmptyAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        var list = await _client.GetFromJsonAsync<JsonArray>("/api/v1/workflows");
        Assert.Empty(list!);
    }
}
