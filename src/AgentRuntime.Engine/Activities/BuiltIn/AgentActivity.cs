using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>
/// Runs an agent and applies its stage, read from the database at this very step (whatever the definition's shape):
/// <list type="bullet">
/// <item><b>execute</b>: the output flows on (ports done / low-confidence / invalid-output / failed). Actions may act on it.</item>
/// <item><b>draft</b>: a usable output becomes an approval task (the draft with confidence and rationale); the node waits.
/// Approved → the draft flows on as the node's output (<c>done</c>); edited → the edited result flows on (<c>done</c>);
/// rejected → <c>failed</c>. Either way the output counts as human-approved in this instance.</item>
/// <item><b>shadow</b>: the agent runs on the live input, its output is stored as a proposal (the decision row) and drives
/// nothing. A decide task goes to the agent's role with the input only, never the proposal; the human's answer flows on
/// as the node's output (<c>done</c>; rejected → <c>failed</c>), and agreement between proposal and decision is recorded.</item>
/// </list>
/// Every run leaves one <c>agent_decisions</c> row (input, output, stage, confidence, tokens, cost, outcome, then the human
/// decision, agreement, edited), written in the step's own commit. A paused agent never gets here: the kill-switch gate
/// holds the instance before this node.
/// </summary>
public sealed class AgentActivity(AgentDirectory directory, IAgentTaskPort tasks) : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Agent;

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var agentId = context.GetString("agent") ?? throw new InvalidOperationException("The agent node names no agent.");
        var handle = await directory.GetAsync(agentId, context.CancellationToken) ?? throw new InvalidOperationException($"No agent '{agentId}' is registered.");
        var state = handle.State;
        var input = context.HasInput("input") ? context.EvaluateInput("input") : context.Scope.Input?.DeepClone();
        context.RecordInput(input);
        var upstream = context.CurrentTaints;

        var t0 = Stopwatch.GetTimestamp();
        var result = await handle.Agent.InvokeAsync(
            new AgentRequest(context.InstanceId, context.Node.Id, input, context.Scope, context.TimeProvider) { IdempotencyKey = context.DefaultIdempotencyKey },
            context.CancellationToken);
        var durationMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        var invalid = result.InvalidOutput;
        if (invalid is null && result.Decided)
        {
            var errors = OutputSchema.Check(state.Definition.OutputSchema, result.Result);
            if (errors.Count > 0) invalid = "the result does not match the output schema: " + string.Join("; ", errors);
        }
        var threshold = context.GetNumber("confidenceThreshold") ?? state.ConfidenceThreshold;
        var port = !result.Decided ? "failed" : invalid is not null ? "invalid-output" : result.Confidence < threshold ? "low-confidence" : "done";

        var decisionId = Guid.CreateVersion7(context.TimeProvider.GetUtcNow());
        var output = new JsonObject
        {
            ["agent"] = agentId,
            ["agentVersion"] = state.Version,
            ["stage"] = state.Stage,
            ["decisionId"] = decisionId.ToString(),
            ["result"] = result.Result?.Parent is null ? result.Result : result.Result.DeepClone(),
            ["confidence"] = result.Confidence,
            ["rationale"] = result.Rationale,
        };
        if (invalid is not null) output["invalidReason"] = invalid;
        if (result.Usage is { } u) output["usage"] = new JsonObject { ["inputTokens"] = u.InputTokens, ["outputTokens"] = u.OutputTokens, ["cost"] = u.Cost };

        var usable = port is "done" or "low-confidence";
        var opensTask = state.Stage == AgentStages.Shadow || (state.Stage == AgentStages.Draft && usable);
        string? taskId = null;
        Bookmark? bookmark = null;
        if (opensTask)
        {
            var role = state.Definition.Role ?? context.Definition.Owner?.Email ?? context.Definition.Owner?.Name;
            var request = state.Stage == AgentStages.Draft
                ? new AgentTaskRequest(AgentTaskKinds.Draft, decisionId, agentId, $"Review the draft of {state.Definition.Name ?? agentId}", role, null,
                    new JsonObject { ["draft"] = output["result"]?.DeepClone(), ["confidence"] = result.Confidence, ["rationale"] = result.Rationale, ["input"] = input?.DeepClone() },
                    "Approve the draft as it is, edit it and approve, or reject it. Nothing acts on it before you decide.")
                : new AgentTaskRequest(AgentTaskKinds.Decide, decisionId, agentId, $"Decide: {state.Definition.Name ?? agentId}", role, null,
                    new JsonObject { ["input"] = input?.DeepClone(), ["decision"] = null },
                    "Decide this case yourself. Your decision is what the workflow acts on.");
            bookmark = await tasks.OpenAsync(context, request);
            taskId = bookmark.Data?["taskId"]?.GetValue<string>() ?? bookmark.Signal ?? decisionId.ToString();
            context.RecordInput(input); // the task store recorded its own summary; the journal keeps what the agent was given
        }

        context.Transaction.Add(InsertDecision(context, decisionId, state, input, output, result, port, invalid, durationMs, taskId));
        if (result.Decided)
        {
            // The agent's own confidence, once per decision and at every stage (a shadow proposal's too, which no output
            // carries), counted when the decision commits. A human's answer later is not the agent's confidence.
            var (workflowId, stage, confidence) = (context.WorkflowId, state.Stage, result.Confidence);
            context.OnCommitted(() => AgentRuntimeMetrics.RecordConfidence(workflowId, agentId, stage, confidence));
        }

        if (!opensTask)
        {
            // execute (or a draft with nothing usable to approve): the output is the agent's, not yet approved by anyone.
            var own = new List<AgentTaint> { new(agentId, decisionId.ToString(), state.Stage) };
            Provenance.Merge(own, upstream);
            context.SetOutputTaints(own);
            return ActivityResult.Outcome(port, output);
        }

        var scratch = context.NodeState;
        scratch["decisionId"] = decisionId.ToString();
        scratch["stage"] = state.Stage;
        scratch["agent"] = agentId;
        scratch["agentVersion"] = state.Version;
        scratch["proposal"] = output.DeepClone();
        scratch["upstream"] = new JsonArray(upstream.Select(t => (JsonNode?)t.Decision).ToArray());
        // Shadow: the proposal must drive nothing, so nothing of it is exposed as the node's output while it waits.
        return ActivityResult.Wait(bookmark!, state.Stage == AgentStages.Draft
            ? new JsonObject { ["agent"] = agentId, ["stage"] = state.Stage, ["decisionId"] = decisionId.ToString(), ["status"] = "awaiting-approval" }
            : null);
    }

    public ValueTask<ActivityResult> ResumeAsync(ActivityContext context, BookmarkResume resume)
    {
        var scratch = context.NodeState;
        var decisionId = scratch["decisionId"]!.GetValue<string>();
        var stage = scratch["stage"]!.GetValue<string>();
        var agentId = scratch["agent"]!.GetValue<string>();
        var proposal = scratch["proposal"]!.AsObject();
        var upstream = scratch["upstream"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
        var answer = tasks.ReadAnswer(resume);
        var now = context.TimeProvider.GetUtcNow();
        context.NodeState.Clear();

        if (stage == AgentStages.Draft)
        {
            var output = proposal.DeepClone().AsObject();
            output.Remove("usage");
            output["humanDecision"] = answer.Outcome;
            output["decidedBy"] = answer.Actor;
            if (answer.Outcome is "approved" or "edited")
            {
                var edited = answer.Outcome == "edited" && answer.Data is not null && !JsonNode.DeepEquals(answer.Data, proposal["result"]);
                if (edited) output["result"] = answer.Data!.DeepClone();
                output["edited"] = edited;
                context.Transaction.Add(UpdateDecision(decisionId, edited ? "edited" : "approved", answer, edited ? answer.Data : null, null, edited, now));
                var workflowId = context.WorkflowId;
                context.OnCommitted(() => AgentRuntimeMetrics.RecordDraftReview(workflowId, agentId, edited, edited ? "edited" : "approved"));
                // A human approved this output (and, by approving it, what it was derived from) in this instance.
                context.MarkHumanApproved([decisionId, .. upstream]);
                context.SetOutputTaints([new AgentTaint(agentId, decisionId, stage, Approved: true)]);
                return ValueTask.FromResult(ActivityResult.Outcome("done", output));
            }
            context.Transaction.Add(UpdateDecision(decisionId, "rejected", answer, null, null, null, now));
            var rejectedIn = context.WorkflowId;
            context.OnCommitted(() => AgentRuntimeMetrics.RecordDraftReview(rejectedIn, agentId, edited: false, "rejected"));
            context.SetOutputTaints([new AgentTaint(agentId, decisionId, stage)]);
            return ValueTask.FromResult(ActivityResult.Outcome("failed", output));
        }

        // Shadow: the human's answer is the node's output; the proposal is only compared with it.
        var decided = answer.Outcome is "decided" or "approved" or "edited";
        var agreement = decided ? Compare(proposal, answer.Data, context) : (bool?)null;
        context.Transaction.Add(UpdateDecision(decisionId, decided ? "decided" : "rejected", answer, answer.Data, agreement, null, now));
        if (agreement is { } agreed)
        {
            var comparedIn = context.WorkflowId;
            context.OnCommitted(() => AgentRuntimeMetrics.RecordShadowComparison(comparedIn, agentId, agreed));
        }
        var human = new JsonObject
        {
            ["agent"] = agentId,
            ["stage"] = stage,
            ["decisionId"] = decisionId,
            ["result"] = answer.Data?.DeepClone(),
            ["confidence"] = 1.0,
            ["rationale"] = answer.Comment ?? $"decided by {answer.Actor ?? "a human"}",
            ["humanDecision"] = decided ? "decided" : "rejected",
            ["decidedBy"] = answer.Actor,
        };
        context.SetOutputTaints([]); // a human's decision derives from no agent output
        return ValueTask.FromResult(ActivityResult.Outcome(decided ? "done" : "failed", human));
    }

    private bool Compare(JsonObject proposal, JsonNode? decision, ActivityContext context)
    {
        var proposed = proposal["result"];
        var comparator = directory.ComparatorOf(proposal["agent"]!.GetValue<string>(), proposal["agentVersion"]?.GetValue<int>() ?? 0);
        return AgentComparator.Agrees(comparator, proposed, decision, context.TimeProvider);
    }

    private static NpgsqlBatchCommand InsertDecision(ActivityContext context, Guid id, AgentState state, JsonNode? input, JsonObject output,
        AgentResult result, string outcome, string? invalid, double durationMs, string? taskId)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO agent_decisions (id, agent_id, agent_version, workflow_id, workflow_version, instance_id, node_id, visit, stage, input, output,
                confidence, rationale, outcome, invalid_reason, input_tokens, output_tokens, cost, duration_ms, task_id, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
            """);
        var p = cmd.Parameters;
        p.Add(InstanceStore.P(id));
        p.Add(InstanceStore.P(state.Id));
        p.Add(InstanceStore.P(state.Version));
        p.Add(InstanceStore.P(context.WorkflowId));
        p.Add(InstanceStore.P(context.Version));
        p.Add(InstanceStore.P(context.InstanceId));
        p.Add(InstanceStore.P(context.Node.Id));
        p.Add(InstanceStore.P(context.Visit));
        p.Add(InstanceStore.P(state.Stage));
        p.Add(Json(input));
        p.Add(Json(output));
        p.Add(new NpgsqlParameter { Value = result.Decided ? result.Confidence : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        p.Add(InstanceStore.NullableText(result.Rationale));
        p.Add(InstanceStore.P(outcome));
        p.Add(InstanceStore.NullableText(invalid));
        p.Add(InstanceStore.P(result.Usage?.InputTokens ?? 0));
        p.Add(InstanceStore.P(result.Usage?.OutputTokens ?? 0));
        p.Add(InstanceStore.P(result.Usage?.Cost ?? 0m));
        p.Add(InstanceStore.P(durationMs));
        p.Add(InstanceStore.NullableText(taskId));
        p.Add(InstanceStore.P(context.TimeProvider.GetUtcNow()));
        return cmd;
    }

    private static NpgsqlBatchCommand UpdateDecision(string id, string decision, AgentTaskAnswer answer, JsonNode? humanOutput, bool? agreement, bool? edited, DateTimeOffset now)
    {
        var cmd = new NpgsqlBatchCommand("""
            UPDATE agent_decisions SET human_decision = $2, human_actor = $3, human_output = $4, agreement = $5, edited = $6, decided_at = $7
             WHERE id = $1
            """);
        var p = cmd.Parameters;
        p.Add(InstanceStore.P(Guid.Parse(id)));
        p.Add(InstanceStore.P(decision));
        p.Add(InstanceStore.NullableText(answer.Actor));
        p.Add(Json(humanOutput));
        p.Add(new NpgsqlParameter { Value = (object?)agreement ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        p.Add(new NpgsqlParameter { Value = (object?)edited ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        p.Add(InstanceStore.P(now));
        return cmd;
    }

    private static NpgsqlParameter Json(JsonNode? node) =>
        node is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb } : InstanceStore.Jsonb(node.ToJsonString());
}
