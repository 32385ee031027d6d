using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Definitions.Serialization;

/// <summary>
/// Writes a model as a definition file in the style of <c>workflows/</c>: two-space indentation, camelCase properties in
/// model order, nulls and empty lists/maps omitted, a final newline. Reading the output back gives the same
/// <see cref="DefinitionDocument.CanonicalJson"/> (round trip), but comments and key order inside maps other than
/// node inputs are not preserved, so saving through it rewrites a hand-edited file in this style.
/// </summary>
public static class DefinitionSerializer
{
    /// <summary>The comment that points YAML editors at the schema committed beside the definitions.</summary>
    public const string YamlSchemaComment = "# yaml-language-server: $schema=./workflow.schema.json";

    /// <summary>JSON file text. <c>$schema</c> is written when the model has one.</summary>
    public static string ToJson(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return JsonSerializer.Serialize(definition, DefinitionJson.FileOptions) + "\n";
    }

    /// <summary>The canonical JSON of <see cref="DefinitionDocument.CanonicalJson"/>: the same model always gives the same string.</summary>
    public static string ToCanonicalJson(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return JsonSerializer.Serialize(definition, DefinitionJson.CanonicalOptions);
    }

    /// <summary>YAML file text, starting with <see cref="YamlSchemaComment"/> (which replaces a <c>$schema</c> property).
    /// Text is left plain where YAML reads it back as the same text, double-quoted otherwise, and multi-line text becomes a
    /// literal block.</summary>
    public static string ToYaml(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var node = JsonSerializer.SerializeToNode(definition, DefinitionJson.FileOptions)!.AsObject();
        node.Remove("$schema");
        var sb = new StringBuilder();
        sb.Append(YamlSchemaComment).Append('\n');
        YamlWriter.WriteMapping(sb, node, 0);
        return sb.ToString();
    }
}

/// <summary>A small block-style YAML writer for JSON trees.</summary>
internal static class YamlWriter
{
    public static void WriteMapping(StringBuilder sb, JsonObject obj, int indent, bool firstInline = false)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!(first && firstInline)) sb.Append(' ', indent);
            first = false;
            sb.Append(Scalar(key)).Append(':');
            WriteValue(sb, value, indent);
        }
    }

    /// <summary>Writes what follows "key:" or "-": an inline scalar, or a nested block on the next lines.</summary>
    private static void WriteValue(StringBuilder sb, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: 0 }:
                sb.Append(" {}\n");
                break;
            case JsonArray { Count: 0 }:
                sb.Append(" []\n");
                break;
            case JsonObject o:
                sb.Append('\n');
                WriteMapping(sb, o, indent + 2);
                break;
            case JsonArray a:
                sb.Append('\n');
                WriteSequence(sb, a, indent + 2);
                break;
            default:
                WriteScalar(sb, value, indent);
                break;
        }
    }

    private static void WriteSequence(StringBuilder sb, JsonArray array, int indent)
    {
        foreach (var item in array)
        {
            sb.Append(' ', indent).Append('-');
            switch (item)
            {
                case JsonObject { Count: > 0 } o:
                    sb.Append(' ');
                    WriteMapping(sb, o, indent + 2, firstInline: true);
                    break;
                case JsonArray { Count: > 0 } a:
                    sb.Append('\n');
                    WriteSequence(sb, a, indent + 2);
                    break;
                default:
                    WriteValue(sb, item, indent);
                    break;
            }
        }
    }

    private static void WriteScalar(StringBuilder sb, JsonNode? value, int indent)
    {
        if (value is null) { sb.Append(" null\n"); return; }
        if (value.GetValueKind() != JsonValueKind.String)
        {
            sb.Append(' ').Append(value.ToJsonString()).Append('\n');
            return;
        }
        var text = value.GetValue<string>();
        if (text.Contains('\n') && CanBeLiteralBlock(text))
        {
            var body = text.TrimEnd('\n');
            var trailing = text.Length - body.Length;
            sb.Append(trailing == 0 ? " |-" : trailing == 1 ? " |" : " |+").Append('\n');
            foreach (var line in body.Split('\n'))
            {
                if (line.Length > 0) sb.Append(' ', indent + 2).Append(line);
                sb.Append('\n');
            }
            for (var i = 1; i < trailing; i++) sb.Append('\n');
            return;
        }
        sb.Append(' ').Append(Scalar(text)).Append('\n');
    }

    private static bool CanBeLiteralBlock(string text) =>
        !text.StartsWith(' ') && !text.StartsWith('\n') && !text.Contains('\r') && !text.Contains('\t')
        && text.All(c => !char.IsControl(c) || c == '\n') && !text.Split('\n').Any(l => l.EndsWith(' '));

    /// <summary>The text as a plain scalar when YAML reads that back as the same text, else double-quoted.</summary>
    internal static string Scalar(string text) => IsPlainSafe(text) ? text : Quote(text);

    private static bool IsPlainSafe(string s)
    {
        if (s.Length == 0 || s != s.Trim()) return false;
        if ("-?:,[]{}#&*!|>'\"%@`".Contains(s[0], StringComparison.Ordinal)) return false;
        if (s.Contains(": ", StringComparison.Ordinal) || s.Contains(" #", StringComparison.Ordinal) || s.EndsWith(':')) return false;
        if (s.Any(c => char.IsControl(c) || c == '\uFEFF')) return false;
        return YamlTreeReader.Resolve(s) == ScalarKind.String;
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c == '\uFEFF' || c is '\u0085' or '\u2028' or '\u2029') sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
