using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;

namespace AgentRuntime.Engine.Agents;

/// <summary>
/// The <c>http</c> agent kind: a POST to an agent service.
/// <para><b>Request</b> (<c>application/json</c>):
/// <c>{"agentId", "agentVersion", "instanceId", "workflowId", "nodeId", "input"}</c>, header <c>Idempotency-Key: &lt;instance&gt;:&lt;node&gt;:&lt;visit&gt;</c>
/// (a retried call carries the same key), and <c>Authorization: Bearer</c> when <c>http.tokenSetting</c> names a token.</para>
/// <para><b>Response</b> 200 <c>{"result": …, "confidence": 0..1, "rationale": "…"}</c>, optionally <c>"decided": false</c>
/// (the service could not decide: port <c>failed</c>) and <c>"usage": {"inputTokens", "outputTokens", "cost"}</c>.
/// A 2xx body that does not follow this contract (or the agent's output schema) is <c>invalid-output</c>; any other status
/// or a transport error is retried (<c>http.retries</c>, default 2) and then fails the node (retry policy / error port / incident).</para>
/// </summary>
public sealed class HttpAgent(AgentDefinition definition, int version, IHttpClientFactory clients, LlmEndpointOptions settings) : IAgent
{
    public const string ClientName = "agentruntime-agents";

    public AgentRegistration Registration { get; } = new(definition.Id, "http")
    {
        Owner = definition.Owner?.Name,
        ConfidenceThreshold = definition.ConfidenceThreshold ?? 0.5,
        Model = definition.Model?.Name,
        PromptVersion = definition.Prompt?.Version,
    };

    public async Task<AgentResult> InvokeAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var url = definition.Http?.Url ?? throw new InvalidOperationException($"Agent '{definition.Id}' has no URL.");
        var timeout = Durations.TryParse(definition.Http?.Timeout, out var t) && t > TimeSpan.Zero ? t : TimeSpan.FromSeconds(30);
        var retries = Math.Max(0, definition.Http?.Retries ?? 2);
        var body = new JsonObject
        {
            ["agentId"] = definition.Id,
            ["agentVersion"] = version,
            ["instanceId"] = request.InstanceId.ToString(),
            ["workflowId"] = request.Scope.Instance?["workflowId"]?.DeepClone(),
            ["nodeId"] = request.NodeId,
            ["input"] = request.Input?.DeepClone(),
        };
        for (var attempt = 0; ; attempt++)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
                message.Headers.Add("Idempotency-Key", request.IdempotencyKey ?? $"{request.InstanceId:N}:{request.NodeId}");
                if (definition.Http?.TokenSetting is { } ts && settings.ResolveSetting(ts) is { } token)
                    message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                using var response = await clients.CreateClient(ClientName).SendAsync(message, cts.Token);
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException($"Agent service answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
                var text = await response.Content.ReadAsStringAsync(cts.Token);
                return Interpret(text);
            }
            catch (Exception e) when (attempt < retries && !cancellationToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (1 << attempt)), cancellationToken);
            }
        }
    }

    private AgentResult Interpret(string text)
    {
        JsonObject answer;
        try
        {
            answer = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            return AgentResult.Invalid($"the agent service's answer is not a JSON object: {e.Message}", JsonValue.Create(text.Length > 2000 ? text[..2000] : text));
        }
        AgentUsage? usage = null;
        if (answer["usage"] is JsonObject u)
        {
            usage = new AgentUsage((int)(u["inputTokens"]?.GetValue<double>() ?? 0), (int)(u["outputTokens"]?.GetValue<double>() ?? 0),
                (decimal)(u["cost"]?.GetValue<double>() ?? 0));
        }
        if (answer["decided"] is JsonValue d && d.GetValueKind() == JsonValueKind.False)
            return AgentResult.CouldNotDecide(answer["rationale"]?.ToString() ?? "the agent service could not decide") with { Usage = usage };
        if (!answer.TryGetPropertyValue("result", out var result))
            return AgentResult.Invalid("the answer has no 'result'", answer.DeepClone(), usage);
        if (answer["confidence"] is not JsonValue c || c.GetValueKind() != JsonValueKind.Number || c.GetValue<double>() is < 0 or > 1)
            return AgentResult.Invalid("the answer has no confidence between 0 and 1", answer.DeepClone(), usage);
        var errors = OutputSchema.Check(definition.OutputSchema, result);
        if (errors.Count > 0) return AgentResult.Invalid("the result does not match the output schema: " + string.Join("; ", errors), answer.DeepClone(), usage);
        return new AgentResult(true, result?.DeepClone(), c.GetValue<double>(), answer["rationale"]?.ToString()) { Usage = usage };
    }
}
