using System.Diagnostics;
using System.Text;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Serialization;
using AgentRuntime.Definitions.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Loading;

public class LimitsAndGarbageTests
{
    private static string ManyNodesYaml(int count)
    {
        var sb = new StringBuilder("id: big\nflowchart:\n  nodes:\n");
        for (var i = 0; i < count; i++) sb.Append("    - id: n").Append(i).Append("\n      type: end\n");
        return sb.ToString();
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void Ten_thousand_nodes_are_refused_quickly_with_one_limit_error(string format)
    {
        var text = format == "yaml"
            ? ManyNodesYaml(10_000)
            : "{\"id\":\"big\",\"flowchart\":{\"nodes\":[" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"{{\"id\":\"n{i}\",\"type\":\"end\"}}")) + "]}}";
        Parse(text, "warm." + format); // JIT warm-up, so the timing below measures the loader
        var watch = Stopwatch.StartNew();
        var doc = Parse(text, "big." + format);
        watch.Stop();
        var problem = Assert.Single(doc.Problems);
        Assert.Equal(ProblemCodes.TooManyNodes, problem.Code);
        Assert.Equal("$.flowchart.nodes[500]", problem.JsonPath);
        Assert.Null(doc.Definition);
        Assert.True(watch.ElapsedMilliseconds < 500, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Limits_are_configurable()
    {
        var text = ManyNodesYaml(600);
        Assert.Equal(ProblemCodes.TooManyNodes, Assert.Single(Parse(text).Problems).Code);
        var doc = Parse(text, limits: new DefinitionLimits { MaxNodes = 1000 });
        Assert.DoesNotContain(doc.Problems, p => p.Code == ProblemCodes.TooManyNodes);
        Assert.NotNull(doc.Definition);
    }

    [Theory]
    [InlineData("yaml-flow")]
    [InlineData("yaml-block")]
    [InlineData("json")]
    public void Fifty_thousand_deep_nesting_is_refused_without_crashing(string kind)
    {
        const int depth = 50_000;
        var (text, file) = kind switch
        {
            "yaml-flow" => ("id: deep\nflowchart: " + new string('[', depth) + new string(']', depth) + "\n", "deep.yaml"),
            "yaml-block" => ("id: deep\nagents:\n  " + string.Concat(Enumerable.Repeat("- ", depth)) + "x\n", "deep.yaml"),
            _ => ("{\"id\":\"deep\",\"flowchart\":" + new string('[', depth) + new string(']', depth) + "}", "deep.json"),
        };
        var doc = Parse(text, file);
        var problem = Assert.Single(doc.Problems);
        Assert.Equal(ProblemCodes.NestingTooDeep, problem.Code);
        // at the first container past depth 64 (the root mapping is depth 1)
        var expected = kind switch { "yaml-flow" => (2, 11 + 64), "yaml-block" => (3, 3 + (2 * 63)), _ => (1, 25 + 64) };
        Assert.Equal(expected, (problem.Line, problem.Column));
        Assert.Null(doc.Definition);
    }

    [Fact]
    public void Oversized_file_is_refused_unread()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agentrt-big-{Guid.NewGuid()}.yaml");
        File.WriteAllText(path, "id: x\n" + new string('#', 2 * 1024 * 1024));
        try
        {
            var doc = DefinitionDocument.Load(path, ActivityCatalog.BuiltIn);
            Assert.Equal(ProblemCodes.FileTooLarge, Assert.Single(doc.Problems).Code);
        }
        finally { File.Delete(path); }
    }

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 25)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_bytes_never_throw_and_give_a_positioned_error(int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[random.Next(1, 4096)];
        random.NextBytes(bytes);
        // as text (every byte a char) through Parse, in both formats
        var text = Encoding.Latin1.GetString(bytes);
        foreach (var file in new[] { "g.yaml", "g.json" })
            AssertPositionedError(Parse(text, file));
        // as a file through Load (usually not UTF-8)
        var path = Path.Combine(Path.GetTempPath(), $"agentrt-garbage-{seed}-{Guid.NewGuid()}.yaml");
        File.WriteAllBytes(path, bytes);
        try { AssertPositionedError(DefinitionDocument.Load(path, ActivityCatalog.BuiltIn)); }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void Samples_truncated_at_every_seventh_byte_never_throw_and_give_a_positioned_error(string format)
    {
        var full = format == "yaml" ? SampleText : DefinitionSerializer.ToJson(Parse(SampleText).Definition!);
        var bytes = Encoding.UTF8.GetBytes(full);
        for (var length = 7; length < bytes.Length; length += 7)
        {
            var text = Encoding.UTF8.GetString(bytes, 0, length);
            if (text.TrimEnd() == full.TrimEnd()) continue; // only trailing whitespace cut: still the whole definition
            AssertPositionedError(Parse(text, "cut." + format));
        }
    }

    [Theory]
    [InlineData("", "e.yaml")]
    [InlineData("   \n# only a comment\n", "e.yaml")]
    [InlineData("42", "e.yaml")]
    [InlineData("\"text\"", "e.json")]
    [InlineData("[1,2]", "e.json")]
    [InlineData("null", "e.json")]
    [InlineData("---\nid: a\n---\nid: b\n", "e.yaml")]
    [InlineData("id: [\u0000]", "e.yaml")]
    [InlineData("{\"id\": 1e999, \"flowchart\": {}}", "e.json")]
    [InlineData("id: x\nflowchart:\n  nodes:\n    - id: a\n      type: end\n      position: {x: .inf, y: 0}\n", "e.yaml")]
    [InlineData("id: x\nflowchart: {nodes: [{id: a, type: end, inputs: {output: {v: .nan}}}]}", "e.yaml")]
    [InlineData("? [a, b]\n: c\n", "e.yaml")]
    [InlineData("a: &x [1]\nb: *x\n", "e.yaml")]
    [InlineData("<<: {a: 1}\n", "e.yaml")]
    public void Odd_inputs_give_errors_not_exceptions(string text, string file) => AssertPositionedError(Parse(text, file));

    private static void AssertPositionedError(DefinitionDocument doc)
    {
        Assert.Contains(doc.Problems, p => p.IsError);
        Assert.All(doc.Problems, p =>
        {
            Assert.True(p.Line >= 1 && p.Column >= 1, p.ToString());
            Assert.StartsWith("$", p.JsonPath, StringComparison.Ordinal);
        });
        Assert.False(doc.IsPublishable);
        _ = doc.CanonicalJson; // never throws either
    }
}
