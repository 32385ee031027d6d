using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Validation;

/// <summary>Expression errors point at the offending character inside the file, through quotes and escapes.</summary>
public class ExpressionPositionTests
{
    private static string WithMeasure(string measureLine) =>
        Base.Replace("  measure: (timestamp(instance.endedAt) - timestamp(instance.startedAt)) / 3600\n", measureLine + "\n", StringComparison.Ordinal) is var replaced && replaced != Base
            ? replaced
            : throw new InvalidOperationException("the base fixture no longer has the measure line this test replaces");

    [Theory]
    [InlineData("  measure: a + sizee(b * c)", "sizee")]                 // plain
    [InlineData("  measure: 'x == ''it'' && sizee(b)'", "sizee")]        // single-quoted, '' escapes
    [InlineData("  measure: \"\\\"q\\\" + \\\"\\u00e9\\\" + sizee(b)\"", "sizee")]  // double-quoted, escapes
    [InlineData("  measure: x == \"é", "\"é")]                         // unterminated string inside the expression
    [InlineData("  measure: a + b)", ")")]                             // stray closer
    public void Yaml_scalar_styles_map_the_offset_exactly(string line, string needle)
    {
        var text = WithMeasure(line);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, needle), "$.outcome.measure");
    }

    [Fact]
    public void Yaml_literal_block_maps_to_the_right_line()
    {
        var text = WithMeasure("  measure: |\n    a +\n      sizee(b * c)\n");
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "sizee"), "$.outcome.measure");
    }

    [Fact]
    public void Json_string_escapes_map_the_offset_exactly()
    {
        const string json = """
            {
              "id": "j",
              "flowchart": {
                "nodes": [
                  { "id": "a", "type": "end", "inputs": { "output": { "q": "\"x\" + \"\u00e9\t\" + sizee(b)" } } }
                ]
              }
            }
            """;
        var doc = Parse(json, "test.json");
        // the unknown function after the escapes
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(json, "sizee"), "$.flowchart.nodes[0].inputs.output.q", "test.json");
    }

    [Fact]
    public void Json_positions_count_characters_not_bytes()
    {
        const string json = "{\"name\": \"ééé\", \"id\": \"j\", \"flowchart\": {\"nodes\": [{\"id\": \"a\", \"type\": \"ending\"}]}}";
        var doc = Parse(json, "test.json");
        AssertProblem(doc, ProblemCodes.UnknownNodeType, At(json, "\"ending"), "$.flowchart.nodes[0].type", "test.json");
    }

    [Fact]
    public void Template_hole_errors_point_into_the_hole()
    {
        var text = Base.Replace("      type: end\n", "      type: fail\n      inputs:\n        reason: \"Order {{ input.id }} {{ sizee(x) }}\"\n", StringComparison.Ordinal);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.TemplateSyntax, At(text, "sizee"), "$.flowchart.nodes[2].inputs.reason");
    }

    [Fact]
    public void Decision_when_and_validate_rule_and_variables_are_checked()
    {
        var text = Base.Replace("agents:\n", "variables:\n  start: sizee(1)\nagents:\n", StringComparison.Ordinal)
            .Replace("    - id: done\n      type: end\n", """
                    - id: done
                      type: decision
                      inputs:
                        branches:
                          - port: big
                            when: input.amount > sizee(100)
                    - id: check
                      type: validate
                      inputs:
                        rules:
                          - rule: ok)
                            message: Not ok.

                """, StringComparison.Ordinal);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "sizee(1"), "$.variables.start");
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "sizee(100"), "$.flowchart.nodes[2].inputs.branches[0].when");
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "ok)", 1) is var (l, c) ? (l, c + 2) : default, "$.flowchart.nodes[3].inputs.rules[0].rule");
    }
    [Fact]
    public void Reading_the_outputs_of_a_node_that_does_not_exist_is_an_error_at_the_reference()
    {
        // Why: after a node is renamed or deleted, an expression still reading outputs.<old id> evaluates to null at run
        // time — a refund amount of null, silently. The validator knows the node ids, so it refuses it where it is written.
        var text = Base.Replace("    - id: done\n      type: end\n", """
                - id: done
                  type: end
                  inputs:
                    output:
                      amount: outputs.strat.amount
                      kept: outputs.start.amount

            """, StringComparison.Ordinal);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "strat"), "$.flowchart.nodes[2].inputs.output.amount");
        var problem = doc.Problems.Single(p => p.JsonPath == "$.flowchart.nodes[2].inputs.output.amount");
        Assert.Contains("strat", problem.Message, StringComparison.Ordinal);
        Assert.Contains("EXPR109", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(doc.Problems, p => p.JsonPath == "$.flowchart.nodes[2].inputs.output.kept");

        var failing = Base.Replace("      type: end\n", "      type: fail\n      inputs:\n        reason: \"{{ outputs['start'].note }} {{ outputs.gone.note }}\"\n", StringComparison.Ordinal);
        AssertProblem(Parse(failing), ProblemCodes.TemplateSyntax, At(failing, "gone"), "$.flowchart.nodes[2].inputs.reason");
    }
}
