using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Definitions.Tests;

internal static class TestSupport
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Workflows => Path.Combine(RepoRoot, "workflows");

    public static string SamplePath => Path.Combine(Workflows, "customer-refund.yaml");

    public static string SampleText => File.ReadAllText(SamplePath);

    public static DefinitionDocument Parse(string text, string file = "test.yaml", DefinitionLimits? limits = null) =>
        DefinitionDocument.Parse(text, file, ActivityCatalog.BuiltIn, limits);

    /// <summary>1-based line/column of the <paramref name="occurrence"/>-th occurrence of <paramref name="needle"/>.</summary>
    public static (int Line, int Column) At(string text, string needle, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = text.IndexOf(needle, index + 1, StringComparison.Ordinal);
            Assert.True(index >= 0, $"needle '{needle}' (#{occurrence}) not in text");
        }
        var before = text[..index];
        var line = before.Count(c => c == '\n') + 1;
        return (line, index - (before.LastIndexOf('\n') + 1) + 1);
    }

    public static DefinitionProblem Single(DefinitionDocument doc, string code)
    {
        var matches = doc.Problems.Where(p => p.Code == code).ToList();
        Assert.True(matches.Count == 1, $"expected one {code}, got:\n{string.Join("\n", doc.Problems)}");
        return matches[0];
    }

    /// <summary>Asserts there is a problem with <paramref name="code"/> at exactly this place.</summary>
    public static DefinitionProblem AssertProblem(DefinitionDocument doc, string code, (int Line, int Column) at, string path, string file = "test.yaml")
    {
        var p = doc.Problems.FirstOrDefault(x => x.Code == code && x.JsonPath == path);
        Assert.True(p is not null, $"expected {code} at {path}, got:\n{string.Join("\n", doc.Problems.Select(x => x + "  [" + x.JsonPath + "]"))}");
        Assert.Equal(file, p.File);
        Assert.Equal(at, (p.Line, p.Column));
        Assert.Equal(ProblemCodes.All[code], p.Severity);
        Assert.False(string.IsNullOrWhiteSpace(p.Message));
        return p;
    }

    /// <summary>A small definition with every governance field, which validates with no problems at all.</summary>
    public const string Base = """
        id: demo
        owner:
          name: Dana Whitfield
          email: dana@example.com
        outcome:
          metric: cycle_time
          unit: hours
          target: 4
          direction: lower-is-better
          measure: hours(instance.endedAt - instance.startedAt)
        boundary:
          allowedActions:
            - do-it
            - undo-it
          forbiddenActions:
            - never-do
        dataSources:
          - id: orders
            freshness: 1h
            probe:
              kind: sql
              connection: orders
              query: SELECT 1
        auditProtocol:
          cron: 0 0 9 ? * MON-FRI
          sampling:
            rate: 0.1
          reviewerRole: auditor
          criteria:
            - id: c1
              description: Correct.
        rollback:
          procedure: Revert.
        agents:
          - helper
        flowchart:
          nodes:
            - id: start
              type: agent
              inputs:
                agent: helper
            - id: act
              type: action
              inputs:
                action: do-it
                connector: record
                compensation:
                  action: undo-it
                  connector: record
            - id: done
              type: end
          edges:
            - from: start.done
              to: act
            - from: act.done
              to: done

        """;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentRuntime.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
