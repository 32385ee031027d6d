using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Serialization;
using AgentRuntime.Host.Tests.Fuzzing;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;

namespace AgentRuntime.Host.Tests.Workflows;

/// <summary>One host for the format tests: they store at most one workflow of their own.</summary>
public sealed class FormatHost : IAsyncLifetime
{
    public HostFactory Host { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await HostFactory.CreateAsync("format");
        Client = Host.CreateClient();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Functional tier: the designer's contract with the server. The Studio edits a model (the canonical JSON the API hands
/// out) and the server writes the file text, so what the designer imports, exports and saves is byte-for-byte the
/// format of <c>workflows/</c>. If these fail, a designer's save would rewrite a hand-kept file differently from git.
/// </summary>
public sealed class DefinitionFormatApiTests(FormatHost fixture) : IClassFixture<FormatHost>
{
    private readonly HttpClient _client = fixture.Client;

    private static string SampleText => File.ReadAllText(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"));

    private Task<HttpResponseMessage> FormatAsync(string body, string contentType, string to = "yaml") =>
        _client.PostAsync($"/api/v1/workflows/format?to={to}", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    [Fact]
    public async Task Importing_a_workflow_file_and_exporting_its_model_gives_the_identical_bytes()
    {
        // Import: the YAML file → the model the Studio edits.
        var imported = await FormatAsync(SampleText, "application/yaml");
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var body = (await imported.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.True((bool)body["valid"]!);
        Assert.Equal(SampleText, (string?)body["text"]);
        var model = body["definition"]!.ToJsonString();

        // Export: the model (sent as the Studio sends it, JSON) → YAML equal to the file, and JSON equal to the serializer's.
        var yaml = (await (await FormatAsync(model, "application/json")).Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(SampleText, (string?)yaml["text"]);
        var json = (await (await FormatAsync(model, "application/json", "json")).Content.ReadFromJsonAsync<JsonNode>())!;
        var parsed = DefinitionDocument.Parse(SampleText, "customer-refund.yaml", ActivityCatalog.BuiltIn);
        Assert.Equal(DefinitionSerializer.ToJson(parsed.Definition!), (string?)json["text"]);
        Assert.Equal("json", (string?)json["format"]);
    }

    [Fact]
    public async Task What_the_designer_saves_is_stored_as_the_serializers_yaml_and_saving_a_draft_does_not_publish()
    {
        // The Studio's save: model → canonical YAML (format) → upload without publish.
        var model = """
            {"id":"designer-saved","name":"Designer saved","flowchart":{"nodes":[
              {"id":"hello","type":"notify","inputs":{"message":"Hello {{ input.name }}"},"position":{"x":0,"y":0}},
              {"id":"done","type":"end","inputs":{"output":{"greeting":"'hi ' + input.name"}},"position":{"x":280,"y":0}}],
              "edges":[{"from":"hello.done","to":"done"}]}}
            """;
        var formatted = (await (await FormatAsync(model, "application/json")).Content.ReadFromJsonAsync<JsonNode>())!;
        var text = (string)formatted["text"]!;
        Assert.StartsWith(DefinitionSerializer.YamlSchemaComment, text, StringComparison.Ordinal);
        Assert.Contains("position:", text, StringComparison.Ordinal); // the canvas layout survives in the file

        var saved = await _client.PostAsync("/api/v1/workflows?publish=false&fileName=designer-saved.yaml",
            new StringContent(text, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml")));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);

        var version = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/designer-saved/versions/1"))!;
        var expected = DefinitionSerializer.ToYaml(DefinitionDocument.Parse(model, "m.json", ActivityCatalog.BuiltIn).Definition!);
        Assert.Equal(expected, (string?)version["sourceText"]);
        Assert.Equal("draft", (string?)version["version"]!["status"]);
        var detail = (await _client.GetFromJsonAsync<JsonNode>("/api/v1/workflows/designer-saved"))!;
        Assert.Null((int?)detail["publishedVersion"]);
    }

    [Fact]
    public async Task A_model_with_errors_is_still_formatted_and_its_problems_name_the_node_by_json_path()
    {
        // Why: the designer's live problem list comes from here; a click on a problem selects the node its path names.
        var model = """{"id":"broken","flowchart":{"nodes":[{"id":"hello","type":"notify"},{"id":"done","type":"end"}],"edges":[{"from":"hello.done","to":"done"}]}}""";
        var response = await FormatAsync(model, "application/json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.False((bool)body["valid"]!);
        var missing = body["problems"]!.AsArray().Single(p => (string?)p!["code"] == "AR208")!;
        Assert.StartsWith("$.flowchart.nodes[0]", (string?)missing["path"], StringComparison.Ordinal);
        Assert.Contains("message", (string?)missing["message"], StringComparison.Ordinal);
        Assert.Contains("type: notify", (string?)body["text"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "application/json", "yaml", HttpStatusCode.BadRequest)]
    [InlineData("{\"id\": ", "application/json", "yaml", HttpStatusCode.UnprocessableEntity)]
    [InlineData("just a scalar", "application/yaml", "yaml", HttpStatusCode.UnprocessableEntity)]
    [InlineData("{\"id\":\"x\"}", "application/json", "xml", HttpStatusCode.BadRequest)]
    public async Task Bad_input_gets_a_problem_never_a_500(string body, string contentType, string to, HttpStatusCode expected)
    {
        var response = await FormatAsync(body, contentType, to);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Only_designers_may_use_it()
    {
        using var approver = fixture.Host.CreateClientAs("alice", "approver");
        var response = await approver.PostAsync("/api/v1/workflows/format", new StringContent("{\"id\":\"x\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Mutated_definitions_never_get_a_500_and_the_servers_text_is_a_fixed_point()
    {
        // Why: the designer sends whatever a person has half-typed, and imports whatever file they pick. Any body gets a
        // 4xx or a 200; and text the server wrote, sent back, comes back unchanged (else save → reopen → save would drift).
        var sample = SampleText;
        var canonical = (await (await FormatAsync(sample, "application/yaml")).Content.ReadFromJsonAsync<JsonNode>())!["definition"]!;
        var cases = Mutator.Cases(120);
        for (var i = 0; i < cases; i++)
        {
            var m = new Mutator(Mutator.BaseSeed + 7_000 + i);
            var json = i % 2 == 0;
            var body = json ? (m.MutateJson(canonical.DeepClone())?.ToJsonString() ?? "null") : m.MutateText(sample);
            var to = m.Random.Next(2) == 0 ? "yaml" : "json";
            var response = await FormatAsync(body, json ? "application/json" : "application/yaml", to);
            Assert.True((int)response.StatusCode < 500, $"case {i}: {(int)response.StatusCode} for {Mutator.Preview(body)}");
            if (response.StatusCode != HttpStatusCode.OK) continue;
            var text = (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["text"]!;
            var again = await FormatAsync(text, to == "json" ? "application/json" : "application/yaml", to);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(text, (string?)(await again.Content.ReadFromJsonAsync<JsonNode>())!["text"]);
        }
    }
}
