using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Host.Tests.Infrastructure;

/// <summary>Waits, through the API as a client would, for an instance to reach a status.</summary>
public static class InstancePolling
{
    /// <summary>
    /// Polls <c>GET /api/v1/instances/{id}</c> until its status is <paramref name="status"/>; returns the instance. The limit is
    /// generous (90 s): on a CI box running every test assembly at once the workers can take many seconds to get to it, and
    /// a test that waits for an outcome must fail on the outcome, not on the box's speed.
    /// </summary>
    public static async Task<JsonObject> WaitForStatusAsync(HttpClient client, object id, string status)
    {
        var deadline = Stopwatch.StartNew();
        JsonObject? last = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            last = await client.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{id}");
            if (last!["status"]!.GetValue<string>() == status) return last;
            await Task.Delay(50);
        }
        throw new TimeoutException($"instance {id} never reached {status} in 90 s; last seen: {last}");
    }
}
