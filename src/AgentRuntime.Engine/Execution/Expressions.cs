using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// The engine's one doorway to the expression language (<c>AgentRuntime.Definitions.Expressions</c>). Parsed expressions
/// and templates are cached by text: definitions are immutable, so the same text always parses to the same tree.
/// </summary>
internal static class Expressions
{
    private const int MaxCached = 20_000;
    private static readonly ConcurrentDictionary<string, CompiledExpression> Compiled = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Template> Templates = new(StringComparer.Ordinal);

    public static CompiledExpression Get(string text)
    {
        if (Compiled.TryGetValue(text, out var e)) return e;
        e = CompiledExpression.Parse(text);
        if (Compiled.Count < MaxCached) Compiled.TryAdd(text, e);
        return e;
    }

    public static JsonNode? Evaluate(string text, ExpressionScope scope) => Get(text).Evaluate(scope);

    public static bool EvaluateBoolean(string text, ExpressionScope scope) => Get(text).EvaluateBoolean(scope);

    public static IReadOnlyList<string> RootPaths(string text) => Get(text).RootPaths;

    public static string Render(string template, ExpressionScope scope)
    {
        if (!template.Contains("{{", StringComparison.Ordinal)) return template;
        if (!Templates.TryGetValue(template, out var t))
        {
            t = Template.Parse(template);
            if (Templates.Count < MaxCached) Templates.TryAdd(template, t);
        }
        return t.Render(scope);
    }
}

/// <summary>A live read-only view of a <see cref="JsonObject"/> (the scope sees later changes without copying).</summary>
internal sealed class JsonObjectView(JsonObject inner) : IReadOnlyDictionary<string, JsonNode?>
{
    public JsonNode? this[string key] => inner[key];
    public IEnumerable<string> Keys => ((IDictionary<string, JsonNode?>)inner).Keys;
    public IEnumerable<JsonNode?> Values => ((IDictionary<string, JsonNode?>)inner).Values;
    public int Count => inner.Count;
    public bool ContainsKey(string key) => inner.ContainsKey(key);
    public bool TryGetValue(string key, out JsonNode? value) => inner.TryGetPropertyValue(key, out value);
    public IEnumerator<KeyValuePair<string, JsonNode?>> GetEnumerator() => inner.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
