namespace AgentRuntime.Cli.Remote;

/// <summary>
/// What the CLI reads from its surroundings, replaceable for in-process tests: the HTTP handler (a test server's),
/// environment variables, the config file path, and how long a bulk progress poll waits.
/// </summary>
public sealed class CliEnvironment
{
    public HttpMessageHandler? Handler { get; init; }
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;
    public string ConfigPath { get; init; } = DefaultConfigPath();
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    public static CliEnvironment Default { get; } = new();

    /// <summary><c>$XDG_CONFIG_HOME/agentrt/config.json</c>, else <c>~/.config/agentrt/config.json</c>.</summary>
    public static string DefaultConfigPath()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config") : xdg;
        return Path.Combine(root, "agentrt", "config.json");
    }
}
