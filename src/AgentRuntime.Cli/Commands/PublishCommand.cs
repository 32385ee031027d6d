using System.CommandLine;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt publish &lt;file&gt; [--draft]</c>: uploads a definition and publishes it (422 with problems: exit 1).</summary>
internal static class PublishCommand
{
    public static Command Create(CliEnvironment env)
    {
        var file = new Argument<string>("file") { Description = "A workflow definition (.yaml, .yml or .json)." };
        var draft = new Option<bool>("--draft") { Description = "Store the version without publishing it." };
        return RemoteCommand.Create("publish", "Upload a workflow definition to the host and publish it.", env, async (parse, ctx, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                ctx.Err.WriteLine($"agentrt: no such file: {path}");
                return ExitCodes.Usage;
            }
            var text = await File.ReadAllTextAsync(path, ct);
            var media = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/yaml";
            var response = await ctx.Client.PostTextAsync($"api/v1/workflows?publish={(!parse.GetValue(draft)).ToString().ToLowerInvariant()}&fileName={RemoteCommand.Escape(Path.GetFileName(path))}", text, media, ct);
            if (response.Status == 422 && !ctx.Json && Output.Path(response.Body, "problems") is System.Text.Json.Nodes.JsonArray problems)
            {
                foreach (var p in problems) ctx.Err.WriteLine($"{path}:{Output.Text(p?["line"])}:{Output.Text(p?["column"])}: {Output.Text(p?["severity"])} {Output.Text(p?["code"])}: {Output.Text(p?["message"])}");
            }
            return ctx.Finish(response, body => ctx.Out.WriteLine(
                $"{Output.Text(body?["workflowId"] ?? body?["id"])} version {Output.Text(body?["version"])}: {Output.Text(body?["outcome"])}{(body?["published"]?.GetValue<bool>() == true ? ", published" : "")}"));
        }, file, draft);
    }
}
