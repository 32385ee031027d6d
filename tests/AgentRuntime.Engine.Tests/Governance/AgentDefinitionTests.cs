using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance.Readiness;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Testing;

namespace AgentRuntime.Engine.Tests.Governance;

/// <summary>
/// Tier: unit — no database. Why: the pieces the stage gate stands on must be exact: agent files (the shipped samples
/// included) validate with precise paths, lineage keys come out of every path form the expression language emits, the
/// shadow comparator never counts a broken comparison as agreement, and the output-schema check lists every violation.
/// </summary>
public sealed class AgentDefinitionTests
{
    [Fact]
    public void The_shipped_agents_validate_and_every_sample_workflow_names_a_shipped_agent()
    {
        var agents = Directory.EnumerateFiles(Path.Combine(RepoPaths.Workflows, "agents"), "*.yaml").Select(AgentDocument.Load).ToList();
        Assert.Equal(3, agents.Count);
        Assert.All(agents, a => Assert.True(a.IsValid, string.Join("; ", a.Problems)));
        var ids = agents.Select(a => a.Definition!.Id).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Workflows, "*.yaml"))
        {
            var workflow = DefinitionDocument.Load(file, ActivityCatalog.BuiltIn);
            Assert.False(workflow.HasErrors, string.Join("; ", workflow.Problems));
            Assert.All(ReadinessService.AgentsOf(workflow.Definition!), id => Assert.Contains(id, ids));
        }
    }

    [Fact]
    public void A_definition_with_problems_reports_each_at_its_path_and_the_hash_ignores_initial_state()
    {
        var bad = AgentDocument.Parse("""
            id: Bad_Id
            kind: llm
            stage: production
            confidenceThreshold: 2
            rules: [{ when: "1 +", result: {} }]
            """, "bad.yaml");
        Assert.False(bad.IsValid);
        var paths = bad.Problems.Select(p => p.Path).ToList();
        Assert.Contains("$.id", paths);
        Assert.Contains("$.owner", paths);
        Assert.Contains("$.stage", paths);
        Assert.Contains("$.confidenceThreshold", paths);
        Assert.Contains("$.model.name", paths);
        Assert.Contains("$.outputSchema", paths);

        Assert.Contains(AgentDocument.Parse("id: a\nkind: rules\nunknownField: 1\n", "u.yaml").Problems, p => p.Message.Contains("unknownField", StringComparison.Ordinal));

        const string body = "id: a\nkind: rules\nowner: { name: O }\nrules: [{ when: 'true', result: { x: '1' } }]\n";
        var shadow = AgentDocument.Parse(body + "stage: shadow\n", "a.yaml");
        var execute = AgentDocument.Parse(body + "stage: execute\npaused: true\n", "a.yaml");
        Assert.True(shadow.IsValid && execute.IsValid);
        Assert.Equal(shadow.ContentHash, execute.ContentHash); // stage and paused are governed state, not content
    }

    [Theory]
    [InlineData("outputs.propose.result.amount", "outputs.propose")]
    [InlineData("outputs.propose", "outputs.propose")]
    [InlineData("outputs.propose-refund.result", "outputs.propose-refund")]
    [InlineData("outputs['odd key'].x", "outputs.odd key")]
    [InlineData("outputs.items[0]", "outputs.items")]
    [InlineData("vars.draft.amount", "vars.draft")]
    [InlineData("input.amount", null)]
    [InlineData("instance.id", null)]
    public void Lineage_keys_come_from_every_path_form(string path, string? key)
    {
        var state = new InstanceState();
        Assert.Equal(key is null ? [] : [key], Provenance.KeysOf(path, state).ToArray());
    }

    [Fact]
    public void Reading_all_outputs_derives_from_every_tainted_output()
    {
        var state = new InstanceState();
        state.Provenance["outputs.a"] = [new AgentTaint("x", "d1", "execute")];
        state.Provenance["outputs.b"] = [new AgentTaint("y", "d2", "draft", Approved: true)];
        state.Provenance["vars.v"] = [new AgentTaint("z", "d3", "execute")];
        Assert.Equal(["d1", "d2"], Provenance.TaintsOf(["outputs"], state).Select(t => t.Decision).Order().ToArray());
    }

    [Fact]
    public void The_comparator_agrees_by_fields_with_tolerance_or_by_expression_and_a_broken_expression_disagrees()
    {
        var proposal = JsonNode.Parse("""{"amount": 100.004, "policy": "Full", "note": "x"}""");
        var decision = JsonNode.Parse("""{"amount": 100, "policy": "full", "note": "y"}""");
        Assert.True(AgentComparator.Agrees(new AgentComparatorSpec { Fields = ["amount", "policy"], Tolerance = 0.01 }, proposal, decision, TimeProvider.System));
        Assert.False(AgentComparator.Agrees(new AgentComparatorSpec { Fields = ["amount", "note"], Tolerance = 0.01 }, proposal, decision, TimeProvider.System));
        Assert.True(AgentComparator.Agrees(new AgentComparatorSpec { Expression = "abs(vars.proposal.amount - vars.decision.amount) < 1" }, proposal, decision, TimeProvider.System));
        Assert.False(AgentComparator.Agrees(new AgentComparatorSpec { Expression = "vars.proposal.amount.nope > 1" }, proposal, decision, TimeProvider.System));
        Assert.False(AgentComparator.Agrees(null, proposal, decision, TimeProvider.System)); // default: whole results equal
    }

    [Fact]
    public void The_output_schema_check_lists_every_violation()
    {
        var schema = JsonNode.Parse("""
            {"type": "object", "required": ["amount", "policy"], "properties": {
              "amount": {"type": "number", "minimum": 0}, "policy": {"type": "string", "enum": ["full", "partial"]},
              "tags": {"type": "array", "items": {"type": "string"}}}}
            """)!.AsObject();
        Assert.Empty(OutputSchema.Check(schema, JsonNode.Parse("""{"amount": 3, "policy": "full", "tags": ["a"]}""")));
        var errors = OutputSchema.Check(schema, JsonNode.Parse("""{"amount": -1, "tags": ["a", 2]}"""));
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("'policy' is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("$.amount", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("$.tags[1]", StringComparison.Ordinal));
        Assert.Single(OutputSchema.Check(schema, JsonValue.Create("text")));
    }
}
