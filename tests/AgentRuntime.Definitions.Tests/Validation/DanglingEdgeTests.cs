using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Validation;

public class DanglingEdgeTests
{
    /// <summary>The dangling edge's 'to' is on line 17.</summary>
    internal const string Broken = """
        id: broken
        flowchart:
          nodes:
            - id: ask
              type: approval
              inputs:
                title: Approve?
                role: approver
            - id: done
              type: end
          edges:
            - from: ask.approved
              to: done
            - from: ask.rejected
              to: done
            - from: ask.timed-out
              to: escalate

        """;

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void A_dangling_edge_on_line_17_reports_line_17_and_the_edges_json_path(string format)
    {
        var text = format == "yaml" ? Broken : Serialization.DefinitionSerializer.ToJson(Parse(Broken).Definition!);
        var doc = Parse(text, "broken." + format);
        var problem = Single(doc, ProblemCodes.EdgeToUnknownNode);
        Assert.Equal("$.flowchart.edges[2].to", problem.JsonPath);
        Assert.Equal(At(text, format == "yaml" ? "escalate" : "\"escalate"), (problem.Line, problem.Column)); // JSON strings: at the opening quote
        if (format == "yaml") Assert.Equal((17, 11), (problem.Line, problem.Column));
        Assert.Equal($"broken.{format}:{problem.Line}:{problem.Column}: error AR205: The edge leads to node 'escalate', which does not exist.", problem.ToString());
        Assert.False(doc.IsPublishable);
    }
}
