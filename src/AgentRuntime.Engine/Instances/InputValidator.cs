using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Engine.Instances;

/// <summary>One problem with a start input, naming the field.</summary>
public sealed record InputError(string Field, string Message);

/// <summary>Starting with input that fails the definition's <c>input.fields</c> is refused before anything is stored.</summary>
public sealed class InputValidationException(IReadOnlyList<InputError> errors)
    : Exception("The input does not match the workflow's input fields: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<InputError> Errors { get; } = errors;
}

/// <summary>Checks an input against <see cref="InputSpec"/>: required fields, types, minimum/maximum, enum. Unknown fields are allowed.</summary>
public static class InputValidator
{
    public static IReadOnlyList<InputError> Validate(InputSpec? spec, JsonNode? input)
    {
        var errors = new List<InputError>();
        if (spec is null || spec.Fields.Count == 0)
        {
            if (input is not null and not JsonObject) errors.Add(new InputError("$", "the input must be a JSON object"));
            return errors;
        }
        if (input is not null and not JsonObject)
        {
            errors.Add(new InputError("$", "the input must be a JSON object"));
            return errors;
        }
        var obj = input as JsonObject;
        foreach (var (name, field) in spec.Fields)
        {
            var value = obj?[name];
            if (value is null)
            {
                if (field.Required) errors.Add(new InputError(name, "is required"));
                continue;
            }
            var kind = value.GetValueKind();
            var typeOk = field.Type switch
            {
                "string" => kind == JsonValueKind.String,
                "number" => kind == JsonValueKind.Number,
                "integer" => kind == JsonValueKind.Number && IsInteger(value),
                "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
                "object" => kind == JsonValueKind.Object,
                "array" => kind == JsonValueKind.Array,
                _ => true,
            };
            if (!typeOk)
            {
                errors.Add(new InputError(name, $"must be of type {field.Type}, not {kind.ToString().ToLowerInvariant()}"));
                continue;
            }
            if (kind == JsonValueKind.Number)
            {
                var n = ToDouble(value);
                if (field.Minimum is { } min && n < min) errors.Add(new InputError(name, $"must be ≥ {min}"));
                if (field.Maximum is { } max && n > max) errors.Add(new InputError(name, $"must be ≤ {max}"));
            }
            if (field.Enum is { Count: > 0 } allowed && kind == JsonValueKind.String && !allowed.Contains(value.GetValue<string>()))
                errors.Add(new InputError(name, $"must be one of: {string.Join(", ", allowed)}"));
        }
        return errors;
    }

    /// <summary>Any JSON number as a double, whether the node was parsed (JsonElement) or built in code (int, long, decimal…).</summary>
    internal static double ToDouble(JsonNode value) =>
        double.Parse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsInteger(JsonNode value)
    {
        var d = ToDouble(value);
        return Math.Abs(d % 1) < double.Epsilon;
    }
}
