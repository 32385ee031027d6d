using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentRuntime.Cli.Remote;

namespace AgentRuntime.Cli.Commands;

/// <summary>
/// <c>agentrt bulk &lt;cancel|pause|resume|retry|compensate&gt; --workflow … --reason …</c>: submits a bulk operation and
/// follows it with a live progress bar (stderr) until it completes; <c>--no-wait</c> prints the operation id and returns.
/// Exit 1 when any instance failed.
/// </summary>
internal static class BulkCommand
{
    public static Command Create(CliEnvironment env)
    {
        var operation = new Argument<string>("operation") { Description = "cancel, pause, resume, retry or compensate." };
        operation.AcceptOnlyFromAmong("cancel", "pause", "resume", "retry", "compensate");
        var workflow = new Option<string?>("--workflow", "-w") { Description = "Instances of this workflow." };
        var version = new Option<int?>("--version") { Description = "…on this version." };
        var status = new Option<string?>("--status", "-s") { Description = "…in this status." };
        var agent = new Option<string?>("--agent") { Description = "…whose workflow runs this agent." };
        var from = new Option<DateTimeOffset?>("--from") { Description = "…created at or after this time (ISO 8601)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "…created before this time (ISO 8601)." };
        var incident = new Option<string?>("--incident-kind") { Description = "…with an open incident of this error type (or 'compensation')." };
        var reason = RemoteCommand.Reason();
        var noWait = new Option<bool>("--no-wait") { Description = "Print the operation id and return without following it." };
        return RemoteCommand.Create("bulk", "Apply an operation to every instance a filter matches, with a live progress bar.", env, async (parse, ctx, ct) =>
        {
            var filter = new JsonObject();
            if (parse.GetValue(workflow) is { } w) filter["workflow"] = w;
            if (parse.GetValue(version) is { } v) filter["version"] = v;
            if (parse.GetValue(status) is { } s) filter["status"] = s;
            if (parse.GetValue(agent) is { } a) filter["agent"] = a;
            if (parse.GetValue(from) is { } f) filter["createdFrom"] = f.ToString("O", CultureInfo.InvariantCulture);
            if (parse.GetValue(to) is { } t) filter["createdTo"] = t.ToString("O", CultureInfo.InvariantCulture);
            if (parse.GetValue(incident) is { } k) filter["incidentKind"] = k;
            var submit = await ctx.Client.PostJsonAsync("api/v1/instances/bulk",
                new JsonObject { ["operation"] = parse.GetValue(operation), ["filter"] = filter, ["reason"] = parse.GetValue(reason) }, ct);
            if (!submit.IsSuccess || parse.GetValue(noWait))
                return ctx.Finish(submit, body => ctx.Out.WriteLine($"operation {Output.Text(body?["id"])}: {Output.Text(body?["total"])} instance(s)"));

            var id = Output.Text(submit.Body?["id"]);
            var started = System.Diagnostics.Stopwatch.StartNew();
            ApiResponse progress;
            while (true)
            {
                progress = await ctx.Client.GetAsync($"api/v1/operations/{id}", ct);
                if (!progress.IsSuccess) return ctx.Finish(progress, _ => { });
                var body = progress.Body;
                var total = body?["total"]?.GetValue<int>() ?? 0;
                var processed = body?["processed"]?.GetValue<int>() ?? 0;
                ctx.Err.Write($"\r{parse.GetValue(operation)} {Output.Bar(processed, total)}");
                if (Output.Text(body?["status"]) == "completed") break;
                await Task.Delay(ctx.Env.PollInterval, ct);
            }
            ctx.Err.WriteLine();
            var seconds = Math.Max(started.Elapsed.TotalSeconds, 0.001);
            var done = progress.Body;
            var failed = done?["failed"]?.GetValue<int>() ?? 0;
            var code = ctx.Finish(progress, b => Output.Fields(ctx.Out, b, ("operation", "id"), ("kind", "operation"), ("status", "status"), ("total", "total"),
                ("succeeded", "succeeded"), ("skipped", "skipped"), ("failed", "failed")));
            if (!ctx.Json)
                ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{done?["total"]} instance(s) in {seconds:0.0} s ({(done?["total"]?.GetValue<int>() ?? 0) / seconds:0} /s)"));
            if (failed > 0 && !ctx.Json)
                ctx.Err.WriteLine($"agentrt: {failed} instance(s) failed: agentrt ... GET /api/v1/operations/{id}/results?status=failed");
            return code != ExitCodes.Ok ? code : failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }, operation, workflow, version, status, agent, from, to, incident, reason, noWait);
    }
}
