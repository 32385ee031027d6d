using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace AgentRuntime.Engine.Tests.Governance;

/// <summary>
/// Tier: integration (randomized, seeded, reproducible) — one engine per run on a real PostgreSQL database, workers off, the
/// test drives slices in epochs and changes the world between them: the agent's stage moves, the agent is paused and
/// resumed, humans approve / edit / reject drafts, decide shadow cases and approve or reject approval tasks, and
/// instances are released from a wait between the agent's output and the action on it (so a stage can change in between).
/// Why: the stage rule is the product's promise. An independent checker — built only from the action ledger, the agent
/// decision rows, the task store and the test's own record of the stage and pause during each epoch, never from the
/// engine's enforcement code — must find zero actions outside the rule, zero while the agent is paused and zero forbidden
/// with enforcement on; and the same run with enforcement switched off through the internal test hook must be caught by
/// the same checker (so the checker is not vacuous).
/// </summary>
public sealed class GateIntegrityTests(ITestOutputHelper output)
{
    private const int Seed = 20261121;
    private const int Epochs = 30;
    private const int StartsPerEpoch = 4;

    internal const string Agent = """
        id: gi-agent
        kind: rules
        name: Gate integrity proposer
        owner: { name: Test Owner, email: owner@example.com }
        role: gi-decider
        stage: execute
        outputSchema: { type: object, required: [amount] }
        rules:
          - when: "input.amount <= 100"
            result: { amount: "input.amount" }
            confidence: 0.95
          - when: "true"
            result: { amount: "input.amount * 0.8" }
            confidence: 0.7
        """;

    internal const string Workflow = """
        id: gate-integrity
        owner: { name: Test Owner, email: owner@example.com }
        boundary:
          trigger: test
          allowedActions: [pay, reverse]
          forbiddenActions: [close-account]
          draftOnlyActions: [reverse]
        agents: [gi-agent]
        input:
          fields:
            amount: { type: number, required: true }
            path: { type: string, required: true }
        flowchart:
          start: propose
          nodes:
            - { id: propose, type: agent, inputs: { agent: gi-agent, input: input } }
            - { id: hold, type: wait, inputs: { signal: go } }
            - id: route
              type: decision
              inputs:
                branches:
                  - { port: forbidden, when: "input.path == 'forbidden'" }
                  - { port: draftonly, when: "input.path == 'draftonly'" }
                  - { port: review, when: "input.path == 'review'" }
            - id: pay
              type: action
              inputs:
                action: pay
                connector: record
                input: { amount: outputs.propose.result.amount }
                compensation: { action: reverse, connector: record }
            - id: close
              type: action
              inputs: { action: close-account, connector: record, input: { amount: input.amount } }
            - id: reverse
              type: action
              inputs: { action: reverse, connector: record, input: { amount: outputs.propose.result.amount } }
            - id: review
              type: approval
              inputs: { title: "Check {{ input.amount }}", data: outputs.propose.result, role: gi-approver }
            - id: pay_reviewed
              type: action
              inputs: { action: pay, connector: record, input: { amount: outputs.propose.result.amount } }
            - { id: done, type: end }
            - { id: stopped, type: end }
          edges:
            - { from: propose.done, to: hold }
            - { from: propose.low-confidence, to: hold }
            - { from: propose.failed, to: stopped }
            - { from: propose.invalid-output, to: stopped }
            - { from: hold.done, to: route }
            - { from: route.forbidden, to: close }
            - { from: route.draftonly, to: reverse }
            - { from: route.review, to: review }
            - { from: route.else, to: pay }
            - { from: review.approved, to: pay_reviewed }
            - { from: review.rejected, to: stopped }
            - { from: review.changes-requested, to: stopped }
            - { from: pay.done, to: done }
            - { from: close.done, to: done }
            - { from: reverse.done, to: done }
            - { from: pay_reviewed.done, to: done }
        """;

    private static readonly TaskActor Human = new("hana", ["gi-decider", "gi-approver"]);

    [Fact]
    public async Task No_action_runs_outside_the_stage_rule_while_stages_change_agents_pause_and_humans_decide()
    {
        var enforced = await RunAsync(enforce: true);
        output.WriteLine($"seed {Seed}, enforcement ON : {enforced}");
        var unenforced = await RunAsync(enforce: false);
        output.WriteLine($"seed {Seed}, enforcement OFF: {unenforced}");

        // The run exercised what it claims to: many instances, actions of every kind, every stage, pauses, human decisions.
        Assert.True(enforced.Instances >= 100, enforced.ToString());
        Assert.True(enforced.ActionsChecked >= 30, enforced.ToString());
        Assert.True(enforced.EpochsPaused > 0 && enforced.StagesSeen == 3 && enforced.HumanDecisions >= 20, enforced.ToString());
        Assert.True(enforced.GovernanceIncidents > 0, "the random run never provoked the enforcement: " + enforced);

        Assert.Equal(0, enforced.StageViolations);
        Assert.Equal(0, enforced.PausedViolations);
        Assert.Equal(0, enforced.ForbiddenViolations);
        Assert.Equal(0, enforced.AgentRunsWhilePaused);
        // Every pay_reviewed follows an approval of the agent's output in its instance: enforcement must let each one run
        // (the approval counts as human approval of the data it reviewed), whatever the agent's stage.
        Assert.True(enforced.ReviewedPays > 0, enforced.ToString());
        Assert.Equal(0, enforced.IncidentsAfterApproval);

        // Same seed, same world, enforcement switched off: the same checker must see the rule broken.
        Assert.True(unenforced.ForbiddenViolations > 0, unenforced.ToString());
        Assert.True(unenforced.StageViolations > 0, unenforced.ToString());
        Assert.True(unenforced.PausedViolations > 0, unenforced.ToString());
    }

    internal sealed record RunReport(int Instances, int ActionsChecked, int StageViolations, int PausedViolations, int ForbiddenViolations,
        int AgentRunsWhilePaused, int GovernanceIncidents, int HumanDecisions, int EpochsPaused, int StagesSeen, int ReviewedPays, int IncidentsAfterApproval)
    {
        public override string ToString() =>
            $"instances {Instances}, actions checked {ActionsChecked}, violations: stage {StageViolations}, while paused {PausedViolations}, forbidden {ForbiddenViolations}; " +
            $"agent runs while paused {AgentRunsWhilePaused}; governance incidents {GovernanceIncidents} (after an approval: {IncidentsAfterApproval}); " +
            $"reviewed pays {ReviewedPays}; human decisions {HumanDecisions}; epochs paused {EpochsPaused}; stages seen {StagesSeen}";
    }

    private sealed record Epoch(DateTimeOffset From, DateTimeOffset To, string Stage, bool Paused);

    private async Task<RunReport> RunAsync(bool enforce)
    {
        await using var host = await EngineTestHost.StartAsync(enforce ? "gateon" : "gateoff");
        host.Services.GetRequiredService<GovernanceOptions>().EnforceStageRules = enforce;
        var catalog = host.Services.GetRequiredService<AgentCatalog>();
        var stages = host.Services.GetRequiredService<StageService>();
        var tasks = host.Services.GetRequiredService<HumanTaskService>();
        Assert.Equal(AgentStoreOutcome.Registered, (await catalog.StoreAsync(AgentDocument.Parse(Agent, "gi-agent.yaml"), "test", "test")).Outcome);
        await PublishBypassingValidationAsync(host, Workflow);

        var random = new Random(Seed);
        var index = new Dictionary<Guid, int>();
        var epochs = new List<Epoch>();
        var stage = AgentStages.Execute;
        var paused = false;
        var humanDecisions = 0;
        string[] paths = ["pay", "pay", "pay", "pay", "forbidden", "draftonly", "draftonly", "review", "review", "review"];

        for (var e = 0; e < Epochs + 6; e++)
        {
            var draining = e >= Epochs; // the last epochs finish the work: agent resumed, everyone released, every task decided
            // 1. The world changes between slices: stage, kill switch.
            if (!draining && random.NextDouble() < 0.35)
            {
                stage = AgentStages.All[random.Next(3)];
                await SetStageAsync(host, stage);
            }
            if (!draining && random.NextDouble() < 0.25)
            {
                if (paused) await stages.ResumeAsync("gi-agent", "test", "ops");
                else await stages.PauseAsync("gi-agent", "test kill switch", "ops");
                paused = !paused;
            }
            else if (draining && paused)
            {
                await stages.ResumeAsync("gi-agent", "drain", "ops");
                paused = false;
            }
            // 2. New work.
            for (var i = 0; !draining && i < StartsPerEpoch; i++)
            {
                var input = new JsonObject { ["amount"] = random.Next(10, 300), ["path"] = paths[random.Next(paths.Length)] };
                var started = await host.Engine.StartAsync("gate-integrity", input);
                index[started.InstanceId] = index.Count;
            }
            // 3. Release some instances waiting between the agent's output and the action.
            foreach (var id in index.OrderBy(kv => kv.Value).Select(kv => kv.Key))
            {
                if (draining || random.NextDouble() < 0.4) await host.Engine.SignalAsync(id, "go", null);
            }
            // 4. Humans decide some open tasks: drafts approved / edited / rejected, shadow cases decided, reviews approved / rejected.
            var open = (await tasks.ListAsync(new HumanTaskQuery(States: [HumanTaskStates.Available, HumanTaskStates.Claimed], Limit: 1000)))
                .OrderBy(t => index.GetValueOrDefault(t.InstanceId ?? Guid.Empty)).ThenBy(t => t.NodeId, StringComparer.Ordinal).ToList();
            foreach (var task in open)
            {
                if (!draining && random.NextDouble() < 0.5) continue;
                var roll = random.NextDouble();
                TaskCompletion completion = task.Kind switch
                {
                    AgentTaskKinds.Draft when roll < 0.6 => new TaskCompletion(HumanTaskOutcomes.Approved),
                    AgentTaskKinds.Draft when roll < 0.8 => new TaskCompletion(HumanTaskOutcomes.Approved, Edit(task.Data, "draft", random)),
                    AgentTaskKinds.Draft => new TaskCompletion(HumanTaskOutcomes.Rejected),
                    AgentTaskKinds.Decide when roll < 0.9 => new TaskCompletion(HumanTaskOutcomes.Approved, new JsonObject
                    {
                        ["input"] = task.Data?["input"]?.DeepClone(),
                        ["decision"] = new JsonObject { ["amount"] = random.Next(10, 300) },
                    }),
                    AgentTaskKinds.Decide => new TaskCompletion(HumanTaskOutcomes.Rejected),
                    _ when roll < 0.7 => new TaskCompletion(HumanTaskOutcomes.Approved),
                    _ => new TaskCompletion(HumanTaskOutcomes.Rejected),
                };
                var result = await tasks.CompleteAsync(task.Id, Human, task.Revision, $"op-{task.Id}", completion);
                Assert.True(result.Succeeded, $"{result.Code}: {result.Detail}");
                humanDecisions++;
            }
            // 5. One epoch of execution, with the state of the world recorded for the checker.
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            var from = host.Clock.GetUtcNow();
            await host.RunUntilIdleAsync();
            epochs.Add(new Epoch(from, from + TimeSpan.FromSeconds(59), stage, paused));
            host.Clock.Advance(TimeSpan.FromSeconds(59));
        }
        return await CheckAsync(host, index.Count, epochs, humanDecisions);
    }

    /// <summary>
    /// Validation refuses a definition that names a forbidden action; the engine must hold the line even for one that got
    /// into the database some other way (hand-edited row, older validator). This stores the canonical model regardless.
    /// </summary>
    internal static async Task PublishBypassingValidationAsync(EngineTestHost host, string source)
    {
        var document = AgentRuntime.Definitions.Loading.DefinitionDocument.Parse(source, "bypass.yaml",
            host.Services.GetRequiredService<AgentRuntime.Engine.Activities.ActivityRegistry>().Catalog);
        Assert.NotNull(document.Definition);
        Assert.All(document.Problems.Where(p => p.IsError), p => Assert.Equal("AR213", p.Code)); // only the forbidden action
        await using var conn = new NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        await using (var w = new NpgsqlCommand("INSERT INTO workflows (id, name, latest_version, published_version, retired, created_at, updated_at) VALUES ($1, $1, 1, 1, false, now(), now())", conn))
        {
            w.Parameters.Add(new() { Value = document.Definition!.Id });
            await w.ExecuteNonQueryAsync();
        }
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO workflow_versions (workflow_id, version, content_hash, canonical_json, source_text, source_format, status, created_at, published_at)
            VALUES ($1, 1, $2, $3::jsonb, $4, 'yaml', 'published', now(), now())
            """, conn);
        cmd.Parameters.Add(new() { Value = document.Definition!.Id });
        cmd.Parameters.Add(new() { Value = document.ContentHash });
        cmd.Parameters.Add(new() { Value = document.CanonicalJson });
        cmd.Parameters.Add(new() { Value = source });
        await cmd.ExecuteNonQueryAsync();
    }

    private static JsonNode? Edit(JsonNode? data, string field, Random random)
    {
        var copy = data?.DeepClone() as JsonObject ?? [];
        copy[field] = new JsonObject { ["amount"] = random.Next(10, 300) };
        return copy;
    }

    private static async Task SetStageAsync(EngineTestHost host, string stage)
    {
        // The randomized run moves stages directly (promotion gating is tested elsewhere); enforcement reads this row.
        await using var conn = new NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("UPDATE agents SET stage = $1 WHERE id = 'gi-agent'", conn);
        cmd.Parameters.Add(new() { Value = stage });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The independent checker. For every executed action (ledger row): which epoch it ran in (its time), hence the agent's
    /// stage and pause then; which agent decision of its instance it acted on (the decision rows) and what a human did with
    /// it (decision rows, approval tasks). Rule: an action on the agent's output is allowed only if the output was produced
    /// in execute and the agent was in execute when the action ran, or a human approved that output (draft approved or
    /// edited; an approval task approved) — a shadow decision is the human's own and free to act on; a draft-only action
    /// needs a human approval; forbidden actions never; nothing on the agent's output while it is paused.
    /// </summary>
    private static async Task<RunReport> CheckAsync(EngineTestHost host, int instances, List<Epoch> epochs, int humanDecisions)
    {
        await using var conn = new NpgsqlConnection(host.ConnectionString);
        await conn.OpenAsync();
        var decisions = new Dictionary<Guid, List<(DateTimeOffset At, string Stage, string? Human)>>();
        var agentRunsWhilePaused = 0;
        await using (var cmd = new NpgsqlCommand("SELECT instance_id, created_at, stage, human_decision FROM agent_decisions ORDER BY created_at", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                var at = r.GetFieldValue<DateTimeOffset>(1);
                if (EpochAt(epochs, at) is { Paused: true }) agentRunsWhilePaused++;
                var list = decisions.TryGetValue(r.GetGuid(0), out var l) ? l : decisions[r.GetGuid(0)] = [];
                list.Add((at, r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
            }
        }
        var reviewsApproved = new HashSet<Guid>();
        await using (var cmd = new NpgsqlCommand("SELECT instance_id FROM human_tasks WHERE kind = 'approval' AND outcome = 'approved'", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) reviewsApproved.Add(r.GetGuid(0));
        }

        int checkedActions = 0, stageViolations = 0, pausedViolations = 0, forbiddenViolations = 0;
        await using (var cmd = new NpgsqlCommand("SELECT instance_id, node_id, action, created_at FROM action_ledger ORDER BY created_at", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                checkedActions++;
                var (instance, node, action, at) = (r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3));
                var epoch = EpochAt(epochs, at) ?? throw new InvalidOperationException($"action at {at:O} outside every epoch");
                if (action == "close-account")
                {
                    forbiddenViolations++;
                    continue;
                }
                // pay, reverse, pay_reviewed act on outputs.propose: the latest agent decision of the instance before the action.
                var decision = decisions.GetValueOrDefault(instance)?.LastOrDefault(d => d.At <= at);
                if (decision is null) { stageViolations++; continue; }
                if (epoch.Paused) pausedViolations++;
                var draftApproved = decision.Value.Stage == AgentStages.Draft && decision.Value.Human is "approved" or "edited";
                var shadowHuman = decision.Value.Stage == AgentStages.Shadow; // the node's output was the human's decision
                var reviewApproved = node == "pay_reviewed" && reviewsApproved.Contains(instance);
                var humanApproved = draftApproved || reviewApproved;
                bool allowed = action switch
                {
                    "reverse" => humanApproved,
                    _ => humanApproved || shadowHuman || (decision.Value.Stage == AgentStages.Execute && epoch.Stage == AgentStages.Execute),
                };
                if (!allowed) stageViolations++;
            }
        }
        var incidents = (int)await host.CountAsync("SELECT count(*) FROM incidents WHERE error_type LIKE '%GovernanceViolationException'");
        var afterApproval = (int)await host.CountAsync("SELECT count(*) FROM incidents WHERE error_type LIKE '%GovernanceViolationException' AND node_id = 'pay_reviewed'");
        var reviewedPays = (int)await host.CountAsync("SELECT count(*) FROM action_ledger WHERE node_id = 'pay_reviewed'");
        return new RunReport(instances, checkedActions, stageViolations, pausedViolations, forbiddenViolations, agentRunsWhilePaused, incidents,
            humanDecisions, epochs.Count(e => e.Paused), epochs.Select(e => e.Stage).Distinct().Count(), reviewedPays, afterApproval);
    }

    private static Epoch? EpochAt(List<Epoch> epochs, DateTimeOffset at) => epochs.FirstOrDefault(e => at >= e.From && at <= e.To);
}
