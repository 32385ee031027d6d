using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Testing;

namespace AgentRuntime.Engine.Tests.Integration;

internal static class EngineAssert
{
    public static async Task<InstanceDetails> InstanceAsync(EngineTestHost host, Guid id)
    {
        var details = await host.Engine.GetInstanceAsync(id);
        Assert.NotNull(details);
        return details;
    }

    public static async Task<InstanceDetails> StatusAsync(EngineTestHost host, Guid id, string status)
    {
        var details = await InstanceAsync(host, id);
        Assert.True(details.Instance.Status == status,
            $"expected {status}, was {details.Instance.Status} ({details.Instance.WaitingOn} {details.Instance.Error}); journal: " +
            string.Join(" | ", details.Journal.Select(j => $"{j.NodeId}:{j.Status}:{j.Port}:{j.Error}")));
        return details;
    }

    /// <summary>The node ids that completed, in journal order.</summary>
    public static string[] Completed(InstanceDetails d) => d.Journal.Where(j => j.Status == "completed").Select(j => j.NodeId).ToArray();

    public static JsonObject Input(string json) => JsonNode.Parse(json)!.AsObject();
}
