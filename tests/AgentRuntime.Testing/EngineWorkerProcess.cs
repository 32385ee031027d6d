using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentRuntime.Testing;

/// <summary>
/// An engine host as a child process: <c>dotnet AgentRuntime.Benchmarks.dll worker …</c> (workers only, with the test
/// agents and activity types). Lets a test SIGKILL a host mid-flight and run several hosts on one database.
/// </summary>
public sealed class EngineWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private EngineWorkerProcess(Process process, string hostId)
    {
        _process = process;
        HostId = hostId;
    }

    public string HostId { get; }
    public bool HasExited => _process.HasExited;
    public string Output => string.Join('\n', _output);

    public static string WorkerDll(string configuration = "Debug") =>
        Path.Combine(RepoPaths.Root, "tests", "AgentRuntime.Benchmarks", "bin", configuration, "net10.0", "AgentRuntime.Benchmarks.dll");

    public static async Task<EngineWorkerProcess> StartAsync(string connectionString, string hostId, string lease = "2s", int concurrency = 4, int batch = 4)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { WorkerDll(), "worker", "--connection", connectionString, "--host-id", hostId, "--lease", lease,
                     "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the worker");
        var worker = new EngineWorkerProcess(process, hostId);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            worker._output.Enqueue(e.Data);
            if (e.Data.StartsWith("worker ready", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) worker._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(120))) != ready.Task)
            throw new InvalidOperationException($"worker {hostId} did not start: {worker.Output}");
        return worker;
    }

    /// <summary>SIGKILL: no shutdown code runs, leases are not released, in-flight slices die uncommitted.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        await Task.CompletedTask;
    }
}
