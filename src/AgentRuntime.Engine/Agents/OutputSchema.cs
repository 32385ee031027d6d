using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Agents;

/// <summary>
/// Checks an agent's result against its output schema: the JSON Schema subset agents use (<c>type</c>, <c>properties</c>,
/// <c>required</c>, <c>enum</c>, <c>minimum</c>, <c>maximum</c>, <c>items</c>, <c>minLength</c>, <c>maxLength</c>). Anything else in
/// the schema is ignored (it still reaches an LLM endpoint as guidance). A failure sends the agent node to
/// <c>invalid-output</c>, with every violation listed.
/// </summary>
public static class OutputSchema
{
    public static IReadOnlyList<string> Check(JsonObject? schema, JsonNode? value)
    {
        var errors = new List<string>();
        if (schema is not null) CheckNode(schema, value, "$", errors);
        return errors;
    }

    private static void CheckNode(JsonObject schema, JsonNode? value, string path, List<string> errors)
    {
        if (errors.Count >= 20) return;
        if (schema["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String)
        {
            var type = t.GetValue<string>();
            if (!HasType(value, type))
            {
                errors.Add($"{path}: expected {type}, got {Describe(value)}");
                return;
            }
        }
        if (schema["enum"] is JsonArray options && !options.Any(o => JsonNode.DeepEquals(o, value)))
            errors.Add($"{path}: {value?.ToJsonString() ?? "null"} is not one of {options.ToJsonString()}");
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            var d = v.GetValue<double>();
            if (schema["minimum"] is JsonValue min && d < min.GetValue<double>()) errors.Add($"{path}: {d} is below the minimum {min}");
            if (schema["maximum"] is JsonValue max && d > max.GetValue<double>()) errors.Add($"{path}: {d} is above the maximum {max}");
        }
        if (value is JsonValue s && s.GetValueKind() == JsonValueKind.String)
        {
            var len = s.GetValue<string>().Length;
            if (schema["minLength"] is JsonValue minL && len < minL.GetValue<int>()) errors.Add($"{path}: shorter than {minL}");
            if (schema["maxLength"] is JsonValue maxL && len > maxL.GetValue<int>()) errors.Add($"{path}: longer than {maxL}");
        }
        if (value is JsonObject o)
        {
            if (schema["required"] is JsonArray required)
            {
                foreach (var r in required)
                {
                    if (r?.GetValue<string>() is { } name && !o.ContainsKey(name)) errors.Add($"{path}: '{name}' is required");
                }
            }
            if (schema["properties"] is JsonObject props)
            {
                foreach (var (name, sub) in props)
                {
                    if (sub is JsonObject subSchema && o.TryGetPropertyValue(name, out var child)) CheckNode(subSchema, child, $"{path}.{name}", errors);
                }
            }
        }
        if (value is JsonArray a && schema["items"] is JsonObject items)
        {
            for (var i = 0; i < a.Count; i++) CheckNode(items, a[i], $"{path}[{i}]", errors);
        }
    }

    private static bool HasType(JsonNode? value, string type) => type switch
    {
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "number" => value is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
        "integer" => value is JsonValue i && i.GetValueKind() == JsonValueKind.Number && Math.Abs(i.GetValue<double>() % 1) < double.Epsilon,
        "boolean" => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "null" => value is null,
        _ => true,
    };

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind().ToString().ToLowerInvariant(),
        _ => "?",
    };
}
