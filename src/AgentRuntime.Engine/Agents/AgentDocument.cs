using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Engine.Execution;
using YamlDotNet.RepresentationModel;

namespace AgentRuntime.Engine.Agents;

/// <summary>A problem in an agent definition, at a JSON path (<c>$.rules[0].when</c>).</summary>
public sealed record AgentProblem(string File, string Path, string Message)
{
    public override string ToString() => $"{File}: {Path}: {Message}";
}

/// <summary>
/// Reads and validates an agent definition (YAML or JSON). <see cref="CanonicalJson"/> is the definition re-serialised
/// compactly with the initial-only fields (<c>stage</c>, <c>paused</c>) removed, and <see cref="ContentHash"/> its
/// SHA-256: the same content always gives the same hash, so a re-sync of an unchanged file creates no version.
/// </summary>
public sealed partial class AgentDocument
{
    private AgentDocument(string file, AgentDefinition? definition, List<AgentProblem> problems)
    {
        File = file;
        Definition = definition;
        Problems = problems;
        if (definition is not null && problems.Count == 0)
        {
            var node = JsonSerializer.SerializeToNode(definition, Json)!.AsObject();
            node.Remove("stage");
            node.Remove("paused");
            CanonicalJson = node.ToJsonString();
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson)));
        }
    }

    public string File { get; }
    public AgentDefinition? Definition { get; }
    public IReadOnlyList<AgentProblem> Problems { get; }
    public bool IsValid => Definition is not null && Problems.Count == 0;
    public string CanonicalJson { get; } = "";
    public string ContentHash { get; } = "";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static readonly IReadOnlyList<string> Kinds = ["rules", "llm", "http"];

    public static AgentDocument Load(string path) => Parse(System.IO.File.ReadAllText(path), path);

    public static AgentDocument Parse(string text, string file)
    {
        var problems = new List<AgentProblem>();
        JsonNode? tree;
        try
        {
            tree = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : YamlToJson(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            problems.Add(new AgentProblem(file, "$", $"Not readable: {e.Message}"));
            return new AgentDocument(file, null, problems);
        }
        if (tree is not JsonObject)
        {
            problems.Add(new AgentProblem(file, "$", "An agent definition must be a mapping."));
            return new AgentDocument(file, null, problems);
        }
        AgentDefinition? definition;
        try
        {
            definition = tree.Deserialize<AgentDefinition>(Json);
        }
        catch (JsonException e)
        {
            problems.Add(new AgentProblem(file, e.Path ?? "$", e.Message));
            return new AgentDocument(file, null, problems);
        }
        if (definition is null)
        {
            problems.Add(new AgentProblem(file, "$", "Empty definition."));
            return new AgentDocument(file, null, problems);
        }
        Validate(definition, file, problems);
        return new AgentDocument(file, definition, problems);
    }

    /// <summary>Parses the stored canonical JSON (already validated when stored).</summary>
    public static AgentDefinition FromCanonicalJson(string json) =>
        JsonSerializer.Deserialize<AgentDefinition>(json, Json) ?? throw new InvalidOperationException("Empty agent definition.");

    [GeneratedRegex("^[a-z][a-z0-9-]{0,99}$")]
    private static partial Regex IdPattern();

    private static void Validate(AgentDefinition d, string file, List<AgentProblem> problems)
    {
        void Error(string path, string message) => problems.Add(new AgentProblem(file, path, message));
        void Expression(string path, string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) { Error(path, "An expression is required."); return; }
            if (!CompiledExpression.TryParse(text, out _, out var error)) Error(path, $"Invalid expression: {error!.Message}");
        }

        if (!IdPattern().IsMatch(d.Id)) Error("$.id", "The id must be lowercase letters, digits and dashes, starting with a letter.");
        if (!Kinds.Contains(d.Kind)) Error("$.kind", $"The kind must be one of {string.Join(", ", Kinds)}.");
        if (d.Owner is null || string.IsNullOrWhiteSpace(d.Owner.Name)) Error("$.owner", "An agent needs a named owner.");
        if (d.Stage is not null && !AgentStages.All.Contains(d.Stage)) Error("$.stage", "The stage must be shadow, draft or execute.");
        if (d.ConfidenceThreshold is < 0 or > 1) Error("$.confidenceThreshold", "The confidence threshold must be between 0 and 1.");
        if (d.Comparator is { } c)
        {
            if (c.Fields.Count == 0 && c.Expression is null) Error("$.comparator", "A comparator needs fields or an expression.");
            if (c.Expression is not null) Expression("$.comparator.expression", c.Expression);
        }
        if (d.Evidence is { } ev)
        {
            if (ev.ShadowAgreement is < 0 or > 1) Error("$.evidence.shadowAgreement", "A rate must be between 0 and 1.");
            if (ev.DraftApprovalRate is < 0 or > 1) Error("$.evidence.draftApprovalRate", "A rate must be between 0 and 1.");
            if (ev.ShadowMinCases is < 1) Error("$.evidence.shadowMinCases", "At least one case.");
            if (ev.DraftMinCases is < 1) Error("$.evidence.draftMinCases", "At least one case.");
        }
        if (d.Demotion?.Window is { } w && !Durations.TryParse(w, out _)) Error("$.demotion.window", "Not a duration (e.g. 1h, 30m).");
        switch (d.Kind)
        {
            case "rules":
                if (d.Rules.Count == 0) Error("$.rules", "A rules agent needs at least one rule.");
                for (var i = 0; i < d.Rules.Count; i++)
                {
                    Expression($"$.rules[{i}].when", d.Rules[i].When);
                    foreach (var (field, expr) in d.Rules[i].Result) Expression($"$.rules[{i}].result.{field}", expr);
                    if (d.Rules[i].Confidence is < 0 or > 1) Error($"$.rules[{i}].confidence", "Confidence must be between 0 and 1.");
                }
                break;
            case "llm":
                if (string.IsNullOrWhiteSpace(d.Model?.Name)) Error("$.model.name", "An llm agent needs a model name.");
                if (d.Llm?.BaseUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _)) Error("$.llm.baseUrl", "Not an absolute URL.");
                if (d.Llm?.Timeout is { } t && !Durations.TryParse(t, out _)) Error("$.llm.timeout", "Not a duration.");
                if (d.OutputSchema is null) Error("$.outputSchema", "An llm agent needs an output schema (its answers are checked against it).");
                break;
            case "http":
                if (d.Http?.Url is not { } u || !Uri.TryCreate(u, UriKind.Absolute, out _)) Error("$.http.url", "An http agent needs an absolute URL.");
                if (d.Http?.Timeout is { } ht && !Durations.TryParse(ht, out _)) Error("$.http.timeout", "Not a duration.");
                break;
        }
        if (d.OutputSchema is { } schema && schema["type"] is not null && schema["type"]!.GetValueKind() != JsonValueKind.String)
            Error("$.outputSchema.type", "The schema's type must be a string.");
    }

    // ---- YAML → JSON with scalar typing (plain scalars become numbers, booleans and null) ----------------------

    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode);
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode s => Scalar(s),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style != YamlDotNet.Core.ScalarStyle.Plain) return JsonValue.Create(v);
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && char.IsAsciiDigit(v[^1])) return JsonValue.Create(d);
        return JsonValue.Create(v);
    }
}
