using System.Diagnostics;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// LLM calls in the OpenTelemetry GenAI semantic conventions. An <c>llm</c> agent wraps each model call:
/// <code>
/// using var call = GenAiTelemetry.StartChatSpan("openai", model, agentId: Registration.Id, endpoint: baseUrl);
/// var completion = await client.CompleteChatAsync(messages, options, ct);        // throws → call.RecordError(e)
/// call.RecordUsage(completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount,
///     responseModel: completion.Model, finishReasons: [completion.FinishReason.ToString()], responseId: completion.Id);
/// </code>
/// The span (<c>chat &lt;model&gt;</c>, kind client) is a child of the node's <c>activity agent</c> span. Disposing it
/// ends the span and records <c>gen_ai.client.operation.duration</c>; <see cref="GenAiChatSpan.RecordUsage"/> records
/// <c>gen_ai.client.token.usage</c> (input and output) and, given a cost, <c>agentruntime.agent.cost</c>. Prompt and
/// completion text are never put on spans (they may hold personal data).
/// </summary>
public static class GenAiTelemetry
{
    public const string OperationName = "gen_ai.operation.name";
    /// <summary>The current convention's provider attribute (e.g. <c>openai</c>, <c>azure.ai.openai</c>, <c>ollama</c>).</summary>
    public const string ProviderName = "gen_ai.provider.name";
    /// <summary>The older name of the provider attribute, still read by many backends; both are set.</summary>
    public const string System = "gen_ai.system";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseId = "gen_ai.response.id";
    public const string FinishReasons = "gen_ai.response.finish_reasons";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string TokenType = "gen_ai.token.type";
    public const string AgentId = "gen_ai.agent.id";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";

    /// <summary>
    /// Starts an LLM call: its span (when anyone listens) and its clock. <paramref name="providerName"/> names the API
    /// family (<c>openai</c> for any OpenAI-compatible endpoint unless a more specific name is known).
    /// </summary>
    public static GenAiChatSpan StartChatSpan(string providerName, string requestModel, string? agentId = null, string? agentStage = null,
        string? workflowId = null, Uri? endpoint = null, string operationName = "chat")
    {
        ArgumentException.ThrowIfNullOrEmpty(providerName);
        ArgumentException.ThrowIfNullOrEmpty(requestModel);
        var span = EngineTelemetry.Source.StartActivity($"{operationName} {requestModel}", ActivityKind.Client);
        if (span is not null)
        {
            span.SetTag(OperationName, operationName);
            span.SetTag(ProviderName, providerName);
            span.SetTag(System, providerName);
            span.SetTag(RequestModel, requestModel);
            if (agentId is not null)
            {
                span.SetTag(AgentId, agentId);
                span.SetTag(TelemetryAttributes.AgentId, agentId);
            }
            if (agentStage is not null) span.SetTag(TelemetryAttributes.AgentStage, agentStage);
            if (workflowId is not null) span.SetTag(TelemetryAttributes.WorkflowId, workflowId);
            if (endpoint is not null)
            {
                span.SetTag(ServerAddress, endpoint.Host);
                span.SetTag(ServerPort, endpoint.Port);
            }
        }
        return new GenAiChatSpan(span, operationName, providerName, requestModel, agentId, workflowId);
    }
}

/// <summary>One LLM call in progress. Dispose it when the call returns or fails.</summary>
public sealed class GenAiChatSpan : IDisposable
{
    private readonly string _operation;
    private readonly string _provider;
    private readonly string _model;
    private readonly string? _agentId;
    private readonly string? _workflowId;
    private readonly long _started = Stopwatch.GetTimestamp();
    private string? _errorType;
    private bool _disposed;

    internal GenAiChatSpan(Activity? activity, string operation, string provider, string model, string? agentId, string? workflowId)
    {
        Activity = activity;
        _operation = operation;
        _provider = provider;
        _model = model;
        _agentId = agentId;
        _workflowId = workflowId;
    }

    /// <summary>The span, or null when no tracer listens.</summary>
    public Activity? Activity { get; }

    /// <summary>
    /// Token usage (and optionally the estimated cost in US dollars) of the call: sets <c>gen_ai.usage.*</c> on the span and
    /// records <c>gen_ai.client.token.usage</c> once per token type and <c>agentruntime.agent.cost</c>.
    /// </summary>
    public void RecordUsage(long? inputTokens, long? outputTokens, string? responseModel = null, IReadOnlyList<string>? finishReasons = null,
        string? responseId = null, double? costUsd = null)
    {
        if (Activity is { } span)
        {
            if (inputTokens is { } i) span.SetTag(GenAiTelemetry.InputTokens, i);
            if (outputTokens is { } o) span.SetTag(GenAiTelemetry.OutputTokens, o);
            if (responseModel is not null) span.SetTag(GenAiTelemetry.ResponseModel, responseModel);
            if (responseId is not null) span.SetTag(GenAiTelemetry.ResponseId, responseId);
            if (finishReasons is { Count: > 0 }) span.SetTag(GenAiTelemetry.FinishReasons, finishReasons.ToArray());
        }
        if (inputTokens is { } input) RecordTokens(input, "input", responseModel);
        if (outputTokens is { } output) RecordTokens(output, "output", responseModel);
        if (costUsd is { } cost && _agentId is not null) AgentRuntimeMetrics.RecordCost(_workflowId, _agentId, _model, cost);
    }

    /// <summary>Marks the call failed: span status error with <c>error.type</c>, and the duration metric carries it too.</summary>
    public void RecordError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        RecordError(error.GetType().FullName ?? error.GetType().Name, error.Message);
    }

    public void RecordError(string errorType, string? description = null)
    {
        _errorType = errorType;
        Activity?.SetTag(GenAiTelemetry.ErrorType, errorType);
        Activity?.SetStatus(ActivityStatusCode.Error, description);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var tags = BaseTags();
        if (_errorType is not null) tags.Add(GenAiTelemetry.ErrorType, _errorType);
        AgentRuntimeMetrics.GenAiDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
        Activity?.Dispose();
    }

    private void RecordTokens(long count, string type, string? responseModel)
    {
        var tags = BaseTags();
        tags.Add(GenAiTelemetry.TokenType, type);
        if (responseModel is not null) tags.Add(GenAiTelemetry.ResponseModel, responseModel);
        AgentRuntimeMetrics.TokenUsage.Record(count, tags);
    }

    private TagList BaseTags() => new()
    {
        { GenAiTelemetry.OperationName, _operation }, { GenAiTelemetry.ProviderName, _provider }, { GenAiTelemetry.RequestModel, _model },
        { TelemetryAttributes.AgentId, _agentId ?? "" },
    };
}
