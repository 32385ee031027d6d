namespace AgentRuntime.Engine.Persistence.LocalPostgres;

/// <summary>
/// Settings of the private PostgreSQL the host starts when <c>ConnectionStrings:AgentRuntime</c> is not set
/// (configuration section <c>LocalPostgres</c>, e.g. <c>LocalPostgres__DataDirectory</c>).
/// </summary>
public sealed class LocalPostgresOptions
{
    public const string SectionName = "LocalPostgres";

    /// <summary>
    /// Folder for the cluster, its log and socket. Kept across restarts so definitions and instances survive.
    /// Defaults to <c>/var/lib/agentruntime/postgres</c> as root (the <c>postgres</c> user must reach it) and
    /// <c>~/.local/share/agentruntime/postgres</c> otherwise.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Folder holding <c>initdb</c> and <c>pg_ctl</c>; defaults to the newest <c>/usr/lib/postgresql/*/bin</c>.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>Port to listen on (loopback only). Defaults to a free port chosen at start.</summary>
    public int? Port { get; set; }

    /// <summary>Name of the product database created inside the server.</summary>
    public string Database { get; set; } = "agentruntime";

    public int MaxConnections { get; set; } = 200;

    /// <summary>
    /// When false (tests only), fsync and synchronous commit are turned off: much faster, and a machine crash
    /// may lose the last commits. Always true for the host.
    /// </summary>
    public bool Durable { get; set; } = true;

    public static string DefaultDataDirectory() =>
        Environment.UserName == "root"
            ? "/var/lib/agentruntime/postgres"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "agentruntime", "postgres");
}
