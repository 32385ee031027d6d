using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Npgsql;

namespace AgentRuntime.Host.Tests.Dashboards;

/// <summary>
/// Integration: the dashboard's figures computed by PostgreSQL from rows the test writes itself (instances, human tasks,
/// agent decisions, outcomes) with times it chose, so every number below is worked out by hand. Rows of another workflow
/// and rows outside the window are seeded too: a figure that leaked them would be off. Workers are off so nothing moves.
/// </summary>
public sealed class DashboardsApiTests(DashboardsApiTests.SeededHost host) : IClassFixture<DashboardsApiTests.SeededHost>
{
    /// <summary>A Monday; the window is this day and the next.</summary>
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);

    private readonly HttpClient _client = host.Client;

    public sealed class SeededHost : IAsyncLifetime
    {
        public HostFactory Factory { get; private set; } = null!;
        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Factory = await HostFactory.CreateAsync("dashboards", RepoPaths.Workflows, new Dictionary<string, string?> { ["Engine:RunWorkers"] = "false" });
            Client = Factory.CreateClient();
            // Starts the host (which migrates the database and loads the samples) before rows are written behind its back.
            Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/v1/workflows/customer-refund")).StatusCode);
            await SeedAsync(Factory.ConnectionString);
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task Each_bucket_reports_throughput_cycle_time_approval_latency_draft_edits_shadow_agreement_cost_and_outcome()
    {
        var report = await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/dashboard?from=2026-03-02&to=2026-03-04&bucket=day");
        var days = report!["buckets"]!.AsArray();
        Assert.Equal(2, days.Count);
        var d1 = days[0]!;
        var d2 = days[1]!;
        Assert.Equal(Day1, (DateTimeOffset)d1["start"]!);

        // Throughput and cycle time: day 1 completes i1 (1 h) and i2 (3 h); i5 started on day 1 completes on day 2 (4 h).
        Assert.Equal(5, (long)d1["started"]!);
        Assert.Equal(2, (long)d1["completed"]!);
        Assert.Equal(1, (long)d1["failed"]!);
        Assert.Equal(7200, (double)d1["cycleP50Seconds"]!, 3);
        Assert.Equal(10080, (double)d1["cycleP90Seconds"]!, 3); // 3600 + 0.9 × 7200
        Assert.Equal(1, (long)d2["started"]!);
        Assert.Equal(1, (long)d2["completed"]!);
        Assert.Equal(1, (long)d2["cancelled"]!);
        Assert.Equal(14400, (double)d2["cycleP50Seconds"]!, 3);

        // Approval latency: tasks decided after 30 min and 60 min on day 1, 2 h on day 2 (the open task and the
        // promotion sign-off outside any instance do not count).
        Assert.Equal(2, (long)d1["approvals"]!);
        Assert.Equal(2700, (double)d1["approvalP50Seconds"]!, 3);
        Assert.Equal(3420, (double)d1["approvalP90Seconds"]!, 3);
        Assert.Equal(7200, (double)d2["approvalP50Seconds"]!, 3);

        // Drafts: day 1 one approved, one edited, one rejected (a pending one does not count); day 2 one approved.
        Assert.Equal(3, (long)d1["draftReviews"]!);
        Assert.Equal(1.0 / 3, (double)d1["editRate"]!, 6);
        Assert.Equal(1.0 / 3, (double)d1["overrideRate"]!, 6);
        Assert.Equal(0.0, (double)d2["editRate"]!, 6);

        // Shadow: two of three agree on day 1, one of one on day 2.
        Assert.Equal(3, (long)d1["shadowCompared"]!);
        Assert.Equal(2.0 / 3, (double)d1["shadowAgreement"]!, 6);
        Assert.Equal(1.0, (double)d2["shadowAgreement"]!, 6);

        // Audit sampling has reviewed one decision on day 2 only: day 1 has no data (null, not 0 %).
        Assert.Null(d1["auditPassRate"]);
        Assert.Equal(0, (long)d1["auditReviewed"]!);
        Assert.Equal(2, (long)d2["auditReviewed"]!);
        Assert.Equal(0.5, (double)d2["auditPassRate"]!, 6);

        // Cost: day 1 four drafts at 0.01 and three shadow decisions at 0.02; day 2 one of each.
        Assert.Equal(7, (long)d1["agentCalls"]!);
        Assert.Equal(0.10m, (decimal)d1["cost"]!);
        Assert.Equal(0.03m, (decimal)d2["cost"]!);

        var summary = report["summary"]!;
        Assert.Equal(6, (long)summary["started"]!);
        Assert.Equal(3, (long)summary["completed"]!);
        Assert.Equal(10800, (double)summary["cycleP50Seconds"]!, 3);
        Assert.Equal(0.13m, (decimal)summary["cost"]!);
        Assert.Equal(3.0 / 4, (double)summary["shadowAgreement"]!, 6);

        // Outcome vs target: the sample's refund_cycle_time (hours, target 4).
        var outcome = report["outcome"]!;
        Assert.Equal("refund_cycle_time", (string?)outcome["metric"]);
        Assert.Equal(4, (double)outcome["target"]!);
        Assert.Equal(1.0, (double)outcome["buckets"]![0]!["mean"]!, 6);
        Assert.Equal(1.0, (double)outcome["buckets"]![0]!["metRatio"]!, 6);
        Assert.Equal(5.0, (double)outcome["buckets"]![1]!["mean"]!, 6);
        Assert.Equal(0.0, (double)outcome["buckets"]![1]!["metRatio"]!, 6);
    }

    [Fact]
    public async Task Hour_buckets_cover_the_window_without_gaps()
    {
        var report = await _client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/customer-refund/dashboard?from=2026-03-02T09:00:00Z&to=2026-03-02T13:00:00Z&bucket=hour");
        var hours = report!["buckets"]!.AsArray();
        Assert.Equal(4, hours.Count);
        Assert.Equal([0L, 1L, 0L, 1L], hours.Select(h => (long)h!["completed"]!).ToArray()); // i1 at 10:00, i2 at 12:00
        Assert.Equal(3600, (double)hours[1]!["cycleP50Seconds"]!, 3);
        Assert.Null(hours[2]!["cycleP50Seconds"]); // an empty hour is "no data", not 0
    }

    [Theory]
    [InlineData("bucket=year", "bucket")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-03-04&to=2026-03-02", "from")]
    [InlineData("from=2000-01-01&to=2026-01-01&bucket=hour", "bucket")]
    public async Task Bad_query_values_are_a_400_problem_naming_the_parameter(string query, string parameter)
    {
        var response = await _client.GetAsync($"/api/v1/workflows/customer-refund/dashboard?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(parameter, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["parameter"]);
    }

    [Fact]
    public async Task An_unknown_workflow_is_a_404() =>
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/workflows/no-such-workflow/dashboard")).StatusCode);

    private static async Task SeedAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var i = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToArray();
        var h = (double hours) => Day1.AddHours(hours);

        // Instances: (id, workflow, status, created, completed)
        var instances = new (Guid Id, string Workflow, string Status, DateTimeOffset Created, DateTimeOffset? Completed)[]
        {
            (i[1], "customer-refund", "completed", h(9), h(10)),
            (i[2], "customer-refund", "completed", h(9), h(12)),
            (i[3], "customer-refund", "running", h(11), null),
            (i[4], "customer-refund", "failed", h(8), h(8.5)),
            (i[5], "customer-refund", "completed", h(22), h(26)),
            (i[6], "customer-refund", "cancelled", h(34), h(35)),
            (i[7], "invoice-processing", "completed", h(9), h(9.5)), // another workflow
            (i[0], "customer-refund", "completed", h(-30), h(-29)),    // before the window
        };
        foreach (var x in instances)
        {
            await ExecAsync(conn, """
                INSERT INTO workflow_instances (id, workflow_id, version, status, input, variables, outputs, state, created_at, updated_at, completed_at, lease_token, slice_count)
                VALUES ($1, $2, 1, $3, '{}', '{}', '{}', '{}', $4, $4, $5, 0, 0)
                """, x.Id, x.Workflow, x.Status, x.Created, (object?)x.Completed ?? DBNull.Value);
        }

        // Human tasks: (instance or null, created, decided or null)
        var tasks = new (Guid? Instance, DateTimeOffset Created, DateTimeOffset? Decided)[]
        {
            (i[1], h(9 + 10.0 / 60), h(9 + 40.0 / 60)),
            (i[2], h(10), h(11)),
            (i[5], h(24), h(26)),
            (i[3], h(11), null),          // still open
            (null, h(9), h(9.25)),        // a promotion sign-off: not an approval in an instance
        };
        foreach (var t in tasks)
        {
            await ExecAsync(conn, """
                INSERT INTO human_tasks (id, kind, instance_id, workflow_id, version, title, roles, candidate_groups, excluded_users, priority, state,
                                         revision, editors, allow_self_approval, created_at, updated_at, outcome, decided_at)
                VALUES ($1, 'approval', $2, 'customer-refund', 1, 'Approve', '{}', '{}', '{}', 'normal', $3, 1, '{}', false, $4, $4, $5, $6)
                """, Guid.NewGuid(), (object?)t.Instance ?? DBNull.Value, t.Decided is null ? "available" : "completed", t.Created,
                t.Decided is null ? DBNull.Value : "approved", (object?)t.Decided ?? DBNull.Value);
        }

        // Agent decisions: (workflow, stage, human decision, agreement, audit result, created, decided, cost)
        var decisions = new (string Workflow, string Stage, string? Human, bool? Agreement, string? Audit, DateTimeOffset Created, DateTimeOffset? Decided, decimal Cost)[]
        {
            ("customer-refund", "draft", "approved", null, "pass", h(9), h(9.5), 0.01m),
            ("customer-refund", "draft", "edited", null, "fail", h(9), h(9.5), 0.01m),
            ("customer-refund", "draft", "rejected", null, null, h(10), h(11), 0.01m),
            ("customer-refund", "draft", null, null, null, h(11), null, 0.01m),
            ("customer-refund", "draft", "approved", null, null, h(25), h(26), 0.01m),
            ("customer-refund", "shadow", "decided", true, null, h(9), h(10), 0.02m),
            ("customer-refund", "shadow", "decided", false, null, h(9), h(10), 0.02m),
            ("customer-refund", "shadow", "decided", true, null, h(12), h(13), 0.02m),
            ("customer-refund", "shadow", "decided", true, null, h(30), h(31), 0.02m),
            ("invoice-processing", "shadow", "decided", false, "fail", h(9), h(10), 5m), // another workflow
        };
        foreach (var d in decisions)
        {
            await ExecAsync(conn, """
                INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, outcome,
                                             input_tokens, output_tokens, cost, duration_ms, human_decision, agreement, edited, audit_result, audited_at, created_at, decided_at)
                VALUES ($1, 'refund-proposer', 1, $2, 1, $3, 'propose', 1, $4, 'done', 10, 5, $5, 12.5, $6, $7, $8, $9, $10, $11, $12)
                """, Guid.NewGuid(), d.Workflow, i[1], d.Stage, d.Cost, (object?)d.Human ?? DBNull.Value, (object?)d.Agreement ?? DBNull.Value,
                d.Human == "edited" ? true : DBNull.Value, (object?)d.Audit ?? DBNull.Value, d.Audit is null ? DBNull.Value : h(30), d.Created, (object?)d.Decided ?? DBNull.Value);
        }

        // Outcomes (hours, target 4, lower is better): 1 h on day 1 (met), 5 h on day 2 (missed).
        await ExecAsync(conn, """
            INSERT INTO instance_outcomes (instance_id, workflow_id, version, metric, unit, value, target, direction, met, started_at, measured_at)
            VALUES ($1, 'customer-refund', 1, 'refund_cycle_time', 'hours', 1, 4, 'lower-is-better', true, $2, $3),
                   ($4, 'customer-refund', 1, 'refund_cycle_time', 'hours', 5, 4, 'lower-is-better', false, $5, $6)
            """, i[1], h(9), h(10), i[5], h(22), h(27));
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, params object[] values)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        await cmd.ExecuteNonQueryAsync();
    }
}
