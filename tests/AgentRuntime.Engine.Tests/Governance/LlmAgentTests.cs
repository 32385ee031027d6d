using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.Governance;

/// <summary>
/// Tier: integration — a real engine on PostgreSQL, the real OpenAI .NET SDK, real HTTP to an endpoint the test serves.
/// Why: the <c>llm</c> agent kind end to end: structured output requested with the agent's schema, the answer parsed into
/// result / confidence / rationale, token usage and cost recorded on the decision row, the action acting on the result;
/// and a malformed model answer (prose instead of JSON) followed through <c>invalid-output</c>, never into an action.
/// </summary>
public sealed class LlmAgentTests
{
    private static string Agent(string baseUrl) => $$$"""
        id: refund-llm
        kind: llm
        name: Refund proposer (LLM)
        owner: { name: Dana Whitfield, email: dana@example.com }
        stage: execute
        model: { name: test-model, version: "2026-01", temperature: 0, inputCostPer1K: 0.5, outputCostPer1K: 1.5, currency: EUR }
        prompt:
          version: v3
          system: You propose refunds for late orders.
          template: "Order {{ vars.agentInput.orderId }}: the customer asks {{ vars.agentInput.amount }} because '{{ vars.agentInput.reason }}'."
        outputSchema:
          type: object
          required: [amount]
          properties:
            amount: { type: number, minimum: 0 }
        llm: { baseUrl: "{{{baseUrl}}}", apiKeySetting: TEST_LLM_KEY, timeout: 10s, retries: 1 }
        """;

    private const string Workflow = """
        id: llm-refund
        owner: { name: Dana Whitfield, email: dana@example.com }
        agents: [refund-llm]
        input:
          fields:
            orderId: { type: string, required: true }
            amount: { type: number, required: true }
            reason: { type: string, required: true }
        flowchart:
          start: propose
          nodes:
            - { id: propose, type: agent, inputs: { agent: refund-llm, input: input } }
            - id: refund
              type: action
              inputs:
                action: issue-refund
                connector: record
                input: { orderId: input.orderId, amount: outputs.propose.result.amount }
                compensation: { action: reverse-refund, connector: record }
            - { id: refunded, type: end, inputs: { output: { amount: outputs.propose.result.amount, key: outputs.refund.idempotencyKey } } }
            - { id: unusable, type: end, inputs: { output: { unusable: "true", why: outputs.propose.invalidReason } } }
            - { id: undecided, type: end }
          edges:
            - { from: propose.done, to: refund }
            - { from: propose.low-confidence, to: undecided }
            - { from: propose.failed, to: undecided }
            - { from: propose.invalid-output, to: unusable }
            - { from: refund.done, to: refunded }
        """;

    [Fact]
    public async Task An_llm_agent_records_tokens_and_cost_and_a_malformed_answer_follows_invalid_output()
    {
        await using var endpoint = await LocalChatEndpoint.StartAsync();
        // The model call is a GenAI client span (OpenTelemetry GenAI conventions) with the token usage on it. The listener is
        // process-wide, so spans are picked out by this test's endpoint port.
        var chatSpans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        var endpointPort = new Uri(endpoint.BaseUrl).Port;
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentRuntime.Engine.Telemetry.EngineTelemetry.SourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.GetTagItem("server.port") is int p && p == endpointPort) chatSpans.Enqueue(a); },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var host = await EngineTestHost.StartAsync("llm", services: s => s.AddSingleton(new LlmEndpointOptions()
            .UseSettingResolver(name => name == "TEST_LLM_KEY" ? "sk-test-123" : null)));
        var stored = await host.Services.GetRequiredService<AgentCatalog>().StoreAsync(AgentDocument.Parse(Agent(endpoint.BaseUrl), "refund-llm.yaml"), "test", "test");
        Assert.Equal(AgentStoreOutcome.Registered, stored.Outcome);
        await host.PublishAsync(Workflow);
        var input = JsonNode.Parse("""{"orderId": "A-17", "amount": 50, "reason": "arrived a week late"}""");

        // 1. A well-formed structured answer: the action refunds the proposed amount; tokens and cost are on the decision.
        endpoint.Answer("""{"result": {"amount": 42.5}, "confidence": 0.92, "rationale": "Late delivery: policy refunds 85%."}""");
        var good = await host.Engine.StartAsync("llm-refund", input, new StartOptions { RunInline = true });
        var goodView = await host.Engine.GetInstanceAsync(good.InstanceId);
        Assert.Equal(InstanceStatus.Completed, goodView!.Instance.Status);
        Assert.Equal(42.5, goodView.Output!["amount"]!.GetValue<double>());

        Assert.True(endpoint.Requests.TryDequeue(out var sent));
        Assert.Equal("Bearer sk-test-123", sent.Authorization);
        Assert.Equal("test-model", sent.Body["model"]!.GetValue<string>());
        Assert.Equal("json_schema", sent.Body["response_format"]!["type"]!.GetValue<string>());
        var schema = sent.Body["response_format"]!["json_schema"]!["schema"]!;
        Assert.Equal("number", schema["properties"]!["result"]!["properties"]!["amount"]!["type"]!.GetValue<string>());
        Assert.Contains("Order A-17: the customer asks 50 because 'arrived a week late'.", sent.Body["messages"]![1]!["content"]!.ToString(), StringComparison.Ordinal);

        var row = await DecisionAsync(host, good.InstanceId);
        Assert.Equal(("done", 120, 30, "execute"), (row.Outcome, row.InputTokens, row.OutputTokens, row.Stage));
        Assert.Equal(0.105m, row.Cost); // 120/1000 × 0.5 + 30/1000 × 1.5
        Assert.Equal(0.92, row.Confidence);
        var chat = Assert.Single(chatSpans);
        Assert.Equal("chat test-model", chat.DisplayName);
        Assert.Equal(System.Diagnostics.ActivityKind.Client, chat.Kind);
        Assert.Equal("test-model", chat.GetTagItem("gen_ai.request.model"));
        Assert.Equal(120L, chat.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(30L, chat.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("openai", chat.GetTagItem("gen_ai.provider.name"));

        // 2. A malformed answer (prose, not JSON): invalid-output, tokens still recorded, nothing refunded.
        endpoint.PromptTokens = 80;
        endpoint.CompletionTokens = 12;
        endpoint.Answer("Sure! I think a refund of about 40 would be fair.");
        var bad = await host.Engine.StartAsync("llm-refund", input, new StartOptions { RunInline = true });
        var badView = await host.Engine.GetInstanceAsync(bad.InstanceId);
        Assert.Equal(InstanceStatus.Completed, badView!.Instance.Status);
        Assert.True(badView.Output!["unusable"]!.GetValue<bool>());
        Assert.Contains("not a JSON object", badView.Output!["why"]!.GetValue<string>(), StringComparison.Ordinal);
        var badRow = await DecisionAsync(host, bad.InstanceId);
        Assert.Equal(("invalid-output", 80, 12), (badRow.Outcome, badRow.InputTokens, badRow.OutputTokens));

        // 3. Well-formed JSON that breaks the agent's schema is just as unusable.
        endpoint.Answer("""{"result": {"amount": -5}, "confidence": 0.99, "rationale": "negative"}""");
        var offSchema = await host.Engine.StartAsync("llm-refund", input, new StartOptions { RunInline = true });
        Assert.Equal("invalid-output", (await DecisionAsync(host, offSchema.InstanceId)).Outcome);

        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM action_ledger"));
    }

    private sealed record Row(string Outcome, int InputTokens, int OutputTokens, decimal Cost, double? Confidence, string Stage);

    private static async Task<Row> DecisionAsync(EngineTestHost host, Guid instanceId)
    {
        await using var conn = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT outcome, input_tokens, output_tokens, cost, confidence, stage FROM agent_decisions WHERE instance_id = $1", conn);
        cmd.Parameters.Add(new() { Value = instanceId });
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        return new Row(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetDecimal(3), r.IsDBNull(4) ? null : r.GetDouble(4), r.GetString(5));
    }
}
