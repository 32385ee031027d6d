using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Telemetry;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// Functional tier: the input and output defences — security headers and CSP, body limits, per-identity write limits
/// (429 + Retry-After), definition limits from configuration, and redaction of named fields in the journal.
/// </summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task Every_response_carries_security_headers_and_the_studio_gets_a_csp_that_allows_only_its_own_code()
    {
        await using var host = await HostFactory.CreateAsync("headers");
        using var anonymous = host.CreateAnonymousClient();

        var api = await anonymous.GetAsync("/api/v1/workflows"); // a 401 carries them too
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", api.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", api.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", api.Headers.GetValues("Content-Security-Policy").Single());
        Assert.True(api.Headers.CacheControl?.NoStore);

        var studio = await anonymous.GetAsync("/some/studio/route");
        Assert.NotEqual(HttpStatusCode.Unauthorized, studio.StatusCode);
        var csp = studio.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);               // no inline or remote scripts
        Assert.Contains("style-src 'self' 'unsafe-inline';", csp, StringComparison.Ordinal); // React Flow's inline styles
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
    }

    private sealed class UnknownLengthContent(int size) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', size) + "\"}")).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_refused_with_413_whether_or_not_their_length_is_declared()
    {
        await using var host = await HostFactory.CreateAsync("bodylimit", settings: new Dictionary<string, string?> { ["Security:MaxRequestBodyBytes"] = "1000" });
        using var client = host.CreateClient();
        var declared = await client.PostAsync("/api/v1/workflows/x/instances", new StringContent("{\"a\":\"" + new string('x', 2000) + "\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("body-too-large", (string?)(await declared.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        var streamed = await client.PostAsync("/api/v1/workflows/x/instances", new UnknownLengthContent(5000) { Headers = { ContentType = new("application/json") } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal("application/problem+json", streamed.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/workflows/x/instances", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task Writes_are_limited_per_identity_with_a_429_problem_and_retry_after()
    {
        await using var host = await HostFactory.CreateAsync("ratelimit", settings: new Dictionary<string, string?>
        {
            ["RateLimiting:WritesBurst"] = "3",
            ["RateLimiting:WritesPerMinute"] = "1",
        });
        using var dana = host.CreateClientAs("dana", "designer");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await dana.PostAsync("/api/v1/workflows/validate", new StringContent("id: x"))).StatusCode);
        var limited = await dana.PostAsync("/api/v1/workflows/validate", new StringContent("id: x"));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta?.TotalSeconds >= 1);
        var problem = (await limited.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("rate-limited", (string?)problem["code"]);
        Assert.Contains("user:dana", (string?)problem["detail"], StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await dana.GetAsync("/api/v1/workflows")).StatusCode); // reads are not limited
        using var erin = host.CreateClientAs("erin", "designer");                              // other identities are not affected
        Assert.Equal(HttpStatusCode.OK, (await erin.PostAsync("/api/v1/workflows/validate", new StringContent("id: x"))).StatusCode);
    }

    [Fact]
    public async Task Definition_limits_come_from_configuration()
    {
        await using var host = await HostFactory.CreateAsync("deflimits", settings: new Dictionary<string, string?> { ["Definitions:Limits:MaxNodes"] = "2" });
        using var client = host.CreateClient();
        var sample = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"));
        var result = await client.PostAsync("/api/v1/workflows/validate", new StringContent(sample, Encoding.UTF8, "application/yaml"));
        var body = (await result.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False((bool)body["valid"]!);
        Assert.Contains(body["problems"]!.AsArray(), p => (string?)p!["code"] == "AR502");
    }

    [Fact]
    public void The_redactor_masks_named_fields_at_any_depth_and_leaves_the_original_alone()
    {
        var redactor = new PayloadRedactor(["password", "ssn", "cardNumber"]);
        var original = JsonNode.Parse("""{"user":"u","Password":"p","nested":{"items":[{"cardnumber":"4111"},{"x":1}]},"ssn":null}""")!;
        var redacted = redactor.Redact(original)!;
        Assert.Equal("""{"user":"u","Password":"***","nested":{"items":[{"cardnumber":"***"},{"x":1}]},"ssn":"***"}""", redacted.ToJsonString());
        Assert.Equal("p", (string?)original["Password"]);
        var clean = JsonNode.Parse("""{"a":1}""");
        Assert.Same(clean, redactor.Redact(clean)); // nothing to redact: no copy
    }

    private const string SecretWorkflow = """
        id: secret-demo
        input:
          fields:
            user: { type: string, required: true }
            password: { type: string, required: true }
        flowchart:
          start: done
          nodes:
            - { id: done, type: end, inputs: { output: { user: input.user, password: input.password } } }
          edges: []
        """;

    [Fact]
    public async Task Redacted_fields_never_reach_the_journal()
    {
        await using var host = await HostFactory.CreateAsync("redaction", settings: new Dictionary<string, string?>
        {
            ["Redaction:Fields:0"] = "password",
            ["Redaction:Fields:1"] = "ssn",
        });
        using var client = host.CreateClient();
        await EngineTestHost.PublishAsync(host.ConnectionString, SecretWorkflow, host.Services.GetRequiredService<ActivityRegistry>());
        var start = await client.PostAsJsonAsync("/api/v1/workflows/secret-demo/instances?mode=inline", new { user = "u1", password = "hunter2" });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var id = (string)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        await using var db = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT coalesce(input::text,'') || coalesce(output::text,'') FROM journal_entries WHERE instance_id = $1", db)
        {
            Parameters = { new() { Value = Guid.Parse(id) } },
        };
        var journal = new StringBuilder();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) journal.Append(reader.GetString(0));
        Assert.Contains("***", journal.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", journal.ToString(), StringComparison.Ordinal);
        Assert.Contains("u1", journal.ToString(), StringComparison.Ordinal);
    }
}
