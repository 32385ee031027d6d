using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Telemetry;

/// <summary>
/// Replaces the values of named fields (at any depth, case-insensitive: <c>password</c>, <c>ssn</c>, <c>cardNumber</c>…)
/// with <see cref="Mask"/> before a payload is written where people and tools read it: journal input/output and
/// telemetry. The instance's own data is untouched — the workflow still needs it — only the copies written for
/// observation are redacted. Configured with <c>Redaction:Fields</c> (host) / <see cref="EngineOptions.RedactFields"/>.
/// </summary>
public sealed class PayloadRedactor
{
    public const string Mask = "***";

    private readonly HashSet<string> _fields;

    public PayloadRedactor(IEnumerable<string>? fields) =>
        _fields = new HashSet<string>((fields ?? []).Select(f => f.Trim()).Where(f => f.Length > 0), StringComparer.OrdinalIgnoreCase);

    public bool IsActive => _fields.Count > 0;

    /// <summary>The node itself when nothing needs redacting (no copy), else a redacted deep copy.</summary>
    public JsonNode? Redact(JsonNode? node)
    {
        if (node is null || !IsActive || !Contains(node)) return node;
        var copy = node.DeepClone();
        Apply(copy);
        return copy;
    }

    private bool Contains(JsonNode node) => node switch
    {
        JsonObject o => o.Any(p => _fields.Contains(p.Key) || (p.Value is not null && Contains(p.Value))),
        JsonArray a => a.Any(i => i is not null && Contains(i)),
        _ => false,
    };

    private void Apply(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (_fields.Contains(key)) o[key] = Mask;
                    else if (o[key] is { } child) Apply(child);
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                    if (item is not null) Apply(item);
                break;
        }
    }
}
