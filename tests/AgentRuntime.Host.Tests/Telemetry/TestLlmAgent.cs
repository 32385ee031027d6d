using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Host.Tests.Telemetry;

/// <summary>
/// Stands in for the <c>llm</c> agent (built on the agents branch) until it lands on main: it makes the same telemetry
/// calls the real one is to make around its model call (<see cref="GenAiTelemetry.StartChatSpan"/>, usage, a log line
/// inside the span), with fixed token counts the test can assert. Swap it for the real agent against a local
/// OpenAI-compatible endpoint when it is merged.
/// </summary>
public sealed class TestLlmAgent(ILogger<TestLlmAgent> logger) : IAgent
{
    public const string Id = "drafter";
    public const string Model = "test-model";
    public const int InputTokens = 123;
    public const int OutputTokens = 45;

    public AgentRegistration Registration { get; } = new(Id, "llm") { Model = Model, Stage = AgentStages.Draft, Owner = "tests" };

    public Task<AgentResult> InvokeAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        using var call = GenAiTelemetry.StartChatSpan("openai", Model, agentId: Id, agentStage: AgentStages.Draft, endpoint: new Uri("http://127.0.0.1:9/v1"));
        logger.LogInformation("Drafting a reply for instance {InstanceId}", request.InstanceId);
        call.RecordUsage(InputTokens, OutputTokens, responseModel: Model + "-2026", finishReasons: ["stop"], responseId: "chatcmpl-test", costUsd: 0.002);
        return Task.FromResult(new AgentResult(true, new JsonObject { ["reply"] = "Your refund is on its way." }, 0.72, "template reply"));
    }
}
