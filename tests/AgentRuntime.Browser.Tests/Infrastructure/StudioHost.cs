using AgentRuntime.Testing;

namespace AgentRuntime.Browser.Tests.Infrastructure;

/// <summary>
/// The product as a user runs it: the real host (a child process) on a fresh PostgreSQL database, serving the built
/// Studio from <c>src/AgentRuntime.Host/wwwroot</c>, with the sample workflows of <c>workflows/</c> loaded and the
/// development identity on (seeded users ada, dana, alice, bob, rita, oscar, olivia). Tests that need other settings
/// (an OIDC authority, say) start their own with <see cref="StartAsync"/>.
/// </summary>
public sealed class StudioHost : IAsyncDisposable
{
    private readonly HostProcess _process;

    private StudioHost(HostProcess process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public Uri BaseAddress => _process.BaseAddress;

    /// <summary>The host's database, for assertions a user could not make through the API.</summary>
    public string ConnectionString { get; }

    /// <summary>What the host wrote to stdout/stderr so far (print it when a test fails).</summary>
    public string Output => _process.Output;

    public static string WebRoot => Path.Combine(RepoPaths.Root, "src", "AgentRuntime.Host", "wwwroot");

    /// <param name="settings">Host settings (environment variables, <c>Section__Key</c>) added to, or overriding, the defaults.</param>
    public static async Task<StudioHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        if (!File.Exists(Path.Combine(WebRoot, "index.html")))
            throw new InvalidOperationException(
                $"The Studio is not built ({WebRoot}/index.html is missing): run `npm ci && npm run build` in src/AgentRuntime.Studio, or ./build.sh test.");

        var connectionString = await TestPostgres.CreateDatabaseAsync("studio");
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__AgentRuntime"] = connectionString,
            ["Workflows__Directory"] = RepoPaths.Workflows,
            ["Auth__Mode"] = "Development",
            ["ASPNETCORE_WEBROOT"] = WebRoot,
            ["Governance__HighestRegistrationStage"] = "execute", // scenarios start agents in execute; the gate has its own tests
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;
        var process = await HostProcess.StartAsync(environment, TimeSpan.FromSeconds(120));
        return new StudioHost(process, connectionString);
    }

    /// <summary>An API client signed in as a seeded development user (header <c>X-Dev-User</c>).</summary>
    public HttpClient Api(string user)
    {
        var client = _process.CreateClient();
        client.DefaultRequestHeaders.Add("X-Dev-User", user);
        return client;
    }

    /// <summary>An API client with no identity (to check what anonymous callers get).</summary>
    public HttpClient Anonymous() => _process.CreateClient();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
