using System.CommandLine;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt instances list|show|cancel|retry|pause|resume|compensate</c>.</summary>
internal static class InstancesCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("instances", "List, inspect and operate workflow instances.");

        var workflow = new Option<string?>("--workflow", "-w") { Description = "Only this workflow." };
        var status = new Option<string?>("--status", "-s") { Description = "Only this status (running, waiting, suspended, paused, completed, failed, cancelled)." };
        var limit = new Option<int>("--limit") { Description = "Most rows (1-500).", DefaultValueFactory = _ => 50 };
        command.Add(RemoteCommand.Create("list", "List instances, newest first.", env, async (parse, ctx, ct) =>
        {
            var query = $"api/v1/instances?limit={parse.GetValue(limit)}";
            if (parse.GetValue(workflow) is { } w) query += "&workflow=" + RemoteCommand.Escape(w);
            if (parse.GetValue(status) is { } s) query += "&status=" + RemoteCommand.Escape(s);
            var response = await ctx.Client.GetAsync(query, ct);
            return ctx.Finish(response, body => Output.Table(ctx.Out, WorkflowsCommand.Items(body),
                ("id", "id"), ("workflow", "workflowId"), ("v", "version"), ("status", "status"), ("waiting on", "waitingOn"), ("created", "createdAt")));
        }, workflow, status, limit));

        var showId = new Argument<Guid>("instance") { Description = "Instance id." };
        command.Add(RemoteCommand.Create("show", "Show an instance: status, what it waits on, incidents, journal.", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.GetAsync($"api/v1/instances/{parse.GetValue(showId)}", ct);
            return ctx.Finish(response, body =>
            {
                Output.Fields(ctx.Out, body, ("id", "id"), ("workflow", "workflowId"), ("version", "version"), ("status", "status"),
                    ("waiting on", "waitingOn"), ("hold", "holdReason"), ("error", "error"), ("created", "createdAt"), ("completed", "completedAt"));
                if (body?["incidents"] is JsonArray { Count: > 0 } incidents)
                {
                    ctx.Out.WriteLine();
                    Output.Table(ctx.Out, incidents, ("incident", "id"), ("node", "nodeId"), ("type", "activityType"), ("status", "status"), ("message", "message"));
                }
                if (body?["journal"] is JsonArray { Count: > 0 } journal)
                {
                    ctx.Out.WriteLine();
                    Output.Table(ctx.Out, journal, ("seq", "seq"), ("node", "nodeId"), ("type", "activityType"), ("status", "status"), ("port", "port"), ("error", "error"));
                }
            });
        }, showId));

        foreach (var (verb, text) in new[]
        {
            ("cancel", "Cancel an instance (applied at its next slice)."),
            ("retry", "Retry every open incident of an instance."),
            ("pause", "Pause an instance: every path holds before its next step."),
            ("resume", "Resume a paused instance."),
            ("compensate", "Run the compensations of a finished instance's executed actions, newest first."),
        })
        {
            var id = new Argument<Guid>("instance") { Description = "Instance id." };
            var reason = RemoteCommand.Reason();
            command.Add(RemoteCommand.Create(verb, text, env, async (parse, ctx, ct) =>
            {
                var response = await ctx.Client.PostJsonAsync($"api/v1/instances/{parse.GetValue(id)}/{verb}", new JsonObject { ["reason"] = parse.GetValue(reason) }, ct);
                if (verb == "compensate" && response.Status == 409 && Output.Path(response.Body, "result") is JsonObject failed && !ctx.Json)
                    PrintSteps(ctx.Err, failed);
                return ctx.Finish(response, body =>
                {
                    if (verb == "compensate") PrintSteps(ctx.Out, body);
                    else ctx.Out.WriteLine($"{verb}: accepted for instance {parse.GetValue(id)} (applied at its next step)");
                });
            }, id, reason));
        }
        return command;
    }

    private static void PrintSteps(TextWriter writer, JsonNode? body)
    {
        Output.Table(writer, body?["steps"] is JsonArray steps ? steps : [], ("node", "nodeId"), ("action", "action"), ("compensation", "compensation"), ("status", "status"), ("error", "error"));
        writer.WriteLine($"{Output.Text(body?["compensated"])} action(s) compensated");
    }
}
