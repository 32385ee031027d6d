using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRuntime.Engine.Telemetry;

namespace AgentRuntime.Engine.Tests.Telemetry;

/// <summary>
/// Unit: the helper the <c>llm</c> agent calls produces GenAI-convention spans and metrics. Listeners see every source
/// in the process, so each test uses a model name of its own and filters on it.
/// </summary>
public sealed class GenAiTelemetryTests
{
    [Fact]
    public void A_chat_call_is_a_client_span_with_the_GenAI_attributes_and_records_tokens_cost_and_duration()
    {
        var model = $"model-{Guid.NewGuid():N}";
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.DisplayName.EndsWith(model, StringComparison.Ordinal)) lock (spans) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var points = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (i, l) => { if (i.Meter.Name == AgentRuntimeMetrics.MeterName) l.EnableMeasurementEvents(i); },
        };
        void Add(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags) d[t.Key] = t.Value;
            if ((string?)d.GetValueOrDefault(GenAiTelemetry.RequestModel) == model) lock (points) points.Add((i.Name, v, d));
        }
        meters.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        meters.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        meters.Start();

        using (var parent = EngineTelemetry.Source.StartActivity("activity agent"))
        using (var call = GenAiTelemetry.StartChatSpan("openai", model, agentId: "refund-proposer", agentStage: "draft", workflowId: "customer-refund",
                   endpoint: new Uri("http://llm.internal:8080/v1")))
        {
            Assert.Equal(parent!.SpanId, call.Activity!.ParentSpanId);
            call.RecordUsage(100, 20, responseModel: model + "-0613", finishReasons: ["stop"], responseId: "r1", costUsd: 0.01);
        }

        var span = Assert.Single(spans);
        Assert.Equal($"chat {model}", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem(GenAiTelemetry.OperationName));
        Assert.Equal("openai", span.GetTagItem(GenAiTelemetry.ProviderName));
        Assert.Equal("openai", span.GetTagItem(GenAiTelemetry.System));
        Assert.Equal(model, span.GetTagItem(GenAiTelemetry.RequestModel));
        Assert.Equal(model + "-0613", span.GetTagItem(GenAiTelemetry.ResponseModel));
        Assert.Equal(100L, span.GetTagItem(GenAiTelemetry.InputTokens));
        Assert.Equal(20L, span.GetTagItem(GenAiTelemetry.OutputTokens));
        Assert.Equal(new[] { "stop" }, span.GetTagItem(GenAiTelemetry.FinishReasons));
        Assert.Equal("llm.internal", span.GetTagItem(GenAiTelemetry.ServerAddress));
        Assert.Equal("refund-proposer", span.GetTagItem(GenAiTelemetry.AgentId));

        Assert.Equal(100, Assert.Single(points, p => p.Instrument == "gen_ai.client.token.usage" && (string?)p.Tags[GenAiTelemetry.TokenType] == "input").Value);
        Assert.Equal(20, Assert.Single(points, p => p.Instrument == "gen_ai.client.token.usage" && (string?)p.Tags[GenAiTelemetry.TokenType] == "output").Value);
        var cost = Assert.Single(points, p => p.Instrument == "agentruntime.agent.cost");
        Assert.Equal(0.01, cost.Value, 9);
        Assert.Equal("refund-proposer", cost.Tags[TelemetryAttributes.AgentId]);
        Assert.Equal("customer-refund", cost.Tags[TelemetryAttributes.WorkflowId]);
        Assert.Single(points, p => p.Instrument == "gen_ai.client.operation.duration" && !p.Tags.ContainsKey(GenAiTelemetry.ErrorType));
    }

    [Fact]
    public void A_failed_call_marks_the_span_and_the_duration_with_the_error_type()
    {
        var model = $"model-{Guid.NewGuid():N}";
        Activity? stopped = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.DisplayName.EndsWith(model, StringComparison.Ordinal)) stopped = a; },
        };
        ActivitySource.AddActivityListener(listener);

        using (var call = GenAiTelemetry.StartChatSpan("openai", model))
            call.RecordError(new TimeoutException("the model did not answer"));

        Assert.NotNull(stopped);
        Assert.Equal(ActivityStatusCode.Error, stopped.Status);
        Assert.Equal("System.TimeoutException", stopped.GetTagItem(GenAiTelemetry.ErrorType));
    }
}
