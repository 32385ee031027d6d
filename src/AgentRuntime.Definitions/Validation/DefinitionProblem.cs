using System.Text.Json.Nodes;

namespace AgentRuntime.Definitions.Validation;

/// <summary>How bad a problem is. Any <see cref="Error"/> stops publication; warnings are readiness gaps a draft may have.</summary>
public enum ProblemSeverity
{
    /// <summary>The definition cannot be published (or run) until this is fixed.</summary>
    Error,
    /// <summary>A governance/readiness gap: the definition can be saved and published as a draft, but the readiness
    /// checklist will not go green and agents in it cannot be promoted while it stands.</summary>
    Warning,
}

/// <summary>
/// One problem found in a definition file, with the exact place it was found. <see cref="Line"/> and <see cref="Column"/>
/// are 1-based and count characters (not bytes); <see cref="JsonPath"/> names the model element (e.g.
/// <c>$.flowchart.edges[3].to</c>) and is the same for the YAML and the JSON form of a definition.
/// <see cref="Code"/> is stable (see <see cref="ProblemCodes"/>): tools may match on it, people read <see cref="Message"/>.
/// </summary>
public sealed record DefinitionProblem(
    string File,
    int Line,
    int Column,
    string JsonPath,
    string Code,
    ProblemSeverity Severity,
    string Message)
{
    /// <summary>True when this problem stops publication.</summary>
    public bool IsError => Severity == ProblemSeverity.Error;

    /// <summary>
    /// The one JSON shape of a problem (camelCase; severity in lowercase), used by the API's answers and by the warnings
    /// stored with a workflow version, so a client reads both the same way.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["file"] = File,
        ["line"] = Line,
        ["column"] = Column,
        ["path"] = JsonPath,
        ["code"] = Code,
        ["severity"] = Severity == ProblemSeverity.Error ? "error" : "warning",
        ["message"] = Message,
    };

    /// <summary>Compiler-style rendering: <c>file:line:col: error CODE: message</c> (severity in lowercase), which editors
    /// and CI logs turn into clickable links.</summary>
    public override string ToString() =>
        $"{File}:{Line}:{Column}: {(Severity == ProblemSeverity.Error ? "error" : "warning")} {Code}: {Message}";
}
