using System.CommandLine;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt audit verify</c> (exit 1 when the hash chain is broken) and <c>agentrt audit export [--file f]</c> (JSON lines).</summary>
internal static class AuditCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("audit", "Verify the audit trail's hash chain or export it.");
        command.Add(RemoteCommand.Create("verify", "Verify the audit trail's hash chain (exit 1 when broken).", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.GetAsync("api/v1/audit/verify", ct);
            var code = ctx.Finish(response, body => ctx.Out.WriteLine(body?["ok"]?.GetValue<bool>() == true
                ? $"ok: {Output.Text(body["count"])} entries, chain intact (last #{Output.Text(body["lastSequence"])})"
                : $"BROKEN: {Output.Text(body?["break"])}"));
            return code == ExitCodes.Ok && response.Body?["ok"]?.GetValue<bool>() != true ? ExitCodes.Failed : code;
        }));
        var file = new Option<string?>("--file", "-f") { Description = "Write to this file instead of stdout." };
        command.Add(RemoteCommand.Create("export", "Export the audit trail as JSON lines.", env, async (parse, ctx, ct) =>
        {
            var response = await ctx.Client.GetAsync("api/v1/audit/export", ct);
            if (!response.IsSuccess) return ctx.Finish(response, _ => { });
            if (parse.GetValue(file) is { } path)
            {
                await File.WriteAllTextAsync(path, response.Text, ct);
                ctx.Err.WriteLine($"{response.Text.Count(c => c == '\n')} entries written to {path}");
            }
            else ctx.Out.Write(response.Text);
            return ExitCodes.Ok;
        }, file));
        return command;
    }
}
