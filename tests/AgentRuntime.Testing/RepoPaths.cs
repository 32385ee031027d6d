namespace AgentRuntime.Testing;

/// <summary>Locations inside the repository, found by walking up from the test binaries to <c>AgentRuntime.sln</c>.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Workflows => Path.Combine(Root, "workflows");

    public static string HostDll(string configuration = "Debug") =>
        Path.Combine(Root, "src", "AgentRuntime.Host", "bin", configuration, "net10.0", "AgentRuntime.Host.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentRuntime.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"AgentRuntime.sln not found above {AppContext.BaseDirectory}");
    }
}
