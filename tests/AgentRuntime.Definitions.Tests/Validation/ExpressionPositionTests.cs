using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Validation;

/// <summary>Expression errors point at the offending character inside the file, through quotes and escapes.</summary>
public class ExpressionPositionTests
{
    private static string WithMeasure(string measureLine) =>
        Base.Replace("  measure: hours(instance.endedAt - instance.startedAt)\n", measureLine + "\n", StringComparison.Ordinal);

    [Theory]
    [InlineData("  measure: a + (b * c", "(b")]                       // plain
    [InlineData("  measure: 'x == ''it''''s'' && (b'", "(b")]          // single-quoted, '' escapes
    [InlineData("  measure: \"\\t\\u00e9 \\\"q\\\" + (b\"", "(b")]     // double-quoted, escapes
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
        var text = WithMeasure("  measure: |\n    a +\n      (b * c\n");
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "(b"), "$.outcome.measure");
    }

    [Fact]
    public void Json_string_escapes_map_the_offset_exactly()
    {
        const string json = """
            {
              "id": "j",
              "flowchart": {
                "nodes": [
                  { "id": "a", "type": "end", "inputs": { "output": { "q": "\u00e9\t\"x\" + ((b)" } } }
                ]
              }
            }
            """;
        var doc = Parse(json, "test.json");
        // offending '(' is the first of "((" after the escapes
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(json, "((b"), "$.flowchart.nodes[0].inputs.output.q", "test.json");
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
        var text = Base.Replace("      type: end\n", "      type: fail\n      inputs:\n        reason: \"Order {{ input.id }} {{ (x }}\"\n", StringComparison.Ordinal);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.TemplateSyntax, At(text, "(x"), "$.flowchart.nodes[2].inputs.reason");
    }

    [Fact]
    public void Decision_when_and_validate_rule_and_variables_are_checked()
    {
        var text = Base.Replace("agents:\n", "variables:\n  start: (1\nagents:\n", StringComparison.Ordinal)
            .Replace("    - id: done\n      type: end\n", """
                    - id: done
                      type: decision
                      inputs:
                        branches:
                          - port: big
                            when: input.amount > (100
                    - id: check
                      type: validate
                      inputs:
                        rules:
                          - rule: ok)
                            message: Not ok.

                """, StringComparison.Ordinal);
        var doc = Parse(text);
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "(1"), "$.variables.start");
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "(100"), "$.flowchart.nodes[2].inputs.branches[0].when");
        AssertProblem(doc, ProblemCodes.ExpressionSyntax, At(text, "ok)", 1) is var (l, c) ? (l, c + 2) : default, "$.flowchart.nodes[3].inputs.rules[0].rule");
    }
}
