using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AgentRuntime.Engine.Persistence.LocalPostgres;

/// <summary>
/// A private PostgreSQL server started from the machine's own binaries (no Docker). Used by the host when no
/// connection string is configured, and by the tests (one server per test run).
/// <para>
/// The data folder survives restarts: starting again on the same folder reuses the cluster (and, if a server from
/// an earlier run is still alive on it, that server). When the process runs as root, <c>initdb</c> and <c>pg_ctl</c>
/// run as the <c>postgres</c> system user, because PostgreSQL refuses to run as root; the data folder is then
/// handed to that user, so it must sit somewhere that user can reach (not under <c>/root</c>).
/// </para>
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private readonly LocalPostgresOptions _options;
    private readonly Action<string> _log;
    private bool _startedByUs;

    private LocalPostgresServer(LocalPostgresOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        DataDirectory = Path.GetFullPath(options.DataDirectory ?? LocalPostgresOptions.DefaultDataDirectory());
    }

    /// <summary>The folder holding the cluster (<c>data/</c>), the server log and the socket.</summary>
    public string DataDirectory { get; }

    public int Port { get; private set; }

    /// <summary>Connection string for the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            Pooling = true,
            MaxPoolSize = 50,
            IncludeErrorDetail = true,
        }.ConnectionString;

    /// <summary>
    /// Initialises the cluster if the folder is empty, then starts it on a free loopback port unless a server
    /// started earlier on the same folder is still running, in which case that one is reused (and not stopped by
    /// <see cref="DisposeAsync"/>).
    /// </summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalPostgresOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var server = new LocalPostgresServer(options, log ?? (_ => { }));
        await server.StartCoreAsync(cancellationToken);
        return server;
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var bin = _options.BinDirectory ?? FindBinDirectory();
        var dataDir = Path.Combine(DataDirectory, "data");
        Directory.CreateDirectory(DataDirectory);
        var asRoot = Environment.UserName == "root" || IsRoot();
        if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", DataDirectory], ct, asPostgres: false);

        if (!File.Exists(Path.Combine(dataDir, "PG_VERSION")))
        {
            _log($"Initialising a PostgreSQL cluster in {dataDir}");
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], ct, asRoot);
        }

        var running = ReadRunningPort(dataDir);
        if (running is int port && await CanConnectAsync(port, ct))
        {
            Port = port;
            _log($"Reusing the PostgreSQL server already running on port {port} for {dataDir}");
            return;
        }

        Port = _options.Port ?? FreePort();
        var logFile = Path.Combine(DataDirectory, "server.log");
        var settings = string.Join(' ',
            $"-p {Port}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories={DataDirectory}",
            $"-c max_connections={_options.MaxConnections}",
            "-c shared_buffers=128MB",
            _options.Durable ? "" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        _log($"Starting PostgreSQL on 127.0.0.1:{Port} (data: {dataDir})");
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDir, "-l", logFile, "-w", "-t", "60", "start", "-o", settings], ct, asRoot);
        _startedByUs = true;
    }

    /// <summary>Creates the database if it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", conn);
        exists.Parameters.AddWithValue("n", database);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", conn);
            try { await create.ExecuteNonQueryAsync(ct); }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase) { }
        }
    }

    /// <summary>Stops the server with a fast shutdown, but only if this object started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_startedByUs) return;
        _startedByUs = false;
        var bin = _options.BinDirectory ?? FindBinDirectory();
        try
        {
            await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(DataDirectory, "data"), "-m", "fast", "-w", "stop"], CancellationToken.None, IsRoot());
            _log("PostgreSQL stopped");
        }
        catch (InvalidOperationException e)
        {
            _log($"PostgreSQL did not stop cleanly: {e.Message}");
        }
    }

    /// <summary>The newest <c>/usr/lib/postgresql/*/bin</c>, or <c>AGENTRUNTIME_PG_BIN</c> when set.</summary>
    public static string FindBinDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("AGENTRUNTIME_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var best = Directory.GetDirectories(root)
                .Select(d => (dir: d, ok: int.TryParse(Path.GetFileName(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v))
                .Where(x => x.ok && File.Exists(Path.Combine(x.dir, "bin", "pg_ctl")))
                .OrderByDescending(x => x.v)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault();
            if (best is not null) return best;
        }
        throw new InvalidOperationException(
            "No PostgreSQL server binaries were found under /usr/lib/postgresql/<version>/bin. Install the 'postgresql' package, " +
            "set AGENTRUNTIME_PG_BIN to the folder holding pg_ctl, or configure ConnectionStrings__AgentRuntime to use an existing server.");
    }

    private static bool IsRoot()
    {
        try { return File.ReadAllText("/proc/self/status").Contains("\nUid:\t0\t", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }

    private static int? ReadRunningPort(string dataDir)
    {
        var pidFile = Path.Combine(dataDir, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        try
        {
            // postmaster.pid: line 1 pid, line 4 port (documented in PostgreSQL's pidfile.h).
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length < 4) return null;
            var pid = int.Parse(lines[0], CultureInfo.InvariantCulture);
            if (!Directory.Exists($"/proc/{pid}")) return null;
            return int.Parse(lines[3], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<bool> CanConnectAsync(int port, CancellationToken ct)
    {
        var cs = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Timeout = 3, Pooling = false }.ConnectionString;
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct, bool asPostgres)
    {
        var psi = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add("postgres");
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(file);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {p.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
    }
}
