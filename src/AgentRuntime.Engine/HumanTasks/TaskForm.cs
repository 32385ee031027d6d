using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Instances;

namespace AgentRuntime.Engine.HumanTasks;

/// <summary>
/// A task's form: field name → <c>{type, required, label}</c> (types as for workflow inputs: string, number, integer, boolean,
/// object, array). Checked against the final data of a decision: types always, required fields when approving (a rejection
/// need not complete the draft).
/// </summary>
public static class TaskForm
{
    public static IReadOnlyDictionary<string, string[]> Validate(JsonObject? form, JsonNode? data, string outcome)
    {
        if (form is null || form.Count == 0) return new Dictionary<string, string[]>();
        var spec = new InputSpec();
        foreach (var (name, field) in form)
        {
            var f = new InputFieldSpec { Type = "any" };
            if (field is JsonObject o)
            {
                if (o["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String) f.Type = t.GetValue<string>();
                f.Required = o["required"] is JsonValue r && r.GetValueKind() == JsonValueKind.True;
                if (o["minimum"] is JsonValue min && min.GetValueKind() == JsonValueKind.Number) f.Minimum = min.GetValue<double>();
                if (o["maximum"] is JsonValue max && max.GetValueKind() == JsonValueKind.Number) f.Maximum = max.GetValue<double>();
            }
            spec.Fields[name] = f;
        }
        var approving = outcome == HumanTaskOutcomes.Approved;
        return InputValidator.Validate(spec, data ?? new JsonObject())
            .Where(e => approving || e.Message != "is required")
            .GroupBy(e => e.Field)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
    }
}
