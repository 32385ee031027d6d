using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Definitions.Schema;
using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Schema;

public class SchemaTests
{
    private static string CommittedPath => Path.Combine(Workflows, "workflow.schema.json");

    [Fact]
    public void Committed_schema_matches_the_model_and_catalog()
    {
        var generated = WorkflowSchema.Generate(ActivityCatalog.BuiltIn);
        if (Environment.GetEnvironmentVariable("AGENTRT_UPDATE_SCHEMA") == "1") File.WriteAllText(CommittedPath, generated);
        Assert.True(generated == File.ReadAllText(CommittedPath),
            "workflows/workflow.schema.json is stale: run `agentrt schema > workflows/workflow.schema.json` (or this test with AGENTRT_UPDATE_SCHEMA=1).");
    }

    [Fact]
    public void Schema_is_deterministic() =>
        Assert.Equal(WorkflowSchema.Generate(ActivityCatalog.BuiltIn), WorkflowSchema.Generate(ActivityCatalog.BuiltIn));

    [Fact]
    public void Schema_names_every_model_property_and_every_activity_input()
    {
        var schema = JsonNode.Parse(WorkflowSchema.Generate(ActivityCatalog.BuiltIn))!;
        var root = schema["properties"]!.AsObject();
        Assert.Contains("auditProtocol", root.Select(p => p.Key));
        Assert.Contains("$schema", root.Select(p => p.Key));
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        var node = root["flowchart"]!["properties"]!["nodes"]!["items"]!;
        var types = node["properties"]!["type"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Equal(ActivityCatalog.BuiltIn.All.Select(a => a.Type).Order(StringComparer.Ordinal), types);
        var cases = node["allOf"]!.AsArray();
        foreach (var activity in ActivityCatalog.BuiltIn.All)
        {
            var then = cases.Single(c => c!["if"]!["properties"]!["type"]!["const"]!.GetValue<string>() == activity.Type)!["then"]!;
            var inputs = then["properties"]!["inputs"]!;
            Assert.Equal(activity.Inputs.Select(i => i.Name), inputs["properties"]!.AsObject().Select(p => p.Key));
            Assert.False(inputs["additionalProperties"]!.GetValue<bool>());
        }
        Assert.DoesNotContain("fromNode", schema.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_activities_appear_in_the_schema()
    {
        var extra = new ActivityDescriptor("score", "Score", "Scores.", [new("model", InputKind.String, true, "Model.")], [new("done", true, "Done.")]);
        var schema = WorkflowSchema.Generate(ActivityCatalog.BuiltIn.With(extra));
        Assert.Contains("\"score\"", schema, StringComparison.Ordinal);
    }

    /// <summary>Every file in workflows/ binds to the model with nothing unknown or mistyped (the model is the schema's source).</summary>
    [Fact]
    public void Every_sample_file_matches_the_model_exactly()
    {
        var files = Directory.EnumerateFiles(Workflows, "*.*", SearchOption.TopDirectoryOnly)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) != "workflow.schema.json")
            .ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var doc = DefinitionDocument.Load(file, ActivityCatalog.BuiltIn);
            Assert.True(doc.Problems.Count == 0, string.Join("\n", doc.Problems));
            Assert.StartsWith(file.EndsWith(".json", StringComparison.Ordinal) ? "{" : "# yaml-language-server: $schema=./workflow.schema.json", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Model_properties_not_in_the_file_format_would_be_caught()
    {
        // the binder refuses what the model lacks: a property added to a sample but not to the model fails the sample test
        var text = SampleText.Replace("  unit: hours\n", "  unit: hours\n  baseline: 12\n", StringComparison.Ordinal);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.UnknownProperty, At(text, "baseline"), "$.outcome.baseline");
        Assert.IsType<WorkflowDefinition>(doc.Definition);
        Assert.Equal("refund_cycle_time", doc.Definition.Outcome!.Metric);
    }
}
