using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Testing;

/// <summary>
/// The real host as a child process (<c>dotnet AgentRuntime.Host.dll</c>) on a loopback port, for tests that need
/// what an in-process host cannot show: signals (SIGTERM, SIGKILL), several hosts on one database, restarts.
/// Output is captured so a failing test can print what the host said.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join('\n', _output);

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Starts several hosts at once (as a Deployment starts its replicas) and waits until all are ready. If one fails to
    /// start, the others are stopped before the failure propagates: no host outlives the test that started it.
    /// </summary>
    public static async Task<HostProcess[]> StartManyAsync(IEnumerable<IDictionary<string, string?>> environments, TimeSpan? readyTimeout = null)
    {
        var starting = environments.Select(e => StartAsync(e, readyTimeout)).ToArray();
        try
        {
            return await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var host in starting.Where(t => t.IsCompletedSuccessfully)) await host.Result.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the host built in Debug with <paramref name="environment"/> as its settings and waits until <c>/health/ready</c>
    /// is 200 (default limit 120 s: a CI box running every test assembly at once can take a minute to start a host).
    /// </summary>
    public static async Task<HostProcess> StartAsync(IDictionary<string, string?> environment, TimeSpan? readyTimeout = null)
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(RepoPaths.HostDll())!,
        };
        psi.ArgumentList.Add(RepoPaths.HostDll());
        psi.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
        psi.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (k, v) in environment) psi.Environment[k] = v;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the host");
        var host = new HostProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = host.CreateClient();
        var deadline = Stopwatch.StartNew();
        var limit = readyTimeout ?? TimeSpan.FromSeconds(120);
        while (deadline.Elapsed < limit)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"host exited with {process.ExitCode} before it was ready:\n{host.Output}");
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return host;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        await host.DisposeAsync();
        throw new TimeoutException($"host not ready within {limit}:\n{host.Output}");
    }

    /// <summary>Sends SIGTERM (graceful stop) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, holding whatever it held.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
