using AgentRuntime.Definitions.Loading;

namespace AgentRuntime.Definitions.Validation;

/// <summary>Collects the problems of one file; resolves JSON paths to positions through the file's <see cref="SourceMap"/>.</summary>
internal sealed class ProblemSink(string file, SourceMap map)
{
    public string File { get; } = file;
    public SourceMap Map { get; } = map;
    public List<DefinitionProblem> Problems { get; } = [];
    public bool HasErrors => Problems.Exists(p => p.Severity == ProblemSeverity.Error);

    public void Add(string code, ProblemSeverity severity, SourcePosition at, string path, string message) =>
        Problems.Add(new DefinitionProblem(File, at.Line, at.Column, path, code, severity, message));

    public void Error(string code, SourcePosition at, string path, string message) => Add(code, ProblemSeverity.Error, at, path, message);

    /// <summary>An error at the value found at <paramref name="path"/> (or its nearest present ancestor).</summary>
    public void Error(string code, string path, string message) => Error(code, Map.PositionOf(path), path, message);

    public void Warning(string code, string path, string message) => Add(code, ProblemSeverity.Warning, Map.PositionOf(path), path, message);
}
