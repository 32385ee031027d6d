using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Cli.Remote;

/// <summary>One answer of the host: status, parsed JSON body (null when none), raw text.</summary>
internal sealed record ApiResponse(int Status, JsonNode? Body, string Text)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>The host is unreachable (refused, DNS, timeout): exit code 5.</summary>
internal sealed class HostUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// HTTP over the host's API. Credentials: a token starting with <c>ark_</c> is an API key, sent as
/// <c>Authorization: ApiKey &lt;key&gt;</c>; any other token is sent as <c>Authorization: Bearer &lt;token&gt;</c>;
/// <c>--user</c>/<c>--roles</c> send the development headers <c>X-Dev-User</c>/<c>X-Dev-Roles</c>.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(Connection connection, CliEnvironment env)
    {
        _http = env.Handler is null ? new HttpClient() : new HttpClient(env.Handler, disposeHandler: false);
        _http.BaseAddress = new Uri(connection.Url + "/");
        _http.Timeout = env.Timeout;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("agentrt/1.0");
        if (connection.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = token.StartsWith("ark_", StringComparison.Ordinal)
                ? new AuthenticationHeaderValue("ApiKey", token)
                : new AuthenticationHeaderValue("Bearer", token);
        }
        if (connection.User is { } user) _http.DefaultRequestHeaders.Add("X-Dev-User", user);
        if (connection.Roles is { } roles) _http.DefaultRequestHeaders.Add("X-Dev-Roles", roles);
    }

    public Task<ApiResponse> GetAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<ApiResponse> PostJsonAsync(string path, JsonNode? body, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);

    public Task<ApiResponse> PostTextAsync(string path, string text, string mediaType, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, new StringContent(text, Encoding.UTF8, mediaType), ct);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw new HostUnreachableException($"cannot reach {_http.BaseAddress}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new HostUnreachableException($"{_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s", e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? body = null;
            if (!string.IsNullOrWhiteSpace(text) && IsJson(response))
            {
                try { body = JsonNode.Parse(text); }
                catch (JsonException) { body = null; }
            }
            return new ApiResponse((int)response.StatusCode, body, text);
        }
    }

    private static bool IsJson(HttpResponseMessage r) =>
        r.Content.Headers.ContentType?.MediaType is { } m && (m.Contains("json", StringComparison.OrdinalIgnoreCase)) && !m.Contains("ndjson", StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _http.Dispose();
}
