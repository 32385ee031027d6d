using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Validation;

/// <summary>Every problem code, each with its exact file, line, column and JSON path.</summary>
public class ProblemCodeTests
{
    public sealed record Case(string Code, string Text, string Needle, int Occurrence, string Path, DefinitionLimits? Limits = null, string File = "test.yaml");

    private static string Replace(string old, string @new, string text = Base)
    {
        Assert.Contains(old, text, StringComparison.Ordinal);
        return text.Replace(old, @new, StringComparison.Ordinal);
    }

    /// <summary>Removes a top-level section (its key line and every indented line after it).</summary>
    private static string Without(string key, string text = Base)
    {
        var lines = text.Split('\n').ToList();
        var start = lines.FindIndex(l => l == key + ":");
        Assert.True(start >= 0);
        var end = start + 1;
        while (end < lines.Count && lines[end].StartsWith(' ')) end++;
        lines.RemoveRange(start, end - start);
        return string.Join('\n', lines);
    }

    public static readonly Dictionary<string, Case> Cases = new[]
    {
        new Case(ProblemCodes.Syntax, "id: demo\nflowchart: {nodes: [a, b}\n", "}", 1, "$"),
        new Case(ProblemCodes.Syntax, "{\"id\": \"demo\", \"flowchart\": {},}", "}", 2, "$", File: "test.json"),
        new Case(ProblemCodes.RootNotObject, "- a\n- b\n", "- a", 1, "$"),
        new Case(ProblemCodes.RootNotObject, "  just text", "just", 1, "$"),
        new Case(ProblemCodes.UnknownProperty, Replace("  procedure: Revert.\n", "  procedure: Revert.\n  procedur: x\n"), "procedur:", 1, "$.rollback.procedur"),
        new Case(ProblemCodes.MissingProperty, Replace("    - from: act.done\n      to: done\n", "    - from: act.done\n"), "from: act.done", 1, "$.flowchart.edges[1].to"),
        new Case(ProblemCodes.WrongType, Replace("target: 4", "target: four"), "four", 1, "$.outcome.target"),
        new Case(ProblemCodes.DuplicateKey, Replace("id: demo\n", "id: demo\nid: demo2\n"), "id: demo2", 1, "$.id"),
        new Case(ProblemCodes.UnsupportedYaml, Replace("agents:\n  - helper", "agents:\n  - &h helper\n  - *h"), "*h", 1, "$"),
        new Case(ProblemCodes.BadDuration, Replace("freshness: 1h", "freshness: 1 hour"), "1 hour", 1, "$.dataSources[0].freshness"),
        new Case(ProblemCodes.BadCron, Replace("cron: 0 0 9 ? * MON-FRI", "cron: 0 0 9 * * MON-FRI"), "0 0 9 * *", 1, "$.auditProtocol.cron"),
        new Case(ProblemCodes.InvalidValue, Replace("direction: lower-is-better", "direction: sideways"), "sideways", 1, "$.outcome.direction"),
        new Case(ProblemCodes.EmptyFlowchart, Without("flowchart") + "flowchart:\n  nodes: []\n", "nodes: []", 1, "$.flowchart"),
        new Case(ProblemCodes.UnknownNodeType, Replace("type: end", "type: ending"), "ending", 1, "$.flowchart.nodes[2].type"),
        new Case(ProblemCodes.DuplicateNodeId, Replace("- id: done", "- id: act"), "act\n      type: end", 1, "$.flowchart.nodes[2].id"),
        new Case(ProblemCodes.EdgeFromUnknownNode, Replace("from: act.done", "from: ghost.done"), "ghost.done", 1, "$.flowchart.edges[1].from"),
        new Case(ProblemCodes.EdgeFromUnknownPort, Replace("from: act.done", "from: act.finished"), "act.finished", 1, "$.flowchart.edges[1].from"),
        new Case(ProblemCodes.EdgeToUnknownNode, Replace("to: done", "to: nowhere"), "nowhere", 1, "$.flowchart.edges[1].to"),
        new Case(ProblemCodes.UnreachableNode, Replace("flowchart:\n  nodes:\n", "flowchart:\n  start: start\n  nodes:\n", Replace("  edges:\n", "    - id: orphan\n      type: end\n  edges:\n")), "id: orphan", 1, "$.flowchart.nodes[3]"),
        new Case(ProblemCodes.RequiredPortUnconnected, Replace("    - from: act.done\n      to: done\n", ""), "id: act", 1, "$.flowchart.nodes[1]"),
        new Case(ProblemCodes.MissingInput, Replace("type: end", "type: fail"), "id: done", 1, "$.flowchart.nodes[2]"),
        new Case(ProblemCodes.UnknownInput, Replace("        agent: helper\n", "        agent: helper\n        model: x\n"), "model: x", 1, "$.flowchart.nodes[0].inputs.model"),
        new Case(ProblemCodes.InputWrongType, Replace("        agent: helper\n", "        agent: helper\n        confidenceThreshold: high\n"), "high", 1, "$.flowchart.nodes[0].inputs.confidenceThreshold"),
        new Case(ProblemCodes.PortConnectedTwice, Base + "    - from: start.done\n      to: done\n", "start.done", 2, "$.flowchart.edges[2].from"),
        new Case(ProblemCodes.BadStart, Replace("flowchart:\n  nodes:\n", "flowchart:\n  start: begin\n  nodes:\n"), "begin", 1, "$.flowchart.start"),
        new Case(ProblemCodes.ForbiddenAction, Replace("action: do-it\n        connector", "action: never-do\n        connector"), "never-do", 2, "$.flowchart.nodes[1].inputs.action"),
        new Case(ProblemCodes.BadNodeId, Replace("to: done", "to: 9done", Replace("id: done", "id: 9done")), "9done", 1, "$.flowchart.nodes[2].id"),
        new Case(ProblemCodes.ExpressionSyntax, Replace("hours(instance.endedAt - instance.startedAt)", "hours(instance.endedAt - instance.startedAt"), "(instance", 1, "$.outcome.measure"),
        new Case(ProblemCodes.TemplateSyntax, Replace("      type: end\n", "      type: fail\n      inputs:\n        reason: Failed {{ input.x\n"), "{{ input.x", 1, "$.flowchart.nodes[2].inputs.reason"),
        new Case(ProblemCodes.MissingOwner, Without("owner"), "id: demo", 1, "$.owner"),
        new Case(ProblemCodes.MissingOutcome, Without("outcome"), "id: demo", 1, "$.outcome"),
        new Case(ProblemCodes.OutcomeNotMeasured, Replace("  measure: hours(instance.endedAt - instance.startedAt)\n", ""), "metric: cycle_time", 1, "$.outcome"),
        new Case(ProblemCodes.ActionWithoutCompensation, Replace("        compensation:\n          action: undo-it\n          connector: record\n", ""), "id: act", 1, "$.flowchart.nodes[1]"),
        new Case(ProblemCodes.MissingAuditProtocol, Without("auditProtocol"), "id: demo", 1, "$.auditProtocol"),
        new Case(ProblemCodes.MissingRollback, Without("rollback"), "id: demo", 1, "$.rollback"),
        new Case(ProblemCodes.DataSourceWithoutProbe, Replace("    probe:\n      kind: sql\n      connection: orders\n      query: SELECT 1\n", ""), "id: orders", 1, "$.dataSources[0]"),
        new Case(ProblemCodes.MissingBoundary, Without("boundary"), "id: demo", 1, "$.boundary"),
        new Case(ProblemCodes.ActionOutsideBoundary, Replace("action: do-it", "action: do-more"), "do-more", 1, "$.flowchart.nodes[1].inputs.action"),
        new Case(ProblemCodes.AgentNotDeclared, Replace("        agent: helper", "        agent: other"), "other", 1, "$.flowchart.nodes[0].inputs.agent"),
        new Case(ProblemCodes.NoDataSources, Without("dataSources"), "id: demo", 1, "$.dataSources"),
        new Case(ProblemCodes.FileTooLarge, Base, "id: demo", 1, "$", new DefinitionLimits { MaxFileBytes = 100 }),
        new Case(ProblemCodes.TooManyNodes, Base, "id: done", 1, "$.flowchart.nodes[2]", new DefinitionLimits { MaxNodes = 2 }),
        new Case(ProblemCodes.TooManyEdges, Base, "from: act.done", 1, "$.flowchart.edges[1]", new DefinitionLimits { MaxEdges = 1 }),
        new Case(ProblemCodes.NestingTooDeep, Base, "kind: sql", 1, "$.dataSources[0].probe", new DefinitionLimits { MaxDepth = 3 }),
        new Case(ProblemCodes.ExpressionTooLong, Base, "hours(", 1, "$.outcome.measure", new DefinitionLimits { MaxExpressionLength = 10 }),
    }.Select((c, i) => (c, i)).ToDictionary(x => $"{x.c.Code}#{x.i}", x => x.c);

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Problem_is_reported_at_its_exact_position(string name)
    {
        var c = Cases[name];
        var doc = DefinitionDocument.Parse(c.Text, c.File, ActivityCatalog.BuiltIn, c.Limits);
        AssertProblem(doc, c.Code, At(c.Text, c.Needle, c.Occurrence), c.Path, c.File);
        Assert.Equal(ProblemCodes.All[c.Code] == ProblemSeverity.Error ? false : doc.IsPublishable, doc.IsPublishable);
    }

    [Fact]
    public void Unreadable_file_is_a_problem_not_an_exception()
    {
        var path = Path.Combine(Path.GetTempPath(), "agentrt-missing-" + Guid.NewGuid() + ".yaml");
        var doc = DefinitionDocument.Load(path, ActivityCatalog.BuiltIn);
        AssertProblem(doc, ProblemCodes.Unreadable, (1, 1), "$", path);
        Assert.Null(doc.Definition);
    }

    [Fact]
    public void Every_code_has_a_position_test()
    {
        var covered = Cases.Values.Select(c => c.Code).Append(ProblemCodes.Unreadable).ToHashSet();
        Assert.DoesNotContain(ProblemCodes.All.Keys, code => !covered.Contains(code));
    }

    [Fact]
    public void Codes_are_unique_and_in_their_ranges()
    {
        Assert.Equal(ProblemCodes.All.Count, ProblemCodes.All.Keys.Distinct().Count());
        Assert.All(ProblemCodes.All, kv => Assert.Matches("^AR[1-5][0-9]{2}$", kv.Key));
        Assert.All(ProblemCodes.All.Where(kv => kv.Key.StartsWith("AR4", StringComparison.Ordinal)), kv => Assert.Equal(ProblemSeverity.Warning, kv.Value));
    }

    [Fact]
    public void Governance_gaps_are_warnings_and_do_not_block_publication()
    {
        var text = Without("owner", Without("outcome", Without("auditProtocol", Without("rollback", Without("dataSources", Without("boundary"))))));
        var doc = Parse(text);
        Assert.NotEmpty(doc.Problems);
        Assert.All(doc.Problems, p => Assert.Equal(ProblemSeverity.Warning, p.Severity));
        Assert.True(doc.IsPublishable);
    }

    [Fact]
    public void Problem_renders_compiler_style()
    {
        var p = new DefinitionProblem("w.yaml", 17, 11, "$.flowchart.edges[3].to", "AR205", ProblemSeverity.Error, "Bad.");
        Assert.Equal("w.yaml:17:11: error AR205: Bad.", p.ToString());
        Assert.Equal("w.yaml:1:1: warning AR401: x", (p with { Line = 1, Column = 1, Code = "AR401", Severity = ProblemSeverity.Warning, Message = "x" }).ToString());
    }
}
