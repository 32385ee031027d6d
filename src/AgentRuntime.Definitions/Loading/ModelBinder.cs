using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Definitions.Serialization;
using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Definitions.Loading;

/// <summary>
/// The one binder from the source tree (YAML or JSON alike) to the model. It reads the model's shape from the same
/// System.Text.Json metadata the schema and serializers use, and reports unknown properties, missing required ones and
/// wrong value types at their positions. It never stops at the first problem: bad values are skipped, the rest is bound.
/// </summary>
internal sealed class ModelBinder(ProblemSink problems)
{
    private static readonly object Failed = new();

    public WorkflowDefinition? Bind(SourceObject root) => BindObject(root, typeof(WorkflowDefinition)) as WorkflowDefinition;

    private object? Bind(SourceNode node, Type type, bool nullable)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is SourceScalar { Kind: ScalarKind.Null })
        {
            if (nullable || underlying is not null || typeof(JsonNode).IsAssignableFrom(type)) return null;
            return WrongType(node, type);
        }
        type = underlying ?? type;

        if (typeof(JsonNode).IsAssignableFrom(type)) return ToJsonNode(node);
        if (type == typeof(string))
        {
            if (node is SourceScalar s && (s.Kind == ScalarKind.String || s.IsPlainYaml)) return s.Text;
            return WrongType(node, type);
        }
        if (type == typeof(bool))
            return node is SourceScalar { Kind: ScalarKind.Boolean } b ? b.Text == "true" : WrongType(node, type);
        if (type == typeof(int) || type == typeof(long))
        {
            if (node is SourceScalar { Kind: ScalarKind.Number } n && n.IsInteger(out var l))
            {
                if (type == typeof(long)) return l;
                if (l is >= int.MinValue and <= int.MaxValue) return (int)l;
            }
            return WrongType(node, type);
        }
        if (type == typeof(double))
        {
            if (node is SourceScalar { Kind: ScalarKind.Number } n && Finite(n) is { } d) return d;
            return WrongType(node, type);
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (node is not SourceArray array) return WrongType(node, type);
            var itemType = type.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(type)!;
            foreach (var item in array.Items)
            {
                var value = Bind(item, itemType, nullable: false);
                if (value != Failed) list.Add(value);
                // keep list indexes aligned with the file so later checks report the right positions; the
                // placeholder has empty required fields, which the validator skips (the binder already reported it)
                else if (DefinitionJson.IsModelType(itemType)) list.Add(Activator.CreateInstance(itemType));
            }
            return list;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            if (node is not SourceObject map) return WrongType(node, type);
            var valueType = type.GetGenericArguments()[1];
            var dictionary = (System.Collections.IDictionary)Activator.CreateInstance(type)!;
            foreach (var p in map.Properties)
            {
                var value = Bind(p.Value, valueType, nullable: false);
                if (value != Failed) dictionary[p.Name] = value;
            }
            return dictionary;
        }
        if (node is not SourceObject obj) return WrongType(node, type);
        return BindObject(obj, type);
    }

    private object BindObject(SourceObject obj, Type type)
    {
        var info = DefinitionJson.Options.GetTypeInfo(type);
        var instance = info.CreateObject!();
        var byName = info.Properties.Where(p => p.Set is not null).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.Properties)
        {
            if (!byName.TryGetValue(property.Name, out var target))
            {
                var path = JsonPathText.Property(obj.Path, property.Name);
                problems.Error(ProblemCodes.UnknownProperty, property.KeyPosition, path,
                    $"'{property.Name}' is not a property of {Describe(type, obj.Path)}.{Suggest(property.Name, byName.Keys)}");
                continue;
            }
            seen.Add(property.Name);
            var value = Bind(property.Value, target.PropertyType, target.IsSetNullable);
            if (value != Failed) target.Set!(instance, value);
        }
        foreach (var required in info.Properties.Where(p => p.IsRequired && !seen.Contains(p.Name)))
        {
            problems.Error(ProblemCodes.MissingProperty, obj.Position, JsonPathText.Property(obj.Path, required.Name),
                $"{Capitalize(Describe(type, obj.Path))} needs '{required.Name}'.");
        }
        return instance;
    }

    private object WrongType(SourceNode node, Type type)
    {
        var found = node is SourceScalar s && s.Kind == ScalarKind.String ? $"the text '{Shorten(s.Text)}'" : node.KindName;
        if (node is SourceScalar { Kind: ScalarKind.Number } n && Finite(n) is null) found = "a number out of range";
        problems.Error(ProblemCodes.WrongType, node.Position, node.Path, $"Expected {Expected(type)} but found {found}.");
        return Failed;
    }

    private JsonNode? ToJsonNode(SourceNode node)
    {
        switch (node)
        {
            case SourceObject o:
                var obj = new JsonObject();
                foreach (var p in o.Properties) obj[p.Name] = ToJsonNode(p.Value);
                return obj;
            case SourceArray a:
                var array = new JsonArray();
                foreach (var item in a.Items) array.Add(ToJsonNode(item));
                return array;
            case SourceScalar { Kind: ScalarKind.Number } n:
                if (long.TryParse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
                if (Finite(n) is { } d) return JsonValue.Create(d);
                WrongType(n, typeof(double));
                return null;
            case SourceScalar { Kind: ScalarKind.Boolean } b:
                return JsonValue.Create(b.Text == "true");
            case SourceScalar { Kind: ScalarKind.Null }:
                return null;
            case SourceScalar s:
                return JsonValue.Create(s.Text);
            default:
                return null;
        }
    }

    private static double? Finite(SourceScalar n)
    {
        try
        {
            var d = n.AsDouble();
            return double.IsFinite(d) ? d : null;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a text";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(double)) return "a finite number";
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)) return "a list";
        return "a mapping";
    }

    private static string Describe(Type type, string path) => type.Name switch
    {
        nameof(WorkflowDefinition) => "a workflow definition",
        nameof(FlowchartDefinition) => "the flowchart",
        nameof(NodeDefinition) => "a node",
        nameof(EdgeDefinition) => "an edge",
        _ => path.EndsWith(']') ? "an item of '" + LastName(JsonPathText.Parent(path) ?? path) + "'" : "'" + LastName(path) + "'",
    };

    private static string LastName(string path)
    {
        var parent = JsonPathText.Parent(path);
        var rest = parent is null ? path : path[parent.Length..];
        return rest.Trim('.', '[', ']', '\'', '$');
    }

    private static string Capitalize(string s) => s.StartsWith('\'') ? s : char.ToUpperInvariant(s[0]) + s[1..];

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    /// <summary>" Did you mean 'x'?" for a near miss (case or up to two edits), else empty.</summary>
    internal static string Suggest(string name, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (c, d: string.Equals(c, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(c, name)))
            .Where(x => x.d <= 2)
            .OrderBy(x => x.d)
            .Select(x => x.c)
            .FirstOrDefault();
        return best is null ? "" : $" Did you mean '{best}'?";
    }

    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2) return 3;
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
