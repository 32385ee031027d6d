using System.CommandLine;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt agents show|promote|demote|pause|resume</c> over <c>/api/v1/agents</c> (pause = the kill switch).</summary>
internal static class AgentsCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("agents", "Inspect agents; promote, demote, pause (kill switch) or resume one.");
        var showId = new Argument<string>("agent") { Description = "Agent id." };
        command.Add(RemoteCommand.Create("show", "Show an agent: stage, paused, evidence.", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.GetAsync($"api/v1/agents/{RemoteCommand.Escape(parse.GetValue(showId)!)}", ct);
            // The answer is {agent, definition, evidence, pendingPromotion, promotionHistory}: the summary first, then the
            // evidence a promotion is judged on.
            return ctx.Finish(response, body => Output.Fields(ctx.Out, body, ("id", "agent.id"), ("name", "agent.name"), ("kind", "agent.kind"),
                ("version", "agent.version"), ("stage", "agent.stage"), ("paused", "agent.paused"), ("pause reason", "agent.pausedReason"),
                ("paused by", "agent.pausedBy"), ("stage changed", "agent.stageChangedAt"), ("owner", "agent.owner.name"), ("role", "agent.role"),
                ("runs", "evidence.runs"), ("errors", "evidence.errors"),
                ("shadow compared", "evidence.shadow.compared"), ("shadow agreed", "evidence.shadow.agreed"),
                ("draft decided", "evidence.draft.decided"), ("draft edited", "evidence.draft.edited"),
                ("cost (USD)", "evidence.usage.cost"), ("pending change", "pendingPromotion.id")));
        }, showId));

        foreach (var (verb, path, text) in new[]
        {
            ("promote", "promotions", "Request a promotion (--to stage); the owner signs it off."),
            ("demote", "demotions", "Demote at once (default: one stage down)."),
            ("pause", "pause", "Kill switch: hold every instance before its next step of this agent."),
            ("resume", "resume", "Lift the kill switch and release the held instances."),
        })
        {
            var id = new Argument<string>("agent") { Description = "Agent id." };
            var reason = RemoteCommand.Reason();
            var to = new Option<string?>("--to") { Description = "Target stage (shadow, draft, execute…)." };
            var symbols = verb is "promote" or "demote" ? new Symbol[] { id, reason, to } : [id, reason];
            command.Add(RemoteCommand.Create(verb, text, env, (parse, ctx, ct) => StageAsync(ctx, parse.GetValue(id)!, path, parse.GetValue(reason), parse.GetValue(to), ct), symbols));
        }
        return command;
    }

    internal static async Task<int> StageAsync(RemoteContext ctx, string agent, string path, string? reason, string? target, CancellationToken ct)
    {
        var body = new JsonObject { ["reason"] = reason };
        if (target is not null) body["targetStage"] = target;
        var response = await ctx.Client.PostJsonAsync($"api/v1/agents/{RemoteCommand.Escape(agent)}/{path}", body, ct);
        return ctx.Finish(response, b => ctx.Out.WriteLine(Describe(agent, path, b)));
    }

    /// <summary>One line saying what happened: a promotion is only requested (the owner signs it off); the others are done.</summary>
    internal static string Describe(string agent, string path, JsonNode? body)
    {
        var from = Output.Text(Output.Path(body, "from"));
        var to = Output.Text(Output.Path(body, "to"));
        var released = Output.Path(body, "released") is JsonValue r && r.TryGetValue<int>(out var n) ? n : 0;
        return path switch
        {
            "promotions" => $"agent {agent}: promotion requested, {Output.Text(Output.Path(body, "status"))} sign-off" +
                (Output.Text(Output.Path(body, "signOffTaskId")) is { Length: > 0 } task ? $" (task {task})" : "") +
                (Output.Text(Output.Path(body, "changeId")) is { Length: > 0 } change ? $"; change {change}" : ""),
            "demotions" => $"agent {agent}: demoted {from} -> {to}" + (released > 0 ? $"; {released} held instance(s) released" : ""),
            "pause" => $"agent {agent}: paused (kill switch on)",
            _ => $"agent {agent}: resumed" + (released > 0 ? $"; {released} held instance(s) released" : ""),
        };
    }
}
