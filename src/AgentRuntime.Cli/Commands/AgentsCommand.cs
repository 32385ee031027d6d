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
            return ctx.Finish(response, body => Output.Fields(ctx.Out, body, ("id", "id"), ("name", "name"), ("kind", "kind"), ("stage", "stage"),
                ("paused", "paused"), ("pause reason", "pauseReason"), ("stage changed", "stageChangedAt"), ("version", "version")));
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
        return ctx.Finish(response, b => ctx.Out.WriteLine($"agent {agent}: {path} accepted{(Output.Text(b?["stage"]) is { Length: > 0 } s ? $" (stage {s})" : "")}"));
    }
}
