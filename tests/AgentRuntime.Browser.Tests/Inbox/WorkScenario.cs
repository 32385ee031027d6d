using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentRuntime.Browser.Tests.Inbox;

/// <summary>
/// Set-up through the public API, as the people who would do it: a designer registers an agent and publishes a workflow, a
/// requester starts an instance. Every id carries a suffix: the fixture's database is shared by the whole collection.
/// </summary>
internal static class WorkScenario
{
    public static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A rules agent (proposes half the amount for a late delivery, confidence 0.72) registered at <paramref name="stage"/>.</summary>
    public static string AgentYaml(string id, string stage) => $$$"""
        id: {{{id}}}
        kind: rules
        name: Refund estimator {{{id[^8..]}}}
        description: Estimates a refund from the order amount and the customer's reason.
        owner:
          name: Olivia Owner
          email: olivia@example.test
        role: approver
        stage: {{{stage}}}
        prompt:
          version: rules-v1
        outputSchema:
          type: object
          required: [amount, policy]
          properties:
            amount: { type: number, minimum: 0 }
            policy: { type: string, enum: [full, partial, none] }
        confidenceThreshold: 0.5
        rules:
          - when: "contains(lower(vars.agentInput.reason), 'late')"
            result: { amount: "vars.agentInput.amount * 0.5", policy: "'partial'" }
            confidence: 0.72
            rationale: Late delivery is refunded at half the amount under the refund policy.
          - when: "true"
            result: { amount: "0", policy: "'none'" }
            confidence: 0.4
            rationale: No refund policy matches the reason.
        """;

    /// <summary>
    /// The shape of the sample customer-refund flow, small: the agent proposes, an approver checks the amount in a form
    /// (data = the proposal with the agent's confidence, rationale and evidence; SLA 4h), the end node outputs the approved
    /// amount. Role <c>approver</c>, so the seeded approvers alice and bob are its candidates.
    /// </summary>
    public static string WorkflowYaml(string id, string agentId) => $$$"""
        id: {{{id}}}
        name: Refund approval {{{id[^8..]}}}
        description: An agent estimates a refund; an approver checks the amount before it is recorded.
        owner:
          name: Olivia Owner
          email: olivia@example.test
        agents:
          - {{{agentId}}}
        input:
          fields:
            orderId: { type: string, required: true }
            amount: { type: number, required: true }
            reason: { type: string, required: true }
        flowchart:
          start: propose
          nodes:
            - id: propose
              type: agent
              name: Estimate the refund
              inputs:
                agent: {{{agentId}}}
                input: input
            - id: approve
              type: approval
              name: Approve refund
              inputs:
                title: Refund {{ outputs.propose.result.amount }} for order {{ input.orderId }}
                instructions: Check the amount against the order and the policy; edit the amount if needed.
                data: "{'amount': outputs.propose.result.amount, 'policy': outputs.propose.result.policy, 'confidence': outputs.propose.confidence, 'rationale': outputs.propose.rationale, 'evidence': ['Order ' + input.orderId + ' paid ' + string(input.amount), 'Customer says: ' + input.reason]}"
                form:
                  amount:
                    type: number
                    required: true
                    label: Amount to refund
                role: approver
                priority: high
                sla: 4h
            - id: refunded
              type: end
              inputs:
                output:
                  orderId: input.orderId
                  amount: outputs.approve.data.amount
                  approvedBy: outputs.approve.decidedBy
            - id: declined
              type: end
              inputs:
                output:
                  orderId: input.orderId
                  amount: "0"
          edges:
            - from: propose.done
              to: approve
            - from: propose.low-confidence
              to: approve
            - from: propose.failed
              to: declined
            - from: propose.invalid-output
              to: declined
            - from: approve.approved
              to: refunded
            - from: approve.rejected
              to: declined
            - from: approve.changes-requested
              to: declined
            - from: approve.timed-out
              to: declined
        """;

    /// <summary>Registers the agent (as dana, a designer) and publishes the workflow; returns the workflow id.</summary>
    public static async Task<(string WorkflowId, string AgentId)> PublishRefundApprovalAsync(StudioFixtureApi api, string agentStage = "execute")
    {
        var suffix = Suffix();
        var agentId = $"refund-estimator-{suffix}";
        var workflowId = $"refund-approval-{suffix}";
        using var dana = api("dana");
        var put = await dana.PutAsync($"/api/v1/agents/{agentId}", new StringContent(AgentYaml(agentId, agentStage), Encoding.UTF8, "application/yaml"));
        Assert.True(put.IsSuccessStatusCode, $"registering the agent: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        var post = await dana.PostAsync("/api/v1/workflows?publish=true", new StringContent(WorkflowYaml(workflowId, agentId), Encoding.UTF8, "application/yaml"));
        Assert.True(post.IsSuccessStatusCode, $"publishing the workflow: {(int)post.StatusCode} {await post.Content.ReadAsStringAsync()}");
        return (workflowId, agentId);
    }

    /// <summary>Starts an instance as <paramref name="user"/>; returns its id.</summary>
    public static async Task<string> StartAsync(StudioFixtureApi api, string user, string workflowId, string orderId, decimal amount, string reason)
    {
        using var client = api(user);
        var r = await client.PostAsJsonAsync($"/api/v1/workflows/{workflowId}/instances", new { orderId, amount, reason });
        Assert.True(r.IsSuccessStatusCode, $"starting the instance: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return (await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>The instance's open human task, once the engine has created it (the start returns before the agent step runs).</summary>
    public static async Task<JsonObject> WaitForTaskAsync(StudioFixtureApi api, string instanceId, string? kind = null)
    {
        using var ada = api("ada");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await ada.GetFromJsonAsync<JsonObject>($"/api/v1/tasks?instanceId={instanceId}&state=available,claimed");
            if (list!["items"]!.AsArray().OfType<JsonObject>().FirstOrDefault(t => kind is null || t["kind"]!.GetValue<string>() == kind) is { } task) return task;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no open task for instance {instanceId} after 30 s");
            await Task.Delay(200);
        }
    }

    /// <summary>The instance once it has left the waiting state (the approval resumes it through the engine's worker).</summary>
    public static async Task<JsonObject> WaitForInstanceAsync(StudioFixtureApi api, string instanceId, string status)
    {
        using var ada = api("ada");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var instance = await ada.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{instanceId}");
            if (instance!["status"]?.GetValue<string>() == status) return instance;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"instance {instanceId} is {instance["status"]}, not {status}, after 30 s");
            await Task.Delay(200);
        }
    }

    public static async Task<JsonObject> GetTaskAsync(StudioFixtureApi api, string taskId)
    {
        using var ada = api("ada");
        return (await ada.GetFromJsonAsync<JsonObject>($"/api/v1/tasks/{taskId}"))!;
    }

    /// <summary>Someone else changes the task under the first person's feet (bob, a candidate, hands it back to the role).</summary>
    public static async Task ReassignAsBobAsync(StudioFixtureApi api, string taskId)
    {
        var task = await GetTaskAsync(api, taskId);
        using var bob = api("bob");
        var r = await bob.PostAsJsonAsync($"/api/v1/tasks/{taskId}/reassign",
            new { expectedRevision = task["revision"]!.GetValue<int>(), operationId = Guid.NewGuid().ToString(), role = "approver", reason = "taking it back to the queue" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}

/// <summary>The fixture's API factory (<c>fixture.Api</c>), passed around so helpers need not know the fixture type.</summary>
internal delegate HttpClient StudioFixtureApi(string user);
