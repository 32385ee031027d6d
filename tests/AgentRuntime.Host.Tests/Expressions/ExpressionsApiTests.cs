using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Fuzzing;
using AgentRuntime.Host.Tests.Infrastructure;

namespace AgentRuntime.Host.Tests.Expressions;

/// <summary>One host for the expression-check tests (they store nothing).</summary>
public sealed class ExpressionsHost : IAsyncLifetime
{
    public HostFactory Host { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await HostFactory.CreateAsync("expressions");
        Client = Host.CreateClient();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Functional tier: the check behind the designer's expression editor. It must agree with the definition validator
/// (so "ok as you type" means "publishes"), and point at the column of the offending character.
/// </summary>
public sealed class ExpressionsApiTests(ExpressionsHost fixture) : IClassFixture<ExpressionsHost>
{
    private async Task<JsonNode> CheckAsync(object body)
    {
        var response = await fixture.Client.PostAsJsonAsync("/api/v1/expressions/check", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }

    [Fact]
    public async Task A_valid_expression_is_ok()
    {
        var result = await CheckAsync(new { expression = "input.amount <= 100 && size(input.reason) > 0" });
        Assert.True((bool)result["ok"]!);
        Assert.Empty(result["problems"]!.AsArray());
    }

    [Fact]
    public async Task A_syntax_error_names_its_code_and_column()
    {
        var result = await CheckAsync(new { expression = "input.amount >= * 2" });
        Assert.False((bool)result["ok"]!);
        var p = result["problems"]![0]!;
        Assert.Equal("EXPR001", (string?)p["code"]);
        Assert.Equal(17, (int)p["column"]!); // the '*'
        Assert.Equal(16, (int)p["position"]!);
    }

    [Fact]
    public async Task Templates_are_checked_hole_by_hole()
    {
        Assert.True((bool)(await CheckAsync(new { expression = "Hello {{ input.name }}", kind = "template" }))["ok"]!);
        var bad = await CheckAsync(new { expression = "Hello {{ input.name +  }}", kind = "template" });
        Assert.False((bool)bad["ok"]!);
        Assert.True((int)bad["problems"]![0]!["column"]! > 9);
    }

    [Fact]
    public async Task Unknown_roots_variables_and_nodes_are_reported_when_the_designer_sends_what_exists()
    {
        Assert.Equal("EXPR101", (string?)(await CheckAsync(new { expression = "env.HOME" }))["problems"]![0]!["code"]);
        var result = await CheckAsync(new { expression = "outputs.nope.result", nodeIds = new[] { "propose" }, variables = new[] { "limit" } });
        Assert.False((bool)result["ok"]!);
        Assert.Contains("nope", (string?)result["problems"]![0]!["message"], StringComparison.Ordinal);
        Assert.True((bool)(await CheckAsync(new { expression = "outputs.propose.result + vars.limit", nodeIds = new[] { "propose" }, variables = new[] { "limit" } }))["ok"]!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"kind\":\"expression\"}")]
    [InlineData("{\"expression\":\"1\",\"kind\":\"sql\"}")]
    public async Task Bad_requests_get_400_problems(string body)
    {
        var response = await fixture.Client.PostAsync("/api/v1/expressions/check", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Mutated_expressions_never_get_a_500()
    {
        // Why: the editor sends every keystroke's text; a half-typed expression must get problems, never a server error.
        string[] seeds = ["input.amount <= 100 && size(input.reason) > 0", "outputs.propose.result.amount <= vars.limit ? 'auto' : 'manual'",
            "Refund {{ outputs.propose.result.amount }} for {{ input.orderId }}", "matches(input.email, '^[a-z]+@')"];
        var cases = Mutator.Cases(150);
        for (var i = 0; i < cases; i++)
        {
            var m = new Mutator(Mutator.BaseSeed + 9_000 + i);
            var source = m.MutateText(seeds[i % seeds.Length]);
            var response = await fixture.Client.PostAsJsonAsync("/api/v1/expressions/check",
                new { expression = source, kind = i % 3 == 2 ? "template" : "expression", nodeIds = new[] { "propose" } });
            Assert.True((int)response.StatusCode < 500, $"case {i}: {(int)response.StatusCode} for {Mutator.Preview(source)}");
        }
    }
}
