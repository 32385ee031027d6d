using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>
/// The changes between the data under review and the approver's edit, as JSON-pointer paths (RFC 6901):
/// <c>{op: replace, path: "/amount", from: 120, value: 80}</c>, <c>{op: add, path, value}</c>, <c>{op: remove, path, from}</c>.
/// Objects are compared key by key, arrays index by index; anything else is replaced as a whole.
/// </summary>
public static class PayloadDiff
{
    public static JsonArray Compute(JsonNode? before, JsonNode? after)
    {
        var changes = new JsonArray();
        Walk(before, after, "", changes);
        return changes;
    }

    private static void Walk(JsonNode? before, JsonNode? after, string path, JsonArray changes)
    {
        if (JsonNode.DeepEquals(before, after)) return;
        if (before is JsonObject b && after is JsonObject a)
        {
            foreach (var (key, value) in b)
            {
                var p = path + "/" + Escape(key);
                if (!a.ContainsKey(key)) changes.Add(new JsonObject { ["op"] = "remove", ["path"] = p, ["from"] = value?.DeepClone() });
                else Walk(value, a[key], p, changes);
            }
            foreach (var (key, value) in a)
                if (!b.ContainsKey(key)) changes.Add(new JsonObject { ["op"] = "add", ["path"] = path + "/" + Escape(key), ["value"] = value?.DeepClone() });
            return;
        }
        if (before is JsonArray ba && after is JsonArray aa)
        {
            var common = Math.Min(ba.Count, aa.Count);
            for (var i = 0; i < common; i++) Walk(ba[i], aa[i], $"{path}/{i}", changes);
            for (var i = common; i < aa.Count; i++) changes.Add(new JsonObject { ["op"] = "add", ["path"] = $"{path}/{i}", ["value"] = aa[i]?.DeepClone() });
            for (var i = ba.Count - 1; i >= common; i--) changes.Add(new JsonObject { ["op"] = "remove", ["path"] = $"{path}/{i}", ["from"] = ba[i]?.DeepClone() });
            return;
        }
        changes.Add(new JsonObject { ["op"] = "replace", ["path"] = path, ["from"] = before?.DeepClone(), ["value"] = after?.DeepClone() });
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
