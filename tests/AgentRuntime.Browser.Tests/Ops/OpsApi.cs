using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Browser.Tests.Infrastructure;

namespace AgentRuntime.Browser.Tests.Ops;

/// <summary>
/// What the ops and dashboard tests do through the API around the browser: start sample instances (as oscar, who may
/// start work), decide their tasks as an approver holding the refund-approver role (development identity), and wait for
/// an instance to reach a state. Waits poll the API a few times a second with a generous limit: the engine's workers run
/// in the host process, and the only way a user sees progress is by asking.
/// </summary>
public sealed class OpsApi(StudioFixture studio)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public HttpClient Oscar { get; } = studio.Api("oscar");

    /// <summary>alice, as an approver of refunds and of briefs (the sample tasks are offered to those roles).</summary>
    public HttpClient Approver { get; } = WithRoles(studio.Api("alice"), "approver,refund-approver,marketing-lead,ap-clerk");

    /// <summary>bob, a second approver, for approval tasks.</summary>
    public HttpClient SecondApprover { get; } = WithRoles(studio.Api("bob"), "approver,refund-approver");

    private static HttpClient WithRoles(HttpClient client, string roles)
    {
        client.DefaultRequestHeaders.Add("X-Dev-Roles", roles);
        return client;
    }

    public async Task<HttpResponseMessage> TryStartAsync(string workflow, object input) =>
        await Oscar.PostAsJsonAsync($"/api/v1/workflows/{workflow}/instances", input);

    public async Task<Guid> StartAsync(string workflow, object input)
    {
        var response = await TryStartAsync(workflow, input);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"start {workflow}: {(int)response.StatusCode} {body}");
        return Guid.Parse((string)JsonNode.Parse(body)!["id"]!);
    }

    public Task<Guid> StartRefundAsync(decimal amount, string reason = "arrived damaged") =>
        StartAsync("customer-refund", new { orderId = $"o-{Guid.NewGuid():N}"[..14], amount, reason });

    public async Task<JsonObject> InstanceAsync(Guid id) =>
        (await Oscar.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{id}"))!;

    /// <summary>Polls the instance until <paramref name="done"/> holds; fails with the last state seen.</summary>
    public async Task<JsonObject> WaitForAsync(Guid id, Func<JsonObject, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        JsonObject last;
        do
        {
            last = await InstanceAsync(id);
            if (done(last)) return last;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        var incidents = string.Join("; ", last["incidents"]!.AsArray().Select(i => $"{i!["nodeId"]}: {i["errorType"]} {i["message"]}"));
        Assert.Fail($"instance {id} did not reach '{what}' within {Patience.TotalSeconds:0} s; last: status={last["status"]}, waitingOn={last["waitingOn"]}, error={last["error"]}, incidents: {incidents}");
        return last;
    }

    public static bool Status(JsonObject i, string status) => (string?)i["status"] == status;

    public static bool JournalHas(JsonObject i, string nodeId, string status) =>
        i["journal"]!.AsArray().Any(j => (string?)j!["nodeId"] == nodeId && (string?)j["status"] == status);

    /// <summary>
    /// Waits for the instance's open task at <paramref name="nodeId"/> and decides it as <paramref name="actor"/>.
    /// <paramref name="payload"/> replaces the task's data: a shadow agent's decide task wants <c>{decision: …}</c>.
    /// </summary>
    public async Task DecideAsync(Guid instanceId, string nodeId, HttpClient actor, string outcome, object? payload = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        JsonNode? task = null;
        while (DateTime.UtcNow < deadline)
        {
            var tasks = await actor.GetFromJsonAsync<JsonObject>($"/api/v1/tasks?instanceId={instanceId}&state=available,claimed");
            task = tasks!["items"]!.AsArray().FirstOrDefault(t => (string?)t!["nodeId"] == nodeId);
            if (task is not null) break;
            await Task.Delay(200);
        }
        Assert.True(task is not null, $"no open task at {nodeId} of instance {instanceId} within {Patience.TotalSeconds:0} s");
        var response = await actor.PostAsJsonAsync($"/api/v1/tasks/{task!["id"]}/complete", new
        {
            expectedRevision = (int)task["revision"]!,
            operationId = Guid.NewGuid().ToString(),
            outcome,
            payload,
        });
        Assert.True(response.IsSuccessStatusCode, $"completing the task at {nodeId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The audit entries of a subject for an action, newest last.</summary>
    public async Task<JsonArray> AuditAsync(string subject, string action) =>
        (await Oscar.GetFromJsonAsync<JsonObject>($"/api/v1/audit?subject={Uri.EscapeDataString(subject)}&action={Uri.EscapeDataString(action)}"))!["items"]!.AsArray();
}
