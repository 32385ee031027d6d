using System.CommandLine;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt tasks list|approve|reject</c>. A decision reads the task's revision first and sends it with a fresh operation id.</summary>
internal static class TasksCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("tasks", "List human tasks; approve or reject one.");
        var state = new Option<string?>("--state") { Description = "Comma-separated states: available, claimed, completed, timed-out, cancelled." };
        var mine = new Option<bool>("--mine") { Description = "Only tasks assigned to me or my roles." };
        command.Add(RemoteCommand.Create("list", "List tasks, most urgent first.", env, async (parse, ctx, ct) =>
        {
            var query = "api/v1/tasks?limit=100";
            if (parse.GetValue(state) is { } s) query += "&state=" + RemoteCommand.Escape(s);
            if (parse.GetValue(mine)) query += "&assignee=me";
            var response = await ctx.Client.GetAsync(query, ct);
            return ctx.Finish(response, body => Output.Table(ctx.Out, WorkflowsCommand.Items(body),
                ("id", "id"), ("title", "title"), ("state", "state"), ("priority", "priority"), ("due", "dueAt"), ("instance", "instanceId")));
        }, state, mine));

        foreach (var (verb, outcome) in new[] { ("approve", "approved"), ("reject", "rejected") })
        {
            var id = new Argument<Guid>("task") { Description = "Task id." };
            var comment = new Option<string?>("--comment", "-c") { Description = "A comment recorded with the decision." };
            command.Add(RemoteCommand.Create(verb, $"{char.ToUpperInvariant(verb[0])}{verb[1..]} a task.", env, async (parse, ctx, ct) =>
            {
                var task = await ctx.Client.GetAsync($"api/v1/tasks/{parse.GetValue(id)}", ct);
                if (!task.IsSuccess) return ctx.Finish(task, _ => { });
                var revision = (task.Body?["revision"] ?? task.Body?["task"]?["revision"])?.GetValue<int>() ?? 0;
                var body = new JsonObject { ["expectedRevision"] = revision, ["operationId"] = Guid.NewGuid().ToString(), ["outcome"] = outcome };
                if (parse.GetValue(comment) is { } c) body["comment"] = c;
                var response = await ctx.Client.PostJsonAsync($"api/v1/tasks/{parse.GetValue(id)}/complete", body, ct);
                return ctx.Finish(response, _ => ctx.Out.WriteLine($"task {parse.GetValue(id)} {outcome}"));
            }, id, comment));
        }
        return command;
    }
}
