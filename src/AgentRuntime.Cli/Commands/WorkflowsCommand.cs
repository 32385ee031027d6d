using System.CommandLine;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt workflows list|pause|resume</c>.</summary>
internal static class WorkflowsCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("workflows", "List workflows; pause or resume one (no new starts; running instances hold at their next step).");
        command.Add(RemoteCommand.Create("list", "List workflows with their latest and published versions.", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.GetAsync("api/v1/workflows", ct);
            return ctx.Finish(response, body => Output.Table(ctx.Out, Items(body),
                ("id", "id"), ("name", "name"), ("latest", "latestVersion"), ("published", "publishedVersion"), ("retired", "retired"), ("owner", "ownerName")));
        }));
        foreach (var verb in new[] { "pause", "resume" })
        {
            var id = new Argument<string>("workflow") { Description = "Workflow id." };
            var reason = RemoteCommand.Reason();
            command.Add(RemoteCommand.Create(verb, verb == "pause" ? "Pause a workflow." : "Resume a paused workflow and release its held instances.", env, async (parse, ctx, ct) =>
            {
                var response = await ctx.Client.PostJsonAsync($"api/v1/workflows/{RemoteCommand.Escape(parse.GetValue(id)!)}/{verb}", new JsonObject { ["reason"] = parse.GetValue(reason) }, ct);
                return ctx.Finish(response, body => ctx.Out.WriteLine(verb == "pause"
                    ? $"workflow {parse.GetValue(id)} paused"
                    : $"workflow {parse.GetValue(id)} resumed; {Output.Text(body?["released"])} held instance(s) released"));
            }, id, reason));
        }
        return command;
    }

    internal static IEnumerable<JsonNode?> Items(JsonNode? body) => body switch
    {
        JsonArray a => a,
        JsonObject o when o["items"] is JsonArray items => items,
        _ => [],
    };
}
