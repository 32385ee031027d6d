using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Definitions.Serialization;

namespace AgentRuntime.Definitions.Schema;

/// <summary>
/// Generates the JSON Schema (draft 2020-12) of definition files from the model (by reflection, through the same
/// System.Text.Json metadata the loader binds with) and the activity catalog (each node type's <c>inputs</c> as an
/// if/then on <c>type</c>). The committed <c>workflows/workflow.schema.json</c> is this output for
/// <see cref="ActivityCatalog.BuiltIn"/>; a test fails when they differ, so regenerate it after changing the model or catalog.
/// </summary>
public static class WorkflowSchema
{
    /// <summary>The schema's own id; files may reference the committed copy instead.</summary>
    public const string SchemaId = "https://agentruntime.dev/schemas/workflow.schema.json";

    /// <summary>The schema as indented JSON text with a final newline. Deterministic: the same model and catalog give the same text.</summary>
    public static string Generate(ActivityCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, schema) =>
            {
                if (schema is JsonObject o && context.TypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object
                    && DefinitionJson.IsModelType(context.TypeInfo.Type) && o["properties"] is not null)
                {
                    o["additionalProperties"] = false;
                    if (context.TypeInfo.Type == typeof(NodeDefinition)) AddNodeTypes(o, catalog);
                }
                return schema;
            },
        };
        var body = DefinitionJson.Options.GetJsonSchemaAsNode(typeof(WorkflowDefinition), exporter).AsObject();
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = SchemaId,
            ["title"] = "AgentRuntime workflow definition",
            ["description"] = "A governed workflow: owner, outcome, boundary, data sources, audit protocol, rollback and the flowchart of activities.",
        };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            root[key] = value;
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2, NewLine = "\n", Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static void AddNodeTypes(JsonObject node, ActivityCatalog catalog)
    {
        var types = catalog.All.OrderBy(a => a.Type, StringComparer.Ordinal).ToList();
        var properties = node["properties"]!.AsObject();
        properties["type"] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray([.. types.Select(t => (JsonNode)t.Type)]),
        };
        var cases = new JsonArray();
        foreach (var activity in types)
        {
            var inputs = new JsonObject();
            foreach (var input in activity.Inputs)
            {
                var s = InputSchema(activity.Type, input);
                s["description"] = input.Description;
                inputs[input.Name] = s;
            }
            var required = activity.Inputs.Where(i => i.Required).Select(i => (JsonNode)i.Name).ToArray();
            var inputsSchema = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = inputs,
                ["additionalProperties"] = false,
            };
            if (required.Length > 0) inputsSchema["required"] = new JsonArray(required);
            cases.Add(new JsonObject
            {
                ["if"] = new JsonObject
                {
                    ["properties"] = new JsonObject { ["type"] = new JsonObject { ["const"] = activity.Type } },
                    ["required"] = new JsonArray("type"),
                },
                ["then"] = new JsonObject
                {
                    ["description"] = activity.Description,
                    ["properties"] = new JsonObject { ["inputs"] = inputsSchema },
                },
            });
        }
        node["allOf"] = cases;
    }

    private static JsonObject InputSchema(string nodeType, ActivityInput input) => input.Kind switch
    {
        InputKind.String or InputKind.Template => new() { ["type"] = "string" },
        InputKind.Expression => new() { ["type"] = new JsonArray("string", "number", "boolean") },
        InputKind.Number => new() { ["type"] = "number" },
        InputKind.Integer => new() { ["type"] = "integer" },
        InputKind.Boolean => new() { ["type"] = "boolean" },
        InputKind.Duration => new() { ["type"] = "string", ["pattern"] = DurationPattern },
        InputKind.StringList => new() { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
        InputKind.ExpressionMap => ExpressionMap(),
        _ => (nodeType, input.Name) switch
        {
            ("decision", "branches") => ListOf(Shape(("port", Str(), true), ("when", Expr(), true))),
            ("validate", "rules") => ListOf(Shape(("rule", Expr(), true), ("message", Str(), false))),
            ("action", "compensation") => Shape(("action", Str(), true), ("connector", Str(), true), ("input", ExpressionMap(), false), ("url", Str(), false), ("idempotencyKey", Expr(), false)),
            ("approval", "form") => new() { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "object" } },
            _ => [],
        },
    };

    /// <summary>The duration syntax of <see cref="Validation.DurationFormat"/> as a regular expression.</summary>
    internal const string DurationPattern = "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$";

    private static JsonObject Str() => new() { ["type"] = "string" };

    private static JsonObject Expr() => new() { ["type"] = new JsonArray("string", "number", "boolean") };

    private static JsonObject ExpressionMap() => new() { ["type"] = "object", ["additionalProperties"] = Expr() };

    private static JsonObject ListOf(JsonObject item) => new() { ["type"] = "array", ["items"] = item };

    private static JsonObject Shape(params (string Name, JsonObject Schema, bool Required)[] properties)
    {
        var props = new JsonObject();
        foreach (var p in properties) props[p.Name] = p.Schema;
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = props,
            ["required"] = new JsonArray([.. properties.Where(p => p.Required).Select(p => (JsonNode)p.Name)]),
            ["additionalProperties"] = false,
        };
    }
}
