using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Definitions.Serialization;

/// <summary>
/// The System.Text.Json options that define how the model is written. The loader's binder, the JSON Schema and the
/// serializers all read the model through these same options, so a property added to the model appears in all of them.
/// </summary>
public static class DefinitionJson
{
    /// <summary>
    /// Model options: camelCase names, nulls, false flags and empty lists/maps omitted, unknown properties refused. Use these (not
    /// defaults) to deserialize a definition's <c>CanonicalJson</c> back into a <see cref="WorkflowDefinition"/>.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false, canonical: false);

    /// <summary>The options files in <c>workflows/</c> are written with: indented by two spaces, readable non-ASCII.</summary>
    internal static JsonSerializerOptions FileOptions { get; } = Create(indented: true, canonical: false);

    /// <summary>Canonical options: compact, <c>$schema</c> left out (an editor hint is not part of a version).</summary>
    internal static JsonSerializerOptions CanonicalOptions { get; } = Create(indented: false, canonical: true);

    private static JsonSerializerOptions Create(bool indented, bool canonical)
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            if (info.Kind != JsonTypeInfoKind.Object) return;
            foreach (var property in info.Properties)
            {
                if (canonical && property.Name == "$schema")
                    property.ShouldSerialize = static (_, _) => false;
                else if (typeof(ICollection).IsAssignableFrom(property.PropertyType) && property.PropertyType != typeof(string))
                    property.ShouldSerialize = static (_, value) => value is ICollection { Count: > 0 };
                else if (property.PropertyType == typeof(bool) && !property.IsRequired)
                    property.ShouldSerialize = static (_, value) => value is true; // flags are written only when set
            }
        });
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = indented,
            IndentSize = 2,
            NewLine = "\n",
            Encoder = indented ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default,
            TypeInfoResolver = resolver,
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Model types whose properties the schema and binder describe (all classes of the model namespace).</summary>
    internal static bool IsModelType(Type type) => type.Namespace == typeof(WorkflowDefinition).Namespace && type.IsClass;
}
