using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Cli.Remote;

/// <summary>
/// The connection options every remote command takes: <c>--url</c>, <c>--token</c>, <c>--user</c>/<c>--roles</c>
/// (development headers), <c>--output text|json</c>. Resolution, first found wins: flags, then the environment
/// (<c>AGENTRT_URL</c>, <c>AGENTRT_TOKEN</c>, <c>AGENTRT_USER</c>, <c>AGENTRT_ROLES</c>), then the config file
/// (<c>{"url": …, "token": …, "user": …, "roles": …}</c>), then <c>http://127.0.0.1:5080</c>.
/// </summary>
internal sealed class RemoteOptions
{
    public Option<string?> Url { get; } = new("--url") { Description = "Host base URL (env AGENTRT_URL, config 'url'; default http://127.0.0.1:5080)." };
    public Option<string?> Token { get; } = new("--token") { Description = "API key (ark_…, sent as 'Authorization: ApiKey') or bearer token (env AGENTRT_TOKEN, config 'token')." };
    public Option<string?> User { get; } = new("--user") { Description = "Development mode: send X-Dev-User (env AGENTRT_USER, config 'user')." };
    public Option<string?> Roles { get; } = new("--roles") { Description = "Development mode: send X-Dev-Roles, comma-separated (env AGENTRT_ROLES, config 'roles')." };
    public Option<string> Output { get; } = CreateOutput();

    private static Option<string> CreateOutput()
    {
        var o = new Option<string>("--output", "-o") { Description = "text (tables, default) or json (the API's JSON, for scripts).", DefaultValueFactory = _ => "text" };
        o.AcceptOnlyFromAmong("text", "json");
        return o;
    }

    public void AddTo(Command command)
    {
        command.Add(Url);
        command.Add(Token);
        command.Add(User);
        command.Add(Roles);
        command.Add(Output);
    }

    public Connection Resolve(ParseResult parse, CliEnvironment env)
    {
        JsonObject? config = null;
        try
        {
            if (File.Exists(env.ConfigPath)) config = JsonNode.Parse(File.ReadAllText(env.ConfigPath)) as JsonObject;
        }
        catch (JsonException)
        {
            config = null; // an unreadable config file is ignored; flags and environment still work
        }
        string? Pick(Option<string?> option, string variable, string key) =>
            parse.GetValue(option) is { Length: > 0 } flag ? flag
            : env.GetVariable(variable) is { Length: > 0 } fromEnv ? fromEnv
            : config?[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

        return new Connection(
            (Pick(Url, "AGENTRT_URL", "url") ?? "http://127.0.0.1:5080").TrimEnd('/'),
            Pick(Token, "AGENTRT_TOKEN", "token"),
            Pick(User, "AGENTRT_USER", "user"),
            Pick(Roles, "AGENTRT_ROLES", "roles"),
            parse.GetValue(Output) == "json");
    }
}

internal sealed record Connection(string Url, string? Token, string? User, string? Roles, bool Json);
