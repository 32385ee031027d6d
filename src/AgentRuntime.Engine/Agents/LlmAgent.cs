using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenAI;
using OpenAI.Chat;

namespace AgentRuntime.Engine.Agents;

/// <summary>Where LLM agents call, beyond what their definitions say (section <c>Agents:Llm</c> in the host).</summary>
public sealed class LlmEndpointOptions
{
    public const string SectionName = "Agents:Llm";

    /// <summary>Used when an agent's definition names no base URL.</summary>
    public string? BaseUrl { get; set; }
    /// <summary>Used when the agent's <c>apiKeySetting</c> is unset or not found. Local endpoints (vLLM, Ollama) accept any key.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Per-agent overrides: agent id → base URL (e.g. to point a staging host at a local model).</summary>
    public Dictionary<string, string> BaseUrls { get; set; } = [];
    /// <summary>Resolves a key name (the agent's <c>apiKeySetting</c>) to its value: configuration in the host, environment otherwise.</summary>
    /// <remarks>Not a setting itself: the host supplies it with <see cref="UseSettingResolver"/>; secrets never sit in definitions.</remarks>
    public Func<string, string?> ResolveSetting { get; private set; } = Environment.GetEnvironmentVariable;

    /// <summary>Resolves named secrets (an agent's <c>apiKeySetting</c>, an http agent's <c>tokenSetting</c>) through <paramref name="resolver"/>.</summary>
    public LlmEndpointOptions UseSettingResolver(Func<string, string?> resolver)
    {
        ResolveSetting = resolver;
        return this;
    }
}

/// <summary>
/// The <c>llm</c> agent kind: one chat completion through the OpenAI .NET SDK against any OpenAI-compatible endpoint
/// (OpenAI, Azure OpenAI's v1 endpoint, vLLM, Ollama, LM Studio). The model is asked for structured output: a JSON object
/// <c>{result, confidence, rationale}</c> whose <c>result</c> follows the agent's output schema (sent as the response format's
/// JSON schema). The answer is parsed and checked here; anything unusable (not JSON, missing fields, off-schema, confidence
/// outside 0..1) is an <see cref="AgentResult.Invalid"/> answer, which the node routes to <c>invalid-output</c>. Token usage
/// comes from the response's <c>usage</c>; cost from the definition's per-1K prices. Transport failures, 429 and 5xx are
/// retried by the SDK's pipeline (<c>llm.retries</c>, default 2) under a per-try network timeout (<c>llm.timeout</c>, default
/// 60s); when they persist the call throws and the node's retry policy / error port / incident takes over.
/// </summary>
public sealed class LlmAgent : IAgent
{
    private readonly AgentDefinition _definition;
    private readonly ChatClient _client;
    private readonly string _model;
    private readonly Uri _endpoint;
    private readonly ILogger _logger;

    public LlmAgent(AgentDefinition definition, int version, LlmEndpointOptions endpoint, ILogger<LlmAgent>? logger = null)
    {
        _definition = definition;
        _logger = logger ?? NullLogger<LlmAgent>.Instance;
        _model = definition.Model?.Name ?? throw new InvalidOperationException($"Agent '{definition.Id}' names no model.");
        var baseUrl = endpoint.BaseUrls.GetValueOrDefault(definition.Id) ?? definition.Llm?.BaseUrl ?? endpoint.BaseUrl
            ?? throw new InvalidOperationException($"Agent '{definition.Id}' has no base URL (llm.baseUrl or Agents:Llm:BaseUrl).");
        var key = (definition.Llm?.ApiKeySetting is { } setting ? endpoint.ResolveSetting(setting) : null) ?? endpoint.ApiKey ?? "no-key";
        var timeout = Durations.TryParse(definition.Llm?.Timeout, out var t) && t > TimeSpan.Zero ? t : TimeSpan.FromSeconds(60);
        _endpoint = new Uri(baseUrl);
        var options = new OpenAIClientOptions
        {
            Endpoint = _endpoint,
            NetworkTimeout = timeout,
            RetryPolicy = new ClientRetryPolicy(Math.Max(0, definition.Llm?.Retries ?? 2)),
            UserAgentApplicationId = "agentruntime",
        };
        _client = new ChatClient(_model, new ApiKeyCredential(key), options);
        Registration = new AgentRegistration(definition.Id, "llm")
        {
            Model = _model + (definition.Model?.Version is { } mv ? $"@{mv}" : ""),
            PromptVersion = definition.Prompt?.Version,
            Owner = definition.Owner?.Name,
            ConfidenceThreshold = definition.ConfidenceThreshold ?? 0.5,
        };
        Version = version;
    }

    public AgentRegistration Registration { get; }
    public int Version { get; }

    public async Task<AgentResult> InvokeAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>
        {
            new SystemChatMessage(SystemPrompt()),
            new UserChatMessage(UserPrompt(request)),
        };
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("agent_answer", BinaryData.FromString(AnswerSchema().ToJsonString()), "The agent's answer", jsonSchemaIsStrict: false),
        };
        if (_definition.Model?.Temperature is { } temp) options.Temperature = (float)temp;
        if (_definition.Model?.MaxTokens is { } max) options.MaxOutputTokenCount = max;

        // One GenAI client span per model call (OpenTelemetry GenAI conventions), child of the agent node's activity span.
        using var call = GenAiTelemetry.StartChatSpan("openai", _model, agentId: _definition.Id,
            workflowId: request.Scope.Instance?["workflowId"]?.ToString(), endpoint: _endpoint);
        ChatCompletion completion;
        try
        {
            completion = (await _client.CompleteChatAsync(messages, options, cancellationToken)).Value;
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException or OperationCanceledException or TimeoutException)
        {
            call.RecordError(e);
            throw;
        }
        var usage = Usage(completion.Usage);
        call.RecordUsage(usage?.InputTokens, usage?.OutputTokens, completion.Model,
            [completion.FinishReason.ToString().ToLowerInvariant()], completion.Id, usage is null ? null : (double)usage.Cost);
        // Inside the chat span: the record carries its trace and span ids.
        _logger.LogDebug("Agent {AgentId}, instance {InstanceId}, node {NodeId}: model {Model} answered {ResponseId} ({InputTokens} input, {OutputTokens} output tokens, {FinishReason})",
            _definition.Id, request.InstanceId, request.NodeId, completion.Model, completion.Id, usage?.InputTokens, usage?.OutputTokens, completion.FinishReason);
        var text = completion.Content.Count > 0 ? string.Concat(completion.Content.Select(p => p.Text)) : completion.Refusal;
        if (string.IsNullOrWhiteSpace(text)) return AgentResult.Invalid("the model returned no content", null, usage);

        JsonObject answer;
        try
        {
            answer = JsonNode.Parse(StripFences(text)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            return AgentResult.Invalid($"the model's answer is not a JSON object: {e.Message}", JsonValue.Create(Truncate(text)), usage);
        }
        if (answer["decided"] is JsonValue dv && dv.GetValueKind() == JsonValueKind.False)
            return AgentResult.CouldNotDecide(answer["rationale"]?.ToString() ?? "the model could not decide") with { Usage = usage };
        if (!answer.TryGetPropertyValue("result", out var result))
            return AgentResult.Invalid("the model's answer has no 'result'", answer.DeepClone(), usage);
        if (answer["confidence"] is not JsonValue cv || cv.GetValueKind() != JsonValueKind.Number || cv.GetValue<double>() is < 0 or > 1)
            return AgentResult.Invalid("the model's answer has no confidence between 0 and 1", answer.DeepClone(), usage);
        var errors = OutputSchema.Check(_definition.OutputSchema, result);
        if (errors.Count > 0)
            return AgentResult.Invalid("the result does not match the output schema: " + string.Join("; ", errors), answer.DeepClone(), usage);
        return new AgentResult(true, result?.DeepClone(), cv.GetValue<double>(), answer["rationale"]?.ToString()) { Usage = usage };
    }

    private string SystemPrompt() =>
        (_definition.Prompt?.System ?? $"You are {_definition.Name ?? _definition.Id}. {_definition.Description}").Trim() + "\n\n" +
        "Answer with one JSON object only: {\"result\": <your answer, following the result schema>, \"confidence\": <0..1, how sure you are>, " +
        "\"rationale\": <one or two sentences specific to this case>}. If you cannot decide, answer {\"decided\": false, \"rationale\": <why>}.";

    private string UserPrompt(AgentRequest request)
    {
        if (_definition.Prompt?.Template is not { } template) return request.Input?.ToJsonString() ?? "{}";
        var scope = new ExpressionScope
        {
            Input = request.Scope.Input,
            Vars = RulesAgent.WithAgentInput(request.Scope.Vars, request.Input),
            Outputs = request.Scope.Outputs,
            Instance = request.Scope.Instance,
            TimeProvider = request.TimeProvider,
        };
        return Expressions.Render(template, scope);
    }

    private JsonObject AnswerSchema() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["result"] = _definition.OutputSchema?.DeepClone() ?? new JsonObject { ["type"] = "object" },
            ["confidence"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 },
            ["rationale"] = new JsonObject { ["type"] = "string" },
        },
        ["required"] = new JsonArray("result", "confidence", "rationale"),
    };

    private AgentUsage? Usage(ChatTokenUsage? usage)
    {
        if (usage is null) return null;
        var cost = (decimal)(usage.InputTokenCount / 1000.0 * (_definition.Model?.InputCostPer1K ?? 0)
                             + usage.OutputTokenCount / 1000.0 * (_definition.Model?.OutputCostPer1K ?? 0));
        return new AgentUsage(usage.InputTokenCount, usage.OutputTokenCount, decimal.Round(cost, 6), _model);
    }

    /// <summary>Some local models wrap JSON in a Markdown fence even when asked not to.</summary>
    private static string StripFences(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith("```", StringComparison.Ordinal)) return t;
        var firstLine = t.IndexOf('\n', StringComparison.Ordinal);
        var end = t.LastIndexOf("```", StringComparison.Ordinal);
        return firstLine > 0 && end > firstLine ? t[(firstLine + 1)..end] : t;
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000];

    internal static string Invariant(double d) => d.ToString(CultureInfo.InvariantCulture);
}
