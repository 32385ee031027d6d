using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Cli.Commands;

/// <summary>
/// <c>agentrt validate &lt;files or folders…&gt; [--output text|json]</c>: checks definitions offline. Folders are searched
/// recursively for *.yaml, *.yml and *.json, skipping workflow.schema.json and any agents/ folder. Prints one
/// <c>file:line:col: severity code: message</c> line per problem (sorted by file, line), or a JSON array with --output json.
/// Exit: 0 no errors (warnings allowed), 1 errors, 2 a path does not exist or nothing to validate.
/// </summary>
internal static class ValidateCommand
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Definition files or folders holding them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--output", "-o")
        {
            Description = "Output format: text (default) or json.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("validate", "Validate workflow definition files and report problems with positions.") { paths, format };
        command.SetAction(parseResult => Execute(
            parseResult.GetValue(paths) ?? [],
            parseResult.GetValue(format) ?? "text",
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    internal static int Execute(string[] paths, string format, TextWriter output, TextWriter error)
    {
        var files = new List<string>();
        var missing = false;
        foreach (var path in paths)
        {
            if (Directory.Exists(path)) files.AddRange(FindDefinitions(path));
            else if (File.Exists(path)) files.Add(path);
            else
            {
                error.WriteLine($"agentrt: no such file or folder: {path}");
                missing = true;
            }
        }
        if (missing) return Program.UsageError;
        if (files.Count == 0)
        {
            error.WriteLine("agentrt: no definition files (*.yaml, *.yml, *.json) found.");
            return Program.UsageError;
        }

        var problems = files
            .Distinct(StringComparer.Ordinal)
            .SelectMany(f => DefinitionDocument.Load(f, ActivityCatalog.BuiltIn).Problems)
            .OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ThenBy(p => p.Column).ThenBy(p => p.Code, StringComparer.Ordinal)
            .ToList();
        var errors = problems.Count(p => p.Severity == ProblemSeverity.Error);

        if (format == "json")
        {
            var json = problems.Select(p => new
            {
                file = p.File,
                line = p.Line,
                column = p.Column,
                jsonPath = p.JsonPath,
                code = p.Code,
                severity = p.Severity == ProblemSeverity.Error ? "error" : "warning",
                message = p.Message,
            });
            output.WriteLine(JsonSerializer.Serialize(json, JsonOptions));
        }
        else
        {
            foreach (var p in problems) output.WriteLine(p.ToString());
        }
        error.WriteLine($"{files.Count} file(s) checked: {errors} error(s), {problems.Count - errors} warning(s).");
        return errors > 0 ? Program.InputHasErrors : Program.Ok;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IEnumerable<string> FindDefinitions(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Where(f => !Path.GetFileName(f).Equals("workflow.schema.json", StringComparison.OrdinalIgnoreCase))
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
                .SkipLast(1).Contains("agents", StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
}
