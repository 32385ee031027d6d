using System.Text.RegularExpressions;
using System.Xml.Linq;
using static AgentRuntime.Host.Tests.Deployment.DeploymentFiles;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>
/// Tier: unit (static). Why: the image cannot be built here (no Docker engine). What breaks an image build or a
/// running container without anyone noticing is checked: the stages exist (Studio, SDK, runtime), every file the
/// build copies exists, the restore layer copies every project the host depends on, the Studio lands where the host
/// serves static files from, the runtime runs as a non-root user, listens where it says and health-checks a real endpoint.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly List<Stage> Stages = DockerStages();

    [Fact]
    public void Three_stages_node_studio_sdk_build_aspnet_runtime()
    {
        Assert.Equal(["studio", "build", "runtime"], Stages.Select(s => s.Name));
        Assert.StartsWith("node:", Stages[0].Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", Stages[1].Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", Stages[2].Image, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_copied_path_exists_in_the_repository()
    {
        foreach (var stage in Stages)
            foreach (var (_, args) in stage.Lines.Where(l => l.Instruction == "COPY" && !l.Arguments.Contains("--from=", StringComparison.Ordinal)))
            {
                var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
                foreach (var source in parts[..^1])
                    Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"{stage.Name}: COPY {source} — no such path");
            }
    }

    [Fact]
    public void The_restore_layer_copies_every_project_the_host_depends_on()
    {
        var copied = Stages.Single(s => s.Name == "build").Lines.Where(l => l.Instruction == "COPY")
            .Select(l => l.Arguments.Split(' ')[0]).Where(p => p.EndsWith(".csproj", StringComparison.Ordinal)).ToHashSet();
        var needed = new HashSet<string>();
        var queue = new Queue<string>(["src/AgentRuntime.Host/AgentRuntime.Host.csproj"]);
        while (queue.TryDequeue(out var project))
        {
            if (!needed.Add(project)) continue;
            var dir = Path.GetDirectoryName(project)!;
            foreach (var reference in XDocument.Load(Path.Combine(Root, project)).Descendants("ProjectReference"))
                queue.Enqueue(Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, dir, reference.Attribute("Include")!.Value))).Replace('\\', '/'));
        }
        Assert.Equal(needed.Order(), copied.Order());
        var restore = Stages.Single(s => s.Name == "build").Lines.First(l => l.Instruction == "RUN").Arguments;
        Assert.Contains("dotnet restore src/AgentRuntime.Host/AgentRuntime.Host.csproj", restore, StringComparison.Ordinal);
    }

    [Fact]
    public void The_studio_is_built_into_the_host_s_wwwroot()
    {
        var vite = File.ReadAllText(Path.Combine(Root, "src", "AgentRuntime.Studio", "vite.config.ts"));
        var outDir = OutDir().Match(vite).Groups[1].Value; // ../AgentRuntime.Host/wwwroot
        var studioDir = Stages[0].Lines.First(l => l.Instruction == "WORKDIR").Arguments;
        var builtAt = Path.GetFullPath(Path.Combine(studioDir, outDir)).Replace('\\', '/');
        var copy = Stages[1].Lines.Single(l => l.Instruction == "COPY" && l.Arguments.StartsWith("--from=studio", StringComparison.Ordinal)).Arguments.Split(' ');
        Assert.Equal(builtAt.TrimEnd('/'), copy[1].TrimEnd('/'));
        Assert.Equal("src/AgentRuntime.Host/wwwroot", copy[2].TrimEnd('/'));
        Assert.Contains(Stages[0].Lines, l => l.Instruction == "RUN" && l.Arguments == "npm run build");
    }

    [Fact]
    public async Task The_runtime_is_non_root_listens_on_the_exposed_port_and_checks_a_real_endpoint()
    {
        var runtime = Stages[^1];
        Assert.Equal("$APP_UID", runtime.Lines.Last(l => l.Instruction == "USER").Arguments); // the .NET images' non-root "app" user (1654)
        var exposed = runtime.Lines.Single(l => l.Instruction == "EXPOSE").Arguments;
        var env = runtime.Lines.Where(l => l.Instruction == "ENV").Select(l => l.Arguments).Single();
        Assert.Contains($"ASPNETCORE_URLS=http://+:{exposed}", env, StringComparison.Ordinal);
        var entry = runtime.Lines.Single(l => l.Instruction == "ENTRYPOINT").Arguments;
        Assert.Equal($"[\"dotnet\", \"{typeof(Program).Assembly.GetName().Name}.dll\"]", entry);

        var check = runtime.Lines.Single(l => l.Instruction == "HEALTHCHECK").Arguments;
        Assert.Equal("/health/live", HealthPath(check));
        Assert.Contains(HealthPath(check), await HostEndpoints.GetRoutesAsync());
        foreach (var variable in EnvNames().Matches(env).Select(m => m.Groups[1].Value))
            Assert.True(IsKnownVariable(variable, Settings(), PlatformVariables()), $"ENV {variable} is not documented");
    }

    internal static string HealthPath(string check) => HealthRequest().Match(check).Groups[1].Value;

    [GeneratedRegex(@"outDir:\s*'([^']+)'")]
    private static partial Regex OutDir();

    [GeneratedRegex(@"GET (/\S+) HTTP")]
    private static partial Regex HealthRequest();

    [GeneratedRegex(@"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvNames();
}
