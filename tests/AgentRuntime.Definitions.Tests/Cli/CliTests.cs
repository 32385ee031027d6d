using System.Text.Json;
using AgentRuntime.Cli;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Schema;
using AgentRuntime.Definitions.Tests.Validation;
using static AgentRuntime.Definitions.Tests.TestSupport;

namespace AgentRuntime.Definitions.Tests.Cli;

/// <summary>Runs the real entry point in-process. Console is process-wide, so these tests never run in parallel with each other.</summary>
[Collection(nameof(CliTests))]
[CollectionDefinition(nameof(CliTests), DisableParallelization = true)]
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentrt-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) RunMain(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (Program.Main(args), stdout.ToString(), stderr.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public void Validate_on_the_samples_folder_exits_0_and_prints_nothing()
    {
        var (exit, output, error) = RunMain("validate", Workflows);
        Assert.Equal(0, exit);
        Assert.Equal("", output);
        Assert.Contains("0 error(s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_on_a_broken_file_exits_1_with_the_line_17_problem()
    {
        var file = Path.Combine(_dir, "broken.yaml");
        File.WriteAllText(file, DanglingEdgeTests.Broken);
        var (exit, output, _) = RunMain("validate", file);
        Assert.Equal(1, exit);
        Assert.Contains($"{file}:17:11: error AR205: The edge leads to node 'escalate', which does not exist.", output.Split('\n').Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public void Problems_are_sorted_by_file_then_line_and_folders_skip_schema_and_agents()
    {
        File.WriteAllText(Path.Combine(_dir, "b.yaml"), DanglingEdgeTests.Broken);
        File.WriteAllText(Path.Combine(_dir, "a.json"), "{\"id\": \"a\",\n \"flowchart\": {\"nodes\": []}}");
        File.WriteAllText(Path.Combine(_dir, "workflow.schema.json"), "not a definition");
        Directory.CreateDirectory(Path.Combine(_dir, "agents"));
        File.WriteAllText(Path.Combine(_dir, "agents", "x.yaml"), "not: [a definition");
        var (exit, output, _) = RunMain("validate", _dir);
        Assert.Equal(1, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.Matches(@"^.+:\d+:\d+: (error|warning) AR\d{3}: .+$", l));
        Assert.StartsWith(Path.Combine(_dir, "a.json"), lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("schema", StringComparison.Ordinal) || l.Contains("agents", StringComparison.Ordinal) && l.Contains("x.yaml", StringComparison.Ordinal));
        var b = lines.Where(l => l.Contains("b.yaml", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(b.Order(), b);
    }

    [Fact]
    public void Json_output_lists_problems()
    {
        var file = Path.Combine(_dir, "broken.yaml");
        File.WriteAllText(file, DanglingEdgeTests.Broken);
        var (exit, output, _) = RunMain("validate", "--output", "json", file);
        Assert.Equal(1, exit);
        var problems = JsonDocument.Parse(output).RootElement;
        var edge = problems.EnumerateArray().Single(p => p.GetProperty("code").GetString() == "AR205");
        Assert.Equal(17, edge.GetProperty("line").GetInt32());
        Assert.Equal("$.flowchart.edges[2].to", edge.GetProperty("jsonPath").GetString());
        Assert.Equal("error", edge.GetProperty("severity").GetString());
    }

    [Fact]
    public void Warnings_alone_exit_0()
    {
        var file = Path.Combine(_dir, "draft.yaml");
        File.WriteAllText(file, "id: draft\nflowchart:\n  nodes:\n    - id: done\n      type: end\n");
        var (exit, output, _) = RunMain("validate", file);
        Assert.Equal(0, exit);
        Assert.Contains("warning AR401", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate", "/definitely/not/here.yaml")]
    [InlineData("validate")]
    [InlineData("validate", "--output", "xml", "x.yaml")]
    [InlineData("frobnicate")]
    [InlineData]
    public void Usage_errors_and_missing_files_exit_2(params string[] args) => Assert.Equal(2, RunMain(args).Exit);

    [Fact]
    public void Schema_prints_the_committed_schema()
    {
        var (exit, output, _) = RunMain("schema");
        Assert.Equal(0, exit);
        Assert.Equal(WorkflowSchema.Generate(ActivityCatalog.BuiltIn), output);
        Assert.Equal(File.ReadAllText(Path.Combine(Workflows, "workflow.schema.json")), output);
    }
}
