using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Telemetry;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Host.Tests.Telemetry;

/// <summary>
/// Functional: the real host exports traces, metrics and logs over OTLP/HTTP, configured only by <c>OTEL_*</c> settings,
/// to a receiver the test runs itself; the test reads back what arrived on the wire. The instance runs a rules agent and
/// the real <c>llm</c> agent (the OpenAI SDK
/// over real HTTP to an OpenAI-compatible endpoint the test serves on 127.0.0.1), waits for a human approval, then for a signal: its second and third slices run later (hours later
/// in real life), each in a new trace that must link back to the span the instance started in.
/// </summary>
public sealed class OtlpExportTests
{
    private const string DrafterId = "drafter";
    private const string Model = "test-model";
    private const int PromptTokens = 123;
    private const int CompletionTokens = 45;

    private readonly string _workflowId = $"otel-{Guid.NewGuid():N}"[..20];

    /// <summary>The agent under test: kind llm, stage execute (its output flows on to the workflow's own approval node).</summary>
    private static string Drafter(string baseUrl) => $$$"""
        id: {{{DrafterId}}}
        kind: llm
        name: Reply drafter
        owner: { name: Tess Tracer, email: tess@example.com }
        stage: execute
        model: { name: {{{Model}}}, temperature: 0, inputCostPer1K: 0.5, outputCostPer1K: 1.5 }
        prompt:
          version: v1
          system: You draft replies to customers.
          template: "Draft a reply for a {{ vars.agentInput.decision }} of {{ vars.agentInput.amount }}."
        outputSchema:
          type: object
          required: [reply]
          properties:
            reply: { type: string }
        llm: { baseUrl: "{{{baseUrl}}}", apiKeySetting: OTEL_TEST_LLM_KEY, timeout: 10s, retries: 0 }
        """;

    private readonly string _governedId = $"otel-gov-{Guid.NewGuid():N}"[..24];
    private readonly string _faultingId = $"otel-fault-{Guid.NewGuid():N}"[..24];
    private readonly string _shadowId = $"shadow-{Guid.NewGuid():N}"[..16];
    private readonly string _draftId = $"draft-{Guid.NewGuid():N}"[..16];

    /// <summary>A rules agent at <paramref name="stage"/>: shadow proposes {decision}, draft writes {reply}; both offered to approvers.</summary>
    private static string RulesAgent(string id, string stage, string field, string value) => $$"""
        id: {{id}}
        kind: rules
        name: {{stage}} agent
        owner: { name: Tess Tracer, email: tess@example.com }
        role: approver
        stage: {{stage}}
        outputSchema: { type: object, required: [{{field}}] }
        comparator: { fields: [{{field}}] }
        rules:
          - when: "true"
            result: { {{field}}: "'{{value}}'" }
            confidence: 0.9
        """;

    /// <summary>A shadow agent then a draft agent: one shadow comparison and one draft review per instance.</summary>
    private string Governed => $$"""
        id: {{_governedId}}
        name: Telemetry of agent stages
        owner: { name: Tess Tracer, email: tess@example.com }
        input:
          fields:
            amount: { type: number, required: true }
        flowchart:
          start: propose
          nodes:
            - { id: propose, type: agent, inputs: { agent: {{_shadowId}}, input: input } }
            - { id: write, type: agent, inputs: { agent: {{_draftId}}, input: input } }
            - { id: done, type: end }
          edges:
            - { from: propose.done, to: write }
            - { from: write.done, to: done }
        """;

    /// <summary>A node that fails with no error port: an incident (instances faulted, kind incident).</summary>
    private string Faulting => $$"""
        id: {{_faultingId}}
        name: Telemetry of a fault
        owner: { name: Tess Tracer, email: tess@example.com }
        flowchart:
          start: call
          nodes:
            - { id: call, type: test-flaky }
            - { id: done, type: end }
          edges:
            - { from: call.done, to: done }
        """;

    private string Definition => $$"""
        id: {{_workflowId}}
        name: Telemetry end to end
        owner: { name: Tess Tracer, email: tess@example.com }
        input:
          fields:
            amount: { type: number, required: true }
        flowchart:
          start: triage
          nodes:
            - { id: triage, type: agent, inputs: { agent: triage, input: input } }
            - { id: draft, type: agent, inputs: { agent: {{DrafterId}}, input: outputs.triage.result } }
            - id: approve
              type: approval
              inputs: { title: Send the reply, data: outputs.draft.result, role: approver, sla: 4h }
            - { id: hold, type: wait, inputs: { signal: go } }
            - { id: done, type: end, inputs: { output: { reply: outputs.draft.result.reply } } }
          edges:
            - { from: triage.done, to: draft }
            - { from: draft.done, to: approve }
            - { from: approve.approved, to: hold }
            - { from: approve.rejected, to: done }
            - { from: hold.done, to: done }
        """;

    [Fact]
    public async Task Spans_metrics_and_logs_arrive_over_OTLP_and_a_resumed_slice_links_to_the_trace_the_instance_started_in()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var llm = await LocalChatEndpoint.StartAsync();
        llm.PromptTokens = PromptTokens;
        llm.CompletionTokens = CompletionTokens;
        llm.Answer("""{"result": {"reply": "Your refund is on its way."}, "confidence": 0.72, "rationale": "template reply"}""");
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-test-tenant=agentruntime",
            ["OTEL_SERVICE_NAME"] = "agentruntime-under-test",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=test,team=platform",
            // Short batches so the exports happen while the test runs; disposal flushes the rest anyway.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            // The llm agent's per-call Debug line, written inside the chat span.
            ["Logging:LogLevel:AgentRuntime.Engine.Agents.LlmAgent"] = "Debug",
            ["OTEL_TEST_LLM_KEY"] = "sk-otel-test",
            ["Auth:Mode"] = "Development",
        };
        string instanceId;
        var factory = (await HostFactory.CreateAsync("otlp", settings: settings)).WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddTestActivities()));
        await using (factory)
        {
            var client = factory.CreateClient();
            var stored = await factory.Services.GetRequiredService<AgentCatalog>()
                .StoreAsync(AgentDocument.Parse(Drafter(llm.BaseUrl), "drafter.yaml"), "test", "test");
            Assert.Equal(AgentStoreOutcome.Registered, stored.Outcome);
            var upload = await client.PostAsync("/api/v1/workflows?publish=true", new StringContent(Definition, Encoding.UTF8, "application/yaml"));
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());

            var start = await client.PostAsJsonAsync($"/api/v1/workflows/{_workflowId}/instances?mode=inline", new { amount = 40 });
            Assert.Equal(HttpStatusCode.Created, start.StatusCode);
            var started = (await start.Content.ReadFromJsonAsync<JsonObject>())!;
            instanceId = (string)started["id"]!;
            Assert.Equal("waiting", (string?)started["status"]);
            // The SDK really called the endpoint, with the key the agent's apiKeySetting names and the rendered prompt.
            var sent = Assert.Single(llm.Requests);
            Assert.Equal("Bearer sk-otel-test", sent.Authorization);
            Assert.Equal(Model, (string?)sent.Body["model"]);
            Assert.Contains("Draft a reply for a approve of 40.", sent.Body["messages"]![1]!["content"]!.ToString(), StringComparison.Ordinal);

            // First resume: a human approves (a durable task decision, applied by a worker loop in a later slice).
            var taskId = Engine.HumanTasks.HumanTasks.TaskIdFor(Guid.Parse(instanceId), "approve", 1);
            using var approve = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tasks/{taskId}/complete")
            {
                Content = JsonContent.Create(new { expectedRevision = 1, operationId = "bob-1", outcome = "approved" }),
            };
            approve.Headers.Add("X-Dev-User", "bob");
            approve.Headers.Add("X-Dev-Roles", "approver");
            var approved = await client.SendAsync(approve);
            Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
            await WaitForStatusAsync(client, instanceId, "waiting", "signal:go");

            // Second resume: a signal.
            var signal = await client.PostAsJsonAsync($"/api/v1/instances/{instanceId}/signals/go", new { by = "test" });
            Assert.True(signal.IsSuccessStatusCode, await signal.Content.ReadAsStringAsync());
            await WaitForStatusAsync(client, instanceId, "completed");

            // Agent stages: a shadow proposal compared with the human's own decision (agreeing), then a draft approved
            // with an edit. And an instance that faults (an incident).
            var catalog = factory.Services.GetRequiredService<AgentCatalog>();
            foreach (var (id, stage, field, value) in new[] { (_shadowId, "shadow", "decision", "approve"), (_draftId, "draft", "reply", "Thanks!") })
                Assert.Equal(AgentStoreOutcome.Registered, (await catalog.StoreAsync(AgentDocument.Parse(RulesAgent(id, stage, field, value), $"{id}.yaml"), "test", "test")).Outcome);
            foreach (var definition in new[] { Governed, Faulting })
            {
                var published = await client.PostAsync("/api/v1/workflows?publish=true", new StringContent(definition, Encoding.UTF8, "application/yaml"));
                Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
            }
            var faulted = await client.PostAsJsonAsync($"/api/v1/workflows/{_faultingId}/instances?mode=inline", new JsonObject());
            Assert.Equal("suspended", (string?)(await faulted.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
            var governed = await client.PostAsJsonAsync($"/api/v1/workflows/{_governedId}/instances?mode=inline", new { amount = 12 });
            var governedId = Guid.Parse((string)(await governed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
            var tasks = factory.Services.GetRequiredService<HumanTaskService>();
            var bob = new TaskActor("bob", ["approver"]);
            var decide = Assert.Single(await tasks.ListAsync(new HumanTaskQuery(InstanceId: governedId, States: ["available"])));
            Assert.Equal("agent-decide", decide.Kind);
            Assert.True((await tasks.CompleteAsync(decide.Id, bob, decide.Revision, "bob-decide", new TaskCompletion(HumanTaskOutcomes.Approved,
                new JsonObject { ["input"] = decide.Data!["input"]!.DeepClone(), ["decision"] = new JsonObject { ["decision"] = "approve" } }))).Succeeded);
            HumanTaskView? review = null;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); review is null; await Task.Delay(100))
            {
                Assert.True(DateTime.UtcNow < deadline, "the draft task never appeared");
                review = (await tasks.ListAsync(new HumanTaskQuery(InstanceId: governedId, States: ["available"]))).SingleOrDefault(t => t.Kind == "agent-draft");
            }
            var edit = review!.Data!.DeepClone().AsObject();
            edit["draft"] = new JsonObject { ["reply"] = "Thanks, your refund is on its way." };
            Assert.True((await tasks.CompleteAsync(review.Id, bob, review.Revision, "bob-draft", new TaskCompletion(HumanTaskOutcomes.Approved, edit))).Succeeded);
            await WaitForStatusAsync(client, governedId.ToString(), "completed");

            // Batches arrive while the host runs (not only at shutdown).
            Assert.True(await receiver.WaitUntilAsync(() => SlicesOf(receiver, instanceId).Count() >= 3, TimeSpan.FromSeconds(60)),
                "the slices' spans were not exported while the host ran");
            // So do metric points (every 500 ms). Wait for the last ones recorded, so the assertions below never hang on the
            // final flush at shutdown, which a loaded CI box once cut short: the faulted point was missing from it.
            bool Exported(string name, string attribute, string value) => receiver.Metrics.Any(m => m.Name == name
                && m.Points().Any(p => (string?)p.Attributes.GetValueOrDefault(attribute) == value));
            Assert.True(await receiver.WaitUntilAsync(() =>
                    Exported("agentruntime.instance.faulted", TelemetryAttributes.WorkflowId, _faultingId)
                    && Exported("agentruntime.instance.completed", TelemetryAttributes.WorkflowId, _governedId)
                    && Exported("agentruntime.agent.draft.reviews", TelemetryAttributes.AgentId, _draftId)
                    && Exported("agentruntime.agent.shadow.comparisons", TelemetryAttributes.AgentId, _shadowId), TimeSpan.FromSeconds(60)),
                "the faulted, governed, draft-review and shadow points were not exported while the host ran");
        }
        // Disposal stopped the host: providers flushed. Everything is in now.

        var spans = receiver.Spans.ToList();
        var start0 = Assert.Single(spans, s => s.Name == "instance.start" && (string?)s[TelemetryAttributes.InstanceId] == instanceId);
        var slices = SlicesOf(receiver, instanceId).OrderBy(s => s.Span.StartTimeUnixNano).ToList();
        Assert.Equal(3, slices.Count);
        var (first, decided, resumed) = (slices[0], slices[1], slices[2]);

        // Resource: the OTEL_* settings.
        Assert.Equal("agentruntime-under-test", first.ResourceAttributes["service.name"]);
        Assert.Equal("test", first.ResourceAttributes["deployment.environment.name"]);
        Assert.Equal("platform", first.ResourceAttributes["team"]);
        Assert.StartsWith(Environment.MachineName, (string?)first.ResourceAttributes["service.instance.id"]);

        // The start: ASP.NET Core's request span → instance.start → first slice → its activities.
        var request = Assert.Single(spans, s => s.SpanId == start0.ParentSpanId);
        Assert.Equal("Microsoft.AspNetCore", request.Scope);
        Assert.Equal(start0.TraceId, first.TraceId);
        Assert.Equal(start0.SpanId, first.ParentSpanId);
        Assert.Empty(first.Span.Links);
        Assert.Equal(_workflowId, start0[TelemetryAttributes.WorkflowId]);
        Assert.Equal(1L, start0[TelemetryAttributes.WorkflowVersion]);
        Assert.Equal("waiting", first[TelemetryAttributes.InstanceStatus]);

        var firstActivities = spans.Where(s => s.ParentSpanId == first.SpanId && s.Scope == EngineTelemetry.SourceName).ToList();
        var triage = Assert.Single(firstActivities, s => s.Name == "activity agent" && (string?)s[TelemetryAttributes.NodeId] == "triage");
        Assert.Equal("agent", triage[TelemetryAttributes.NodeType]);
        Assert.Equal("triage", triage[TelemetryAttributes.AgentId]);
        Assert.Equal("execute", triage[TelemetryAttributes.AgentStage]);
        Assert.Equal("done", triage[TelemetryAttributes.OutcomePort]);
        Assert.Equal(1L, triage[TelemetryAttributes.Attempt]);
        Assert.Equal(instanceId, triage[TelemetryAttributes.InstanceId]);
        Assert.Equal(_workflowId, triage[TelemetryAttributes.WorkflowId]);
        Assert.Equal(1L, triage[TelemetryAttributes.WorkflowVersion]);

        var draft = Assert.Single(firstActivities, s => (string?)s[TelemetryAttributes.NodeId] == "draft");
        Assert.Equal(DrafterId, draft[TelemetryAttributes.AgentId]);
        Assert.Equal("execute", draft[TelemetryAttributes.AgentStage]);
        Assert.Equal("done", draft[TelemetryAttributes.OutcomePort]);
        var chat = Assert.Single(spans, s => s.ParentSpanId == draft.SpanId && s.Name == $"chat {Model}");
        Assert.Equal(first.TraceId, chat.TraceId);
        Assert.Equal(3, (int)chat.Span.Kind); // SPAN_KIND_CLIENT
        Assert.Equal("openai", chat[GenAiTelemetry.ProviderName]);
        Assert.Equal("openai", chat[GenAiTelemetry.System]);
        Assert.Equal(Model, chat[GenAiTelemetry.RequestModel]);
        Assert.Equal(Model, chat[GenAiTelemetry.ResponseModel]); // the endpoint echoes the requested model
        Assert.Equal(DrafterId, chat[GenAiTelemetry.AgentId]);
        Assert.Equal(_workflowId, chat[TelemetryAttributes.WorkflowId]);
        Assert.Equal("127.0.0.1", chat[GenAiTelemetry.ServerAddress]);
        Assert.Equal((long)new Uri(llm.BaseUrl).Port, chat[GenAiTelemetry.ServerPort]);
        Assert.Equal((long)PromptTokens, chat[GenAiTelemetry.InputTokens]);
        Assert.Equal((long)CompletionTokens, chat[GenAiTelemetry.OutputTokens]);

        var approval = Assert.Single(firstActivities, s => s.Name == "activity approval");
        Assert.Equal("waiting", approval[TelemetryAttributes.ActivityStatus]);
        Assert.Null(approval[TelemetryAttributes.OutcomePort]);

        // After the approval: a new trace, linked to the start and to the approving request (the task decision it applies);
        // the approval leaves by approved, the wait starts waiting.
        Assert.NotEqual(start0.TraceId, decided.TraceId);
        Assert.Null(decided.ParentSpanId);
        Assert.Equal(2, decided.Span.Links.Count);
        var decidedLink = Assert.Single(decided.Span.Links, l => LinkKind(l) == "instance.start");
        Assert.Equal((start0.TraceId, start0.SpanId), (Otlp.Hex(decidedLink.TraceId), Otlp.Hex(decidedLink.SpanId)));
        var approvalLink = Assert.Single(decided.Span.Links, l => LinkKind(l) == "message");
        Assert.Equal("task", Otlp.Attributes(approvalLink.Attributes)[TelemetryAttributes.MessageKind]);
        var approvalRequest = Assert.Single(spans, s => s.SpanId == Otlp.Hex(approvalLink.SpanId));
        Assert.Equal(("Microsoft.AspNetCore", Otlp.Hex(approvalLink.TraceId)), (approvalRequest.Scope, approvalRequest.TraceId));
        Assert.NotEqual(request.TraceId, approvalRequest.TraceId); // the approving request, not the starting one
        var decidedActivities = spans.Where(s => s.ParentSpanId == decided.SpanId && s.Scope == EngineTelemetry.SourceName).ToList();
        Assert.Contains(decidedActivities, s => s.Name == "activity approval" && (string?)s[TelemetryAttributes.OutcomePort] == "approved");
        Assert.Contains(decidedActivities, s => s.Name == "activity wait" && (string?)s[TelemetryAttributes.ActivityStatus] == "waiting");
        Assert.Equal("waiting", decided[TelemetryAttributes.InstanceStatus]);

        // The resume: a new trace, linked to the span the instance started in and to the signal's request.
        Assert.NotEqual(start0.TraceId, resumed.TraceId);
        Assert.NotEqual(decided.TraceId, resumed.TraceId);
        Assert.Null(resumed.ParentSpanId);
        Assert.Equal(2, resumed.Span.Links.Count);
        var link = Assert.Single(resumed.Span.Links, l => LinkKind(l) == "instance.start");
        Assert.Equal(start0.TraceId, Otlp.Hex(link.TraceId));
        Assert.Equal(start0.SpanId, Otlp.Hex(link.SpanId));
        var signalLink = Otlp.Attributes(Assert.Single(resumed.Span.Links, l => LinkKind(l) == "message").Attributes);
        Assert.Equal(("signal", "go"), ((string?)signalLink[TelemetryAttributes.MessageKind], (string?)signalLink[TelemetryAttributes.MessageName]));
        var signalRequest = Assert.Single(spans, s => s.SpanId == Otlp.Hex(resumed.Span.Links.Single(l => LinkKind(l) == "message").SpanId));
        Assert.Equal("Microsoft.AspNetCore", signalRequest.Scope);
        Assert.NotEqual(approvalRequest.SpanId, signalRequest.SpanId); // the signal's own request
        Assert.NotEqual(request.TraceId, signalRequest.TraceId);
        Assert.Equal("completed", resumed[TelemetryAttributes.InstanceStatus]);
        var resumedActivities = spans.Where(s => s.ParentSpanId == resumed.SpanId && s.Scope == EngineTelemetry.SourceName).ToList();
        Assert.Contains(resumedActivities, s => s.Name == "activity wait" && (string?)s[TelemetryAttributes.OutcomePort] == "done");
        Assert.Contains(resumedActivities, s => s.Name == "activity end");

        // Npgsql spans: the resumed slice's commit is in its trace, under the slice.
        Assert.Contains(spans, s => s.Scope == "Npgsql" && s.TraceId == resumed.TraceId && s.ParentSpanId == resumed.SpanId);
        Assert.Contains(spans, s => s.Scope == "Npgsql" && s.TraceId == start0.TraceId);

        // Metrics, filtered to this test's workflow (other tests' engines share the process-wide meter).
        var metrics = receiver.Metrics.ToList();
        double Sum(string name, Func<Dictionary<string, object?>, bool>? where = null) => LastPoints(metrics, name)
            .Where(p => (string?)p.Attributes.GetValueOrDefault(TelemetryAttributes.WorkflowId) == _workflowId || (string?)p.Attributes.GetValueOrDefault(TelemetryAttributes.AgentId) == DrafterId)
            .Where(p => where?.Invoke(p.Attributes) ?? true).Sum(p => p.Value);
        ulong Count(string name, Func<Dictionary<string, object?>, bool> where) => LastPoints(metrics, name)
            .Where(p => (string?)p.Attributes.GetValueOrDefault(TelemetryAttributes.WorkflowId) == _workflowId && where(p.Attributes))
            .Aggregate(0UL, (n, p) => n + p.Count);

        Assert.Equal(1, Sum("agentruntime.instance.started"));
        Assert.Equal(1, Sum("agentruntime.instance.completed"));
        Assert.Equal(2UL, Count("agentruntime.activity.duration", a => (string?)a[TelemetryAttributes.NodeType] == "agent"));
        Assert.Equal(2UL, Count("agentruntime.activity.duration", a => (string?)a[TelemetryAttributes.NodeType] == "wait"));
        Assert.Equal(2UL, Count("agentruntime.activity.duration", a => (string?)a[TelemetryAttributes.NodeType] == "approval"));
        Assert.Equal(3UL, Count("agentruntime.slice.duration", _ => true));
        Assert.Equal(1UL, Count("agentruntime.approval.latency", a => (string?)a[TelemetryAttributes.ApprovalDecision] == "approved" && (string?)a[TelemetryAttributes.NodeId] == "approve"));
        Assert.True(Count("agentruntime.claim.lag", _ => true) >= 1);
        Assert.Equal(0.95 + 0.72, Sum("agentruntime.agent.confidence", a => a.ContainsKey(TelemetryAttributes.WorkflowId)), 6);
        Assert.Equal(PromptTokens, Sum("gen_ai.client.token.usage", a => (string?)a[GenAiTelemetry.TokenType] == "input"));
        Assert.Equal(CompletionTokens, Sum("gen_ai.client.token.usage", a => (string?)a[GenAiTelemetry.TokenType] == "output"));
        Assert.Contains(metrics, m => m.Name == "gen_ai.client.operation.duration");
        Assert.Contains(metrics, m => m.Name == "agentruntime.agent.cost" && m.Metric.Unit == "{USD}");
        // Tokens and cost per agent: the drafter's call, priced by its model card (0.5 / 1.5 USD per 1K tokens).
        double Of(string name, Func<Dictionary<string, object?>, bool> where) => LastPoints(metrics, name).Where(p => where(p.Attributes)).Sum(p => p.Value);
        Assert.Equal(PromptTokens + CompletionTokens, Of("gen_ai.client.token.usage", a => (string?)a.GetValueOrDefault(TelemetryAttributes.AgentId) == DrafterId));
        Assert.Equal((PromptTokens * 0.5 + CompletionTokens * 1.5) / 1000, Of("agentruntime.agent.cost", a => (string?)a.GetValueOrDefault(TelemetryAttributes.AgentId) == DrafterId), 6);
        // Faulted: the incident of the faulting workflow; started counts every start.
        Assert.Equal(1, Of("agentruntime.instance.faulted", a => (string?)a.GetValueOrDefault(TelemetryAttributes.WorkflowId) == _faultingId && (string?)a[TelemetryAttributes.FaultKind] == "incident"));
        Assert.Equal(1, Of("agentruntime.instance.started", a => (string?)a.GetValueOrDefault(TelemetryAttributes.WorkflowId) == _faultingId));
        Assert.Equal(1, Of("agentruntime.instance.completed", a => (string?)a.GetValueOrDefault(TelemetryAttributes.WorkflowId) == _governedId));
        // Shadow agreement rate and draft edit rate: one agreeing comparison, one draft approved with an edit.
        Assert.Equal(1, Of("agentruntime.agent.shadow.comparisons", a => (string?)a.GetValueOrDefault(TelemetryAttributes.AgentId) == _shadowId
            && (string?)a[TelemetryAttributes.WorkflowId] == _governedId && a[TelemetryAttributes.ShadowAgreed] is true));
        Assert.Equal(0, Of("agentruntime.agent.shadow.comparisons", a => (string?)a.GetValueOrDefault(TelemetryAttributes.AgentId) == _shadowId && a[TelemetryAttributes.ShadowAgreed] is false));
        Assert.Equal(1, Of("agentruntime.agent.draft.reviews", a => (string?)a.GetValueOrDefault(TelemetryAttributes.AgentId) == _draftId
            && a[TelemetryAttributes.DraftEdited] is true && (string?)a[TelemetryAttributes.ApprovalDecision] == "edited"));
        Assert.Equal(0.9 * 2, Of("agentruntime.agent.confidence", a => (string?)a.GetValueOrDefault(TelemetryAttributes.WorkflowId) == _governedId), 6);
        Assert.Contains(metrics, m => m.Name == "agentruntime.queue.depth" && m.Points().Any());
        Assert.Contains(metrics, m => m.Name == "http.server.request.duration"); // ASP.NET Core's own meter

        // Logs carry the trace and span of the work they describe: the llm agent's line about its model call, in the chat span.
        var log = Assert.Single(receiver.Logs, l => l.Body.Contains("answered", StringComparison.Ordinal) && l.Attributes.GetValueOrDefault("InstanceId") as string == instanceId);
        Assert.Equal(first.TraceId, log.TraceId);
        Assert.Equal(chat.SpanId, log.SpanId);
        Assert.Equal(instanceId, log.Attributes["InstanceId"]);
        Assert.Equal(DrafterId, log.Attributes["AgentId"]);
        Assert.Equal((long)PromptTokens, log.Attributes["InputTokens"]);
    }

    private static string? LinkKind(OtlpWire.Span.Types.Link link) =>
        Otlp.Attributes(link.Attributes).GetValueOrDefault(TelemetryAttributes.LinkKind) as string;

    private static IEnumerable<ReceivedSpan> SlicesOf(OtlpReceiver receiver, string instanceId) =>
        receiver.Spans.Where(s => s.Name == "instance.slice" && (string?)s[TelemetryAttributes.InstanceId] == instanceId);

    /// <summary>Cumulative temporality: the last export of a metric holds the totals.</summary>
    private static IEnumerable<(Dictionary<string, object?> Attributes, double Value, ulong Count)> LastPoints(List<ReceivedMetric> metrics, string name)
    {
        var last = metrics.LastOrDefault(m => m.Name == name && m.Points().Any(p => true));
        Assert.True(last is not null, $"metric {name} was not exported");
        // Several exports carry the same cumulative series: take, per attribute set, the latest.
        return metrics.Where(m => m.Name == name).SelectMany(m => m.Points())
            .GroupBy(p => string.Join(",", p.Attributes.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}")))
            .Select(g => g.Last());
    }

    private static async Task WaitForStatusAsync(HttpClient client, string instanceId, string status, string? waitingOn = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var instance = await client.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{instanceId}");
            if ((string?)instance!["status"] == status && (waitingOn is null || (string?)instance["waitingOn"] == waitingOn)) return;
            Assert.True(DateTime.UtcNow < deadline, $"instance still {(string?)instance["status"]}: {instance}");
            await Task.Delay(100);
        }
    }
}
