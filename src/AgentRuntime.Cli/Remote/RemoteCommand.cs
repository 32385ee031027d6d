using System.CommandLine;
using System.Text.Json.Nodes;

namespace AgentRuntime.Cli.Remote;

/// <summary>The context a remote command's action runs with: the client, output writers, JSON mode.</summary>
internal sealed class RemoteContext(ApiClient client, TextWriter output, TextWriter error, bool json, CliEnvironment env)
{
    public ApiClient Client { get; } = client;
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public bool Json { get; } = json;
    public CliEnvironment Env { get; } = env;

    /// <summary>
    /// The common ending: on success print the JSON (json mode) or run <paramref name="text"/>; on failure print the
    /// problem on stderr. Returns the exit code for the status.
    /// </summary>
    public int Finish(ApiResponse response, Action<JsonNode?> text)
    {
        if (!response.IsSuccess)
        {
            if (Json) Output.Json(Out, response.Body ?? JsonValue.Create(response.Text));
            Output.Problem(Err, response);
            return ExitCodes.FromStatus(response.Status);
        }
        if (Json) Output.Json(Out, response.Body);
        else text(response.Body);
        return ExitCodes.Ok;
    }
}

/// <summary>Builds commands that talk to a host: adds the connection options and maps transport failures to exit codes.</summary>
internal static class RemoteCommand
{
    public static Command Create(string name, string description, CliEnvironment env, Func<ParseResult, RemoteContext, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var s in symbols)
        {
            switch (s)
            {
                case Argument a: command.Add(a); break;
                case Option o: command.Add(o); break;
            }
        }
        var remote = new RemoteOptions();
        remote.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var connection = remote.Resolve(parse, env);
            using var client = new ApiClient(connection, env);
            try
            {
                return await action(parse, new RemoteContext(client, output, error, connection.Json, env), ct);
            }
            catch (HostUnreachableException e)
            {
                error.WriteLine($"agentrt: {e.Message}");
                return ExitCodes.Unreachable;
            }
        });
        return command;
    }

    public static Option<string> Reason() => new("--reason", "-r") { Description = "Why (required; recorded in the audit trail).", Required = true };

    public static string Escape(string s) => Uri.EscapeDataString(s);
}
