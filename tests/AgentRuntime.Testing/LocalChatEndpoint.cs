using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Testing;

/// <summary>
/// An OpenAI-compatible <c>/v1/chat/completions</c> served by Kestrel on 127.0.0.1 (real HTTP), answering what the test
/// queues, in the protocol's own shape (id, object, created, model, choices[].message, finish_reason, usage). It records
/// every request (headers and body) so a test can check what the SDK sent.
/// </summary>
public sealed class LocalChatEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _answers = new();

    private LocalChatEndpoint(WebApplication app) => _app = app;

    public ConcurrentQueue<(string? Authorization, JsonObject Body)> Requests { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public int PromptTokens { get; set; } = 120;
    public int CompletionTokens { get; set; } = 30;

    public void Answer(string content) => _answers.Enqueue(content);

    public static async Task<LocalChatEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new LocalChatEndpoint(app);
        app.MapPost("/v1/chat/completions", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            endpoint.Requests.Enqueue((request.Headers.Authorization.ToString(), body));
            var content = endpoint._answers.TryDequeue(out var a) ? a : "{}";
            var response = new JsonObject
            {
                ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12],
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = body["model"]?.GetValue<string>(),
                ["system_fingerprint"] = "fp_local",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
                    ["logprobs"] = null,
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = endpoint.PromptTokens,
                    ["completion_tokens"] = endpoint.CompletionTokens,
                    ["total_tokens"] = endpoint.PromptTokens + endpoint.CompletionTokens,
                },
            };
            return Results.Text(response.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        endpoint.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1";
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
