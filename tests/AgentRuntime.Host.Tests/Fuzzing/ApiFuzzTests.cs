using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentRuntime.Host.Tests.Fuzzing;

/// <summary>
/// Fuzz tier, functional: the real host in process (WebApplicationFactory, real PostgreSQL) fed seeded, mutated request
/// bodies and query strings on the endpoints that take the most input: POST /workflows, /workflows/validate,
/// /workflows/{id}/instances, /instances/{id}/signals/{name}, /api-keys and GET /audit. Why: whatever a client sends,
/// the answer is never a 5xx, and every rejection is a 4xx problem (application/problem+json) with a title or detail.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    private const string DemoWorkflow = """
        id: api-demo
        input:
          fields:
            amount: { type: number, required: true, minimum: 0 }
            note: { type: string }
        flowchart:
          start: hold
          nodes:
            - { id: hold, type: wait, inputs: { signal: go } }
            - { id: done, type: end, inputs: { output: { amount: input.amount } } }
          edges:
            - { from: hold.done, to: done }
        """;

    private static readonly string[] ContentTypes =
        ["application/yaml", "application/json", "text/yaml", "text/plain", "application/octet-stream", "multipart/form-data", "", "application/json; charset=utf-16", "x/\u00e9"];

    private static readonly string[] AuditParameters = ["subject", "subjectType", "actor", "action", "from", "to", "after", "limit"];

    [Fact]
    public async Task Mutated_requests_never_get_a_5xx_and_every_rejection_is_a_problem_with_a_reason()
    {
        await using var host = await HostFactory.CreateAsync("apifuzz", settings: new Dictionary<string, string?>
        {
            ["Engine:RunWorkers"] = "false",       // started instances queue; the fuzz measures the API, not the engine
            ["Logging:LogLevel:Default"] = "Error", // keep 4xx chatter out of the CI log
        });
        using var client = host.CreateClient();
        await EngineTestHost.PublishAsync(host.ConnectionString, DemoWorkflow, host.Services.GetRequiredService<ActivityRegistry>());
        var definitions = FuzzSamples.Definitions();
        var texts = definitions.Select(d => d.Text).ToList();
        JsonNode validInput = new JsonObject { ["amount"] = 12, ["note"] = "n" };

        // A waiting instance for signals.
        var started = await client.PostAsync("/api/v1/workflows/api-demo/instances", new StringContent("""{"amount": 1}""", Encoding.UTF8, "application/json"));
        var instanceId = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["id"]!;

        var cases = Mutator.Cases(30_000);
        var statuses = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        var next = -1;
        var clock = Stopwatch.StartNew();

        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < cases && failures.Count < 5)
            {
                var m = new Mutator(Mutator.BaseSeed * 7 + i);
                using var request = BuildRequest(m, definitions, texts, validInput, instanceId, out var target);
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request);
                }
                catch (Exception e)
                {
                    failures.Enqueue($"case {i} {target}: the server threw {e.GetType().Name}: {e.Message}");
                    continue;
                }
                using (response)
                {
                    var status = (int)response.StatusCode;
                    statuses.AddOrUpdate($"{target} {status}", 1, (_, c) => c + 1);
                    if (status >= 500)
                    {
                        failures.Enqueue($"case {i} {target}: {status} {Mutator.Preview(await response.Content.ReadAsStringAsync())}");
                    }
                    else if (status >= 400)
                    {
                        var reason = await ReasonAsync(response);
                        if (reason is not null) failures.Enqueue($"case {i} {target}: {status} without a reason ({reason})");
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));
        var ran = Math.Min(cases, next);
        var rejected = statuses.Where(kv => int.Parse(kv.Key[(kv.Key.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) is >= 400 and < 500).Sum(kv => kv.Value);
        foreach (var (key, count) in statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal)) output.WriteLine($"  {key}: {count}");
        DefinitionParserFuzzTests.Report(output, "API (in-process host)", ran, rejected, failures.Count, clock.Elapsed);
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
    }

    /// <summary>Null when the 4xx carries a problem with a reason; else what is wrong.</summary>
    private static async Task<string?> ReasonAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"content type {response.Content.Headers.ContentType?.MediaType ?? "none"}";
        try
        {
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject;
            var title = (string?)problem?["title"];
            var detail = (string?)problem?["detail"];
            return string.IsNullOrWhiteSpace(title) && string.IsNullOrWhiteSpace(detail) ? "no title or detail" : null;
        }
        catch (JsonException e)
        {
            return $"body is not JSON: {e.Message}";
        }
    }

    /// <summary>A hostile token for a path segment. NUL is left out: Kestrel answers a %00 path with 400 before routing,
    /// while the in-process test server throws on it, so it would test the test server.</summary>
    private static string PathToken(Mutator m) => Uri.EscapeDataString(m.Token().Replace("\0", "", StringComparison.Ordinal));

    private static HttpRequestMessage BuildRequest(Mutator m, List<(string Name, string Text)> definitions, List<string> texts, JsonNode validInput,
        string instanceId, out string target)
    {
        var roll = m.Random.Next(100);
        if (roll < 28)
        {
            var (name, text) = definitions[m.Random.Next(definitions.Count)];
            var body = m.Random.Next(10) == 0 ? text : m.MutateText(text, texts);
            var validate = roll < 20;
            target = validate ? "POST /workflows/validate" : "POST /workflows";
            var query = m.Random.Next(3) switch
            {
                0 => "",
                1 => $"?fileName={Uri.EscapeDataString(m.Token() + name)}",
                _ => $"?publish={Uri.EscapeDataString(m.Random.Next(2) == 0 ? "true" : m.Token())}&fileName={name}",
            };
            var request = new HttpRequestMessage(HttpMethod.Post, (validate ? "/api/v1/workflows/validate" : "/api/v1/workflows/") + query);
            request.Content = Content(m, Encoding.UTF8.GetBytes(body));
            return request;
        }
        if (roll < 70)
        {
            target = "POST /workflows/{id}/instances";
            var id = m.Random.Next(5) == 0 ? PathToken(m) : "api-demo";
            var mode = m.Random.Next(4) switch { 0 => "?mode=queued", 1 => "?mode=" + Uri.EscapeDataString(m.Token()), _ => "" };
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflows/{(id.Length == 0 ? "x" : id)}/instances{mode}");
            request.Content = Content(m, JsonBody(m, validInput));
            return request;
        }
        if (roll < 75)
        {
            target = "POST /instances/{id}/signals/{name}";
            var id = m.Random.Next(3) == 0 ? Guid.NewGuid().ToString() : instanceId;
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/instances/{id}/signals/s{PathToken(m)}");
            request.Content = Content(m, JsonBody(m, new JsonObject { ["by"] = "x" }));
            return request;
        }
        if (roll < 80)
        {
            target = "POST /api-keys";
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/api-keys");
            request.Content = Content(m, JsonBody(m, new JsonObject { ["name"] = "k", ["roles"] = new JsonArray("ops") }), json: true);
            return request;
        }
        target = "GET /audit";
        var parts = new List<string>();
        for (var k = m.Random.Next(0, 5); k > 0; k--)
        {
            var key = m.Random.Next(8) == 0 ? m.Token() : AuditParameters[m.Random.Next(AuditParameters.Length)];
            var value = m.Random.Next(6) switch
            {
                0 => m.Random.Next(-5, 2000).ToString(CultureInfo.InvariantCulture),
                1 => "2026-11-21T0" + m.Random.Next(10) + ":00:00Z",
                2 => new string('a', m.Random.Next(0, 600)),
                3 => "9999999999999999999999",
                _ => m.Token(),
            };
            parts.Add($"{Uri.EscapeDataString(key)}={Uri.EscapeDataString(value)}");
        }
        return new HttpRequestMessage(HttpMethod.Get, "/api/v1/audit" + (m.Random.Next(4) == 0 ? "/export" : "") + (parts.Count > 0 ? "?" + string.Join('&', parts) : ""));
    }

    private static byte[] JsonBody(Mutator m, JsonNode valid) => m.Random.Next(3) switch
    {
        0 => Encoding.UTF8.GetBytes(m.MutateJson(valid)?.ToJsonString() ?? "null"),
        1 => Encoding.UTF8.GetBytes(m.MutateText(valid.ToJsonString())),
        _ => m.Random.Next(4) == 0 ? [0xff, 0xfe, (byte)'{', 0xc3] : Encoding.UTF8.GetBytes(valid.ToJsonString()),
    };

    private static ByteArrayContent Content(Mutator m, byte[] body, bool json = false)
    {
        var content = new ByteArrayContent(body);
        var type = json && m.Random.Next(4) != 0 ? "application/json" : ContentTypes[m.Random.Next(ContentTypes.Length)];
        if (type.Length > 0) content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }
}
