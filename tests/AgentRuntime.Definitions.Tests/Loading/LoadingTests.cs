using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Serialization;
using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Loading;

public class LoadingTests
{
    [Fact]
    public void Sample_loads_with_no_problems_at_all()
    {
        var doc = DefinitionDocument.Load(SamplePath, ActivityCatalog.BuiltIn);
        Assert.Empty(doc.Problems);
        Assert.True(doc.IsPublishable);
        var d = doc.Definition!;
        Assert.Equal("customer-refund", d.Id);
        Assert.Equal("Dana Whitfield", d.Owner!.Name);
        Assert.Equal("dana.whitfield@example.com", d.Owner.Email);
        Assert.Equal(4, d.Outcome!.Target);
        Assert.Equal("orders", d.DataSources[0].Probe!.Connection);
        Assert.True(d.Input!.Fields["amount"].Required);
        Assert.Equal(0, d.Input.Fields["amount"].Minimum);
        Assert.Equal(64, doc.ContentHash.Length);
    }

    [Fact]
    public void Base_fixture_has_no_problems()
    {
        var doc = Parse(Base);
        Assert.Empty(doc.Problems);
    }

    private const string SmallYaml = """
        # yaml-language-server: $schema=./workflow.schema.json
        id: small
        name: "Small \u00e9"
        variables:
          limit: "100"
        flowchart:
          nodes:
            - id: a
              type: notify
              inputs:
                message: Hello {{ input.name }}
                to: 'ops'
            - id: b
              type: end
              inputs:
                output:
                  ok: true
                  n: 1.50
          edges:
            - {from: a.done, to: b}
        """;

    private const string SmallJson = """
        {
          "$schema": "./workflow.schema.json",
          "id": "small",
          "name": "Small é",
          "variables": { "limit": "100" },
          "flowchart": {
            "edges": [ { "to": "b", "from": "a.done" } ],
            "nodes": [
              { "type": "notify", "id": "a", "inputs": { "message": "Hello {{ input.name }}", "to": "ops" } },
              { "id": "b", "type": "end", "inputs": { "output": { "ok": true, "n": 1.5 } } }
            ]
          }
        }
        """;

    [Fact]
    public void Yaml_and_json_of_one_definition_give_the_same_canonical_json_and_hash()
    {
        var yaml = Parse(SmallYaml, "small.yaml");
        var json = Parse(SmallJson, "small.json");
        Assert.DoesNotContain(yaml.Problems, p => p.IsError);
        Assert.DoesNotContain(json.Problems, p => p.IsError);
        Assert.Equal(yaml.CanonicalJson, json.CanonicalJson);
        Assert.Equal(yaml.ContentHash, json.ContentHash);
        Assert.Null(yaml.Definition!.Schema);
        Assert.Equal("./workflow.schema.json", json.Definition!.Schema); // accepted, but not part of the version
        Assert.DoesNotContain("$schema", json.CanonicalJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Whitespace_comments_and_property_order_do_not_change_the_canonical_json()
    {
        var original = Parse(SampleText);
        var edited = SampleText.Replace("id: customer-refund\nname: Customer refund\n", "name:   Customer refund   # shown in the inbox\n\nid: customer-refund\n", StringComparison.Ordinal);
        Assert.NotEqual(SampleText, edited);
        var doc = Parse(edited);
        Assert.Empty(doc.Problems);
        Assert.Equal(original.CanonicalJson, doc.CanonicalJson);
        Assert.Equal(original.ContentHash, doc.ContentHash);

        var changed = Parse(SampleText.Replace("target: 4", "target: 5", StringComparison.Ordinal));
        Assert.NotEqual(original.ContentHash, changed.ContentHash);
    }

    [Fact]
    public void Canonical_json_reads_back_to_the_same_model()
    {
        var doc = Parse(SampleText);
        var model = DefinitionDocument.FromCanonicalJson(doc.CanonicalJson);
        Assert.Equal(doc.CanonicalJson, DefinitionSerializer.ToCanonicalJson(model));
    }

    [Fact]
    public void ToYaml_reproduces_the_sample_file_exactly()
    {
        var doc = Parse(SampleText);
        Assert.Equal(SampleText, DefinitionSerializer.ToYaml(doc.Definition!));
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void Round_trip_parse_serialize_parse_keeps_the_canonical_json(string format)
    {
        foreach (var text in new[] { SampleText, Base, SmallYaml })
        {
            var first = Parse(text);
            var written = format == "yaml" ? DefinitionSerializer.ToYaml(first.Definition!) : DefinitionSerializer.ToJson(first.Definition!);
            var second = Parse(written, "again." + format);
            Assert.DoesNotContain(second.Problems, p => p.IsError);
            Assert.Equal(first.CanonicalJson, second.CanonicalJson);
        }
    }

    [Fact]
    public void Awkward_strings_survive_a_yaml_round_trip()
    {
        var doc = Parse(Base);
        var d = doc.Definition!;
        string[] awkward = ["true", "123", "", " padded ", "a: b", "x #y", "- dash", "{{ a }}", "multi\nline\n", "tab\there", "quote\"back\\slash", "end:", "null", "~", "'single'", "two\n\nblank", "trailing\n\n", "é ü 漢字", "0x1F", ".inf"];
        for (var i = 0; i < awkward.Length; i++) d.Variables["v" + i] = "'" + i + "'"; // valid expressions
        d.Description = string.Join("|", awkward);
        d.Name = awkward[8];
        d.Rollback!.Procedure = awkward[15];
        d.Owner!.Id = awkward[18];
        foreach (var s in awkward)
        {
            d.Outcome!.Attribution = s;
            var again = Parse(DefinitionSerializer.ToYaml(d));
            Assert.DoesNotContain(again.Problems, p => p.IsError);
            Assert.Equal(s, again.Definition!.Outcome!.Attribution);
            Assert.Equal(DefinitionSerializer.ToCanonicalJson(d), again.CanonicalJson);
        }
    }

    [Fact]
    public void Byte_order_mark_is_ignored()
    {
        var doc = Parse("\uFEFF" + Base);
        Assert.Empty(doc.Problems);
    }

    [Fact]
    public void Plain_yaml_scalars_bind_to_text_properties()
    {
        var doc = Parse(Base.Replace("id: demo", "id: 2024", StringComparison.Ordinal).Replace("name: Dana Whitfield", "name: 42", StringComparison.Ordinal));
        Assert.DoesNotContain(doc.Problems, p => p.Code == ProblemCodes.WrongType);
        Assert.Equal("2024", doc.Definition!.Id);
        Assert.Equal("42", doc.Definition.Owner!.Name);
    }

    [Fact]
    public void Source_map_gives_positions_for_model_elements()
    {
        var doc = Parse(SampleText);
        Assert.True(doc.SourceMap.TryGetPosition("$.flowchart.edges[3].to", out var at));
        Assert.Equal(At(SampleText, "to: proposal_unusable").Line, at.Line);
        Assert.Equal(At(SampleText, "proposal_unusable", 2), (at.Line, at.Column));
        // a path not in the file resolves to its nearest ancestor
        Assert.Equal(doc.SourceMap.PositionOf("$.flowchart.nodes[0]"), doc.SourceMap.PositionOf("$.flowchart.nodes[0].retry.attempts"));
    }
}
