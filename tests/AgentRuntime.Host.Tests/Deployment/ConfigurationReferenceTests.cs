using System.Text.RegularExpressions;
using static AgentRuntime.Host.Tests.Deployment.DeploymentFiles;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>
/// Tier: unit. Why: the runbook's configuration reference is what operators set in production; a setting added in code
/// but not documented is invisible, one documented but gone is a silent no-op. The set of settings is derived from
/// the code (options classes by their <c>SectionName</c>, plus keys the host reads directly), never typed twice.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    [Fact]
    public void Every_setting_is_documented_and_nothing_documented_is_missing_from_the_code()
    {
        var settings = Settings();
        var documented = Table("settings");
        var expected = settings.Select(s => NormalizeKey(s.Key)).ToHashSet();
        var actual = documented.Select(r => NormalizeKey(r.Name)).ToHashSet();

        var undocumented = settings.Where(s => !actual.Contains(NormalizeKey(s.Key))).ToList();
        var unknown = documented.Where(r => !expected.Contains(NormalizeKey(r.Name))).Select(r => r.Name).ToList();
        Assert.True(undocumented.Count == 0,
            "settings missing from deploy/README.md (add rows like these):\n" +
            string.Join('\n', undocumented.Select(s => $"| `{s.EnvironmentName}` | {(s.DefaultIsDeterministic && Format(s.Default) != "" ? $"`{Format(s.Default)}`" : "…")} | … |")));
        Assert.True(unknown.Count == 0, "documented in deploy/README.md but not read by the host: " + string.Join(", ", unknown));
        Assert.Equal(documented.Count, actual.Count); // no setting documented twice
    }

    [Fact]
    public void Documented_defaults_are_the_code_s_defaults()
    {
        var documented = Table("settings").ToDictionary(r => NormalizeKey(r.Name));
        var problems = new List<string>();
        foreach (var s in Settings())
        {
            var row = documented.GetValueOrDefault(NormalizeKey(s.Key));
            if (row is null) continue; // the other test names it
            var code = Format(s.Default);
            var shown = CodeSpan().Match(row.Default);
            if (s.DefaultIsDeterministic && code != "")
            {
                // A fixed default must be shown as that exact literal first, e.g. `00:00:30`.
                if (!shown.Success || shown.Groups[1].Value != code || shown.Index != 0)
                    problems.Add($"{s.EnvironmentName}: default is `{code}`, documented as '{row.Default}'");
            }
            else if (shown.Success && shown.Index == 0 && s.Default is null && !row.Default.Contains("unset", StringComparison.Ordinal))
            {
                // No default in code: a leading literal would claim one (allowed only as "`X` when unset").
                problems.Add($"{s.EnvironmentName}: has no default in code, documented as '{row.Default}'");
            }
            if (row.Meaning.Length < 10) problems.Add($"{s.EnvironmentName}: meaning missing");
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_configuration_key_the_host_reads_directly_is_known()
    {
        // Options classes are found by reflection; keys read with Configuration[...] / GetConnectionString / GetSection
        // are found in the source here, so a new direct read cannot bypass the reference.
        var sections = OptionsTypes().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        // secretName: named secrets (an agent's apiKeySetting) — the definition names the key, the operator sets it; the
        // runbook documents this under "Secrets". Their names are open-ended by design, so they are allowed by variable name.
        var allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ModeKey", "ConnectionStringName", "\"urls\"", "\"ASPNETCORE_URLS\"", "secretName" };
        var unknown = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            foreach (Match m in ConfigurationRead().Matches(File.ReadAllText(file)))
            {
                var arg = m.Groups["arg"].Value.Trim();
                var ok = allowed.Contains(arg) || allowed.Contains(arg.Split('.')[^1])
                         || (arg.EndsWith(".SectionName", StringComparison.Ordinal) && sections.Contains(arg[..^".SectionName".Length].Split('.')[^1]));
                if (!ok) unknown.Add($"{Path.GetRelativePath(Root, file)}: {m.Value}");
            }
        }
        Assert.True(unknown.Count == 0,
            "configuration read outside the known settings (document it in deploy/README.md and teach DeploymentFiles.Settings about it):\n" + string.Join('\n', unknown));
    }

    [Fact]
    public void Platform_variables_are_ones_the_platform_reads()
    {
        foreach (var name in PlatformVariables())
            Assert.Matches(@"^(ASPNETCORE_|DOTNET_|OTEL_|Logging__|AGENTRUNTIME_PG_BIN$)", name);
    }

    [GeneratedRegex(@"`([^`]*)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"(?:Configuration\[(?<arg>[^\]]+)\]|GetConnectionString\((?<arg>[^)]+)\)|GetSection\((?<arg>[^)]+)\))")]
    private static partial Regex ConfigurationRead();
}
