using System.CommandLine;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary>
/// <c>agentrt rollback definition|stage|instance</c>: the three kinds of rollback. definition = republish version N
/// (migrating compatible waiting instances; each refusal printed with its reason); stage = demote an agent; instance =
/// compensate the instance's executed actions in reverse order.
/// </summary>
internal static class RollbackCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("rollback", "Roll back a definition (to version N), an agent's stage, or an instance (compensate).");

        var workflow = new Argument<string>("workflow") { Description = "Workflow id." };
        var version = new Option<int>("--to-version") { Description = "The version to restore (a new version equal to it is published).", Required = true };
        var noMigrate = new Option<bool>("--no-migrate") { Description = "Do not migrate waiting instances to the restored version." };
        var reason1 = RemoteCommand.Reason();
        command.Add(RemoteCommand.Create("definition", "Publish a new version equal to version N; migrate compatible waiting instances.", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.PostJsonAsync($"api/v1/workflows/{RemoteCommand.Escape(parse.GetValue(workflow)!)}/rollback",
                new JsonObject { ["toVersion"] = parse.GetValue(version), ["reason"] = parse.GetValue(reason1), ["migrate"] = !parse.GetValue(noMigrate) }, ct);
            return ctx.Finish(response, body =>
            {
                ctx.Out.WriteLine($"{Output.Text(body?["workflowId"])}: version {Output.Text(body?["version"])} published (= version {Output.Text(body?["restoredFrom"])}); " +
                    $"{Output.Text(body?["migrated"])} instance(s) migrated, {Output.Text(body?["refused"])} refused");
                if (body?["instances"] is JsonArray { Count: > 0 } instances)
                    Output.Table(ctx.Out, instances, ("instance", "instanceId"), ("from", "fromVersion"), ("migrated", "migrated"), ("reason", "reason"));
            });
        }, workflow, version, noMigrate, reason1));

        var agent = new Argument<string>("agent") { Description = "Agent id." };
        var to = new Option<string?>("--to") { Description = "Target stage (default: one stage down)." };
        var reason2 = RemoteCommand.Reason();
        command.Add(RemoteCommand.Create("stage", "Demote an agent (same as 'agents demote').", env,
            (parse, ctx, ct) => AgentsCommand.StageAsync(ctx, parse.GetValue(agent)!, "demotions", parse.GetValue(reason2), parse.GetValue(to), ct), agent, to, reason2));

        var instance = new Argument<Guid>("instance") { Description = "Instance id (finished: cancel it first)." };
        var reason3 = RemoteCommand.Reason();
        command.Add(RemoteCommand.Create("instance", "Compensate an instance's executed actions in reverse order (same as 'instances compensate').", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.PostJsonAsync($"api/v1/instances/{parse.GetValue(instance)}/compensate", new JsonObject { ["reason"] = parse.GetValue(reason3) }, ct);
            return ctx.Finish(response, body => ctx.Out.WriteLine($"{Output.Text(body?["compensated"])} action(s) compensated"));
        }, instance, reason3));
        return command;
    }
}
