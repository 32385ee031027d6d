using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Outcomes;

/// <summary>
/// Functional: the refund sample's business outcome (refund_cycle_time, hours, target 4, lower-is-better) measured per
/// completed instance and reported target vs actual per day. The host runs on a manual clock with its workers off:
/// each instance is started, the clock moves on by that instance's cycle time, then the engine is driven, so every
/// instance completes with a cycle time the test chose.
/// </summary>
public sealed class OutcomesApiTests(OutcomesApiTests.RefundHost host) : IClassFixture<OutcomesApiTests.RefundHost>
{
    private static readonly DateTimeOffset Day1 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _clock = host.Clock;
    private readonly WebApplicationFactory<Program> _factory = host.Factory;
    private readonly HttpClient _client = host.Client;

    /// <summary>One host for the class (a host and a database per test would cost a second each on a shared machine).</summary>
    public sealed class RefundHost : IAsyncLifetime
    {
        public ManualTimeProvider Clock { get; } = new(Day1.AddHours(9));
        public WebApplicationFactory<Program> Factory { get; private set; } = null!;
        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var host = await HostFactory.CreateAsync("outcomes", RepoPaths.Workflows, new Dictionary<string, string?> { ["Engine:RunWorkers"] = "false" });
            Factory = host.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
            {
                s.AddSingleton<TimeProvider>(Clock);
                // Proposes the full amount, confidently: small requests take the automatic path (no approval task).
                s.AddRulesAgent(new AgentRegistration("refund-proposer", "rules") { RequiredFields = ["amount"], ConfidenceThreshold = 0.8 },
                    new AgentRule("true", new Dictionary<string, string> { ["amount"] = "vars.agentInput.amount" }, 0.95, "within policy"));
            }));
            Client = Factory.CreateClient();
            // The sample's agent ships in shadow (a human decides every case). This test measures cycle time on the
            // straight-through path, so the agent is put where an owner's promotion would take it: execute.
            await using var conn = new Npgsql.NpgsqlConnection(host.ConnectionString);
            await conn.OpenAsync();
            await using var promote = new Npgsql.NpgsqlCommand("UPDATE agents SET stage = 'execute' WHERE id = 'refund-proposer'", conn);
            Assert.Equal(1, await promote.ExecuteNonQueryAsync());
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task The_refund_samples_cycle_time_is_reported_against_its_target_per_day()
    {
        // Day 1: 1 h and 3 h. Day 2: 2 h, 6 h, 8 h. Mean 4 = the target; three of five at or under it.
        await RunRefundAsync(Day1.AddHours(9), 1);
        await RunRefundAsync(Day1.AddHours(10), 3);
        await RunRefundAsync(Day1.AddDays(1).AddHours(0.5), 2);
        await RunRefundAsync(Day1.AddDays(1).AddHours(3), 6);
        await RunRefundAsync(Day1.AddDays(1).AddHours(9.5), 8);

        var report = await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/outcomes?from=2026-01-05&to=2026-01-07&bucket=day");
        var outcome = report!["outcome"]!;
        Assert.Equal("refund_cycle_time", (string?)outcome["metric"]);
        Assert.Equal("hours", (string?)outcome["unit"]);
        Assert.Equal(4, (double)outcome["target"]!);
        Assert.Equal("lower-is-better", (string?)outcome["direction"]);

        var summary = report["summary"]!;
        Assert.Equal(5, (int)summary["count"]!);
        Assert.Equal(4.0, (double)summary["mean"]!, 6);
        Assert.Equal(3.0, (double)summary["p50"]!, 6);
        Assert.Equal(7.2, (double)summary["p90"]!, 6); // linear interpolation between 6 and 8
        Assert.Equal(4, (double)summary["target"]!);
        Assert.Equal(0.6, (double)summary["metRatio"]!, 6);

        var days = report["buckets"]!.AsArray();
        Assert.Equal(2, days.Count);
        Assert.Equal(Day1, (DateTimeOffset)days[0]!["start"]!);
        Assert.Equal(2, (int)days[0]!["count"]!);
        Assert.Equal(2.0, (double)days[0]!["mean"]!, 6);
        Assert.Equal(1.0, (double)days[0]!["metRatio"]!, 6);
        Assert.Equal(4, (double)days[0]!["target"]!);
        Assert.Equal(3, (int)days[1]!["count"]!);
        Assert.Equal(16.0 / 3, (double)days[1]!["mean"]!, 6);
        Assert.Equal(1.0 / 3, (double)days[1]!["metRatio"]!, 6);

        // A week bucket folds both days (2026-01-05 is a Monday); an empty window reports zero, not an error.
        var week = await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/outcomes?from=2026-01-05&to=2026-01-12&bucket=week");
        Assert.Equal(5, (int)week!["buckets"]![0]!["count"]!);
        var empty = await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/outcomes?from=2025-06-01&to=2025-06-02");
        Assert.Equal(0, (int)empty!["summary"]!["count"]!);
        Assert.Null(empty["summary"]!["mean"]);

        // The engine's own evidence that the workflow emitted signals in the window (readiness checkpoint 5).
        var evidence = await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/telemetry?from=2026-01-05&to=2026-01-07");
        Assert.Equal(5, (long)evidence!["instancesStarted"]!);
        Assert.Equal(5, (long)evidence["instancesEnded"]!);
        Assert.True((long)evidence["slices"]! >= 5);
        Assert.True((bool)evidence["flowing"]!);
    }

    [Theory]
    [InlineData("bucket=year", "bucket")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=2026-02-01&to=2026-01-01", "from")]
    [InlineData("from=2000-01-01&to=2026-01-01&bucket=hour", "bucket")]
    public async Task Bad_query_values_are_a_400_problem_naming_the_parameter(string query, string parameter)
    {
        var response = await _client.GetAsync($"/api/v1/workflows/customer-refund/outcomes?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(parameter, (string?)problem!["parameter"]);
        Assert.Contains(parameter, (string?)problem["title"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_workflow_is_a_404()
    {
        var response = await _client.GetAsync("/api/v1/workflows/no-such-workflow/outcomes");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task RunRefundAsync(DateTimeOffset startAt, double cycleHours)
    {
        _clock.Advance(startAt - _clock.GetUtcNow());
        var start = await _client.PostAsJsonAsync("/api/v1/workflows/customer-refund/instances",
            new { orderId = $"o-{Guid.NewGuid():N}", amount = 40, reason = "arrived damaged" });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var id = (string)(await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        _clock.Advance(TimeSpan.FromHours(cycleHours));
        await _factory.Services.GetRequiredService<EngineRunner>().RunUntilIdleAsync();
        var instance = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{id}");
        Assert.True((string?)instance!["status"] == "completed", instance.ToJsonString());
    }
}
