using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Tasks;

/// <summary>
/// Tier: functional — the real host in process with development identity (<c>X-Dev-User</c>/<c>X-Dev-Roles</c>) and the engine's
/// workers running, on its own PostgreSQL database. Why: the inbox contract as a client sees it: the starter (recorded from the
/// identity that started the instance) is refused with 403 and the reason; the inbox shows role members their tasks; every
/// refusal is problem details (400 naming the field, 401, 404, 409); an approver's edit reaches the instance's output; a
/// repeated operation id is answered with the first result.
/// </summary>
public sealed class TasksApiTests
{
    private const string Workflow = """
        id: api-approval
        owner: { name: Dana Whitfield, id: dana }
        input:
          fields:
            amount: { type: number, required: true }
        flowchart:
          start: approve
          nodes:
            - id: approve
              type: approval
              inputs:
                title: "Refund {{ input.amount }}"
                data: "{'amount': input.amount}"
                form:
                  amount: { type: number, required: true }
                role: approver
                sla: 4h
            - { id: done, type: end, inputs: { output: { amount: outputs.approve.data.amount, outcome: outputs.approve.outcome } } }
          edges:
            - { from: approve.approved, to: done }
            - { from: approve.rejected, to: done }
        """;

    [Fact]
    public async Task The_starter_cannot_approve_and_another_approver_can_with_an_edit()
    {
        await using var factory = await HostFactory.CreateAsync("tasksapi", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Development",
            ["Engine:PollInterval"] = "00:00:00.050",
        });
        using var client = factory.CreateClient();
        await EngineTestHost.PublishAsync(factory.ConnectionString, Workflow, factory.Services.GetRequiredService<ActivityRegistry>());

        using var start = await SendAsync(client, HttpMethod.Post, "/api/v1/workflows/api-approval/instances", "sam", "approver", new { amount = 120 });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var instanceId = (await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var task = await WaitForTaskAsync(client, instanceId);
        var taskId = task["id"]!.GetValue<string>();
        Assert.Equal("sam", task["startedBy"]!.GetValue<string>());
        var instance = await client.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{instanceId}");
        Assert.Equal("sam", instance!["startedBy"]!.GetValue<string>());

        // The inbox: role members see it; others do not; anonymous callers must sign in.
        Assert.Single((await GetAsync(client, "/api/v1/tasks?assignee=me&state=available", "bob", "approver"))["items"]!.AsArray());
        Assert.Empty((await GetAsync(client, "/api/v1/tasks?assignee=me", "mallory", "sales"))["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tasks?assignee=me")).StatusCode);

        // Segregation of duties: the starter holds the approver role but may not approve their own request.
        using var self = await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/complete", "sam", "approver",
            new { expectedRevision = 1, operationId = "sam-1", outcome = "approved" });
        var selfProblem = await ProblemAsync(self, HttpStatusCode.Forbidden, "segregation-of-duties");
        Assert.Contains("sam started this instance and cannot also approve it", selfProblem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // Other refusals, each a problem naming its reason; none changes the task.
        await ProblemAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/claim", "mallory", "sales", new { expectedRevision = 1, operationId = "m" }),
            HttpStatusCode.Forbidden, "not-a-candidate");
        var missing = await ProblemAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/complete", "bob", "approver", new { operationId = "x", outcome = "approved" }),
            HttpStatusCode.BadRequest, "invalid-request");
        Assert.NotNull(missing["errors"]!["expectedRevision"]);
        var form = await ProblemAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/complete", "bob", "approver",
            new { expectedRevision = 1, operationId = "b0", outcome = "approved", payload = new { amount = "eighty" } }), HttpStatusCode.BadRequest, "invalid-form");
        Assert.Contains("must be of type number", form["errors"]!["amount"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        await ProblemAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/claim", "bob", "approver", new { expectedRevision = 9, operationId = "b1" }),
            HttpStatusCode.Conflict, "revision-mismatch");
        await ProblemAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{Guid.NewGuid()}/claim", "bob", "approver", new { expectedRevision = 1, operationId = "b2" }),
            HttpStatusCode.NotFound, "not-found");
        Assert.Equal(1, (await GetAsync(client, $"/api/v1/tasks/{taskId}", "bob", "approver"))["revision"]!.GetValue<int>());

        // Bob approves with the amount edited; a retry of the same request answers the same, applying nothing.
        var decide = new { expectedRevision = 1, operationId = "bob-decides", outcome = "approved", payload = new { amount = 80 }, comment = "partial" };
        using var ok = await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/complete", "bob", "approver", decide);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var first = (await ok.Content.ReadFromJsonAsync<JsonObject>())!;
        using var retry = await SendAsync(client, HttpMethod.Post, $"/api/v1/tasks/{taskId}/complete", "bob", "approver", decide);
        var second = (await retry.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.True(second["replayed"]!.GetValue<bool>());
        Assert.Equal(first["task"]!["decidedAt"]!.GetValue<string>(), second["task"]!["decidedAt"]!.GetValue<string>());

        var done = await PollInstanceAsync(client, instanceId, "completed");
        Assert.Equal(80, done["output"]!["amount"]!.GetValue<double>());
        Assert.Equal("/amount", done["outputs"]!["approve"]!["diff"]![0]!["path"]!.GetValue<string>());
        var audit = await client.GetFromJsonAsync<JsonObject>($"/api/v1/audit?subjectType=task&subjectId={taskId}");
        Assert.Equal("bob", Assert.Single(audit!["items"]!.AsArray())!["actor"]!.GetValue<string>());
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string user, string roles, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Dev-User", user);
        request.Headers.Add("X-Dev-Roles", roles);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await client.SendAsync(request);
    }

    private static async Task<JsonObject> GetAsync(HttpClient client, string path, string user, string roles)
    {
        using var response = await SendAsync(client, HttpMethod.Get, path, user, roles);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(body)!.AsObject();
            Assert.Equal(code, problem["code"]!.GetValue<string>());
            return problem;
        }
    }

    private static async Task<JsonObject> WaitForTaskAsync(HttpClient client, string instanceId)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var items = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/tasks?instanceId={instanceId}"))!["items"]!.AsArray();
            if (items.Count > 0) return items[0]!.AsObject();
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "the approval task never appeared");
            await Task.Delay(50);
        }
    }

    private static async Task<JsonObject> PollInstanceAsync(HttpClient client, string id, string status)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var instance = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{id}"))!;
            if (instance["status"]!.GetValue<string>() == status) return instance;
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"instance stayed {instance["status"]}");
            await Task.Delay(50);
        }
    }
}
