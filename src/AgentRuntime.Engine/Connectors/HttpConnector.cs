using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Connectors;

/// <summary>
/// POSTs the payload as JSON to the node's <c>url</c> with an <c>Idempotency-Key</c> header. External: the engine commits
/// the ledger intent before the call and the completion after; a re-send after a crash carries the same key. A non-2xx
/// response is a failure (retry policy, then error port or incident). The JSON response body is the node's output.
/// </summary>
public sealed class HttpConnector(IHttpClientFactory httpClients) : IConnector
{
    public const string ClientName = "agentruntime-actions";

    public string Name => "http";
    public ConnectorKind Kind => ConnectorKind.External;

    public async Task<JsonNode?> ExecuteAsync(ConnectorRequest request, CancellationToken cancellationToken)
    {
        var url = request.Node.Inputs.TryGetValue("url", out var u) && u is JsonValue v ? v.GetValue<string>() : null;
        if (string.IsNullOrWhiteSpace(url)) throw new InvalidOperationException($"Action node '{request.NodeId}' has no 'url' for the http connector.");
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(request.Payload) };
        message.Headers.Add("Idempotency-Key", request.IdempotencyKey);
        message.Headers.Add("X-AgentRuntime-Action", request.Action);
        var client = httpClients.CreateClient(ClientName);
        using var response = await client.SendAsync(message, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{request.Action}: {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        JsonNode? parsed = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try { parsed = JsonNode.Parse(body); }
            catch (System.Text.Json.JsonException) { parsed = JsonValue.Create(body); }
        }
        return new JsonObject { ["status"] = (int)response.StatusCode, ["body"] = parsed };
    }
}
