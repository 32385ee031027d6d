using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using AgentRuntime.Engine;
using AgentRuntime.Host.Database;
using AgentRuntime.Host.Identity;
using AgentRuntime.Testing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>
/// What the deployment tests compare the files in deploy/ and docker-compose.yml against: the settings the host really
/// reads (derived from its options classes and the configuration keys its code reads), the runbook's tables, and the
/// YAML files as plain dictionaries and lists.
/// </summary>
internal static partial class DeploymentFiles
{
    public static string Root => RepoPaths.Root;
    public static string Deploy => Path.Combine(Root, "deploy");
    public static string Kubernetes => Path.Combine(Deploy, "kubernetes");
    public static string Readme => File.ReadAllText(Path.Combine(Deploy, "README.md"));

    /// <summary>The image every deployment runs, by its unqualified name (compose tag, kustomize image name).</summary>
    public const string ImageName = "agentruntime";

    // ---------------------------------------------------------------- settings the host reads

    /// <summary>One setting: its configuration key (<c>Engine:LeaseDuration</c>), and its default when deterministic.</summary>
    public sealed record Setting(string Key, Type Type, object? Default, bool DefaultIsDeterministic)
    {
        public string EnvironmentName => Key.Replace(":", "__", StringComparison.Ordinal);
    }

    /// <summary>
    /// Every setting: each public settable property of each options class (a type with a <c>SectionName</c> constant) in
    /// the host's and the engine's assemblies, plus the keys the host reads directly (connection string, auth mode).
    /// </summary>
    public static IReadOnlyList<Setting> Settings()
    {
        var list = new List<Setting>
        {
            new($"ConnectionStrings:{DatabaseBootstrap.ConnectionStringName}", typeof(string), null, true),
            new(IdentitySetup.ModeKey, typeof(string), null, true),
        };
        foreach (var type in OptionsTypes())
        {
            var section = (string)type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
            var first = Activator.CreateInstance(type);
            var second = Activator.CreateInstance(type);
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
            {
                var a = p.GetValue(first);
                list.Add(new Setting($"{section}:{p.Name}", p.PropertyType, a, Equals(a, p.GetValue(second))));
            }
        }
        return list;
    }

    public static IEnumerable<Type> OptionsTypes() =>
        new[] { typeof(Program).Assembly, typeof(EngineOptions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null
                        && t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>Configuration keys (<c>:</c> form) are case-insensitive in .NET; env names use <c>__</c>.</summary>
    public static string NormalizeKey(string key) => key.Replace("__", ":", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>The invariant text the runbook shows for a default value.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // ---------------------------------------------------------------- the runbook's tables

    public sealed record Row(string Name, string Default, string Meaning);

    /// <summary>Rows of the markdown table between <c>&lt;!-- {marker}:begin --&gt;</c> and <c>&lt;!-- {marker}:end --&gt;</c>; first cell unquoted.</summary>
    public static IReadOnlyList<Row> Table(string marker)
    {
        var text = Readme;
        var begin = text.IndexOf($"<!-- {marker}:begin -->", StringComparison.Ordinal);
        var end = text.IndexOf($"<!-- {marker}:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"deploy/README.md has no '{marker}' table markers");
        var rows = new List<Row>();
        foreach (var line in text[begin..end].Split('\n').Select(l => l.Trim()))
        {
            if (!line.StartsWith('|') || line.StartsWith("|---", StringComparison.Ordinal)) continue;
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 3 || !cells[0].StartsWith('`')) continue; // header row
            rows.Add(new Row(cells[0].Trim('`'), cells[1], cells[2]));
        }
        return rows;
    }

    /// <summary>
    /// Environment variables a deployment may set beyond the host's own settings: the runbook's platform table
    /// (ASP.NET Core, .NET runtime, logging and OpenTelemetry SDK variables).
    /// </summary>
    public static IReadOnlySet<string> PlatformVariables() =>
        Table("platform").Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="envName"/> is a host setting, a documented platform variable or under a documented prefix (<c>Logging__LogLevel__*</c>).</summary>
    public static bool IsKnownVariable(string envName, IReadOnlyList<Setting> settings, IReadOnlySet<string> platform)
    {
        if (settings.Any(s => NormalizeKey(s.Key) == NormalizeKey(envName))) return true;
        if (platform.Contains(envName)) return true;
        return platform.Where(p => p.EndsWith('*')).Any(p => envName.StartsWith(p[..^1], StringComparison.OrdinalIgnoreCase));
    }

    // ---------------------------------------------------------------- YAML

    /// <summary>Every document of a YAML file as plain values (dictionaries, lists, strings); merge keys (&lt;&lt;) resolved.</summary>
    public static List<object?> LoadYaml(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return stream.Documents.Select(d => Plain(d.RootNode)).ToList();
    }

    public static List<object?> LoadYamlText(string text)
    {
        using var reader = new StringReader(text);
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return stream.Documents.Select(d => Plain(d.RootNode)).ToList();
    }

    private static object? Plain(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Plain(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Plain).ToList(),
        YamlScalarNode v => v.Value,
        _ => null,
    };

    public static Dictionary<string, object?> Map(object? o, string what) =>
        o as Dictionary<string, object?> ?? throw new Xunit.Sdk.XunitException($"{what}: expected a mapping, found {o?.GetType().Name ?? "nothing"}");

    public static List<object?> List(object? o, string what) =>
        o as List<object?> ?? throw new Xunit.Sdk.XunitException($"{what}: expected a list, found {o?.GetType().Name ?? "nothing"}");

    public static object? At(object? o, params string[] path)
    {
        foreach (var p in path)
        {
            if (o is not Dictionary<string, object?> d || !d.TryGetValue(p, out o)) return null;
        }
        return o;
    }

    public static string? Str(object? o, params string[] path) => At(o, path) as string;

    // ---------------------------------------------------------------- Dockerfile

    public sealed record Stage(string Image, string Name, List<(string Instruction, string Arguments)> Lines);

    public static List<Stage> DockerStages()
    {
        var stages = new List<Stage>();
        var text = File.ReadAllText(Path.Combine(Deploy, "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var m = InstructionLine().Match(line);
            if (!m.Success) continue;
            var (instruction, args) = (m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value.Trim());
            if (instruction == "FROM")
            {
                var from = FromLine().Match(args);
                Assert.True(from.Success, $"FROM without a stage name: {args}");
                stages.Add(new Stage(from.Groups[1].Value, from.Groups[2].Value, []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Lines.Add((instruction, args));
            }
        }
        return stages;
    }

    [GeneratedRegex(@"^([A-Za-z]+)\s+(.*)$")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"^(\S+)\s+AS\s+(\S+)$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();
}
