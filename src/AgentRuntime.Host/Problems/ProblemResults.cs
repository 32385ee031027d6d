using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Host.Problems;

/// <summary>RFC 9457 problem details with the project's extensions (the validation list, a stable code).</summary>
public static class ProblemResults
{
    /// <summary>422 carrying every problem of a definition; nothing was stored.</summary>
    public static IResult InvalidDefinition(IReadOnlyList<DefinitionProblem> problems, string? instance = null)
    {
        var errors = problems.Count(p => p.Severity == ProblemSeverity.Error);
        var first = problems.FirstOrDefault(p => p.Severity == ProblemSeverity.Error);
        return Results.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "The workflow definition is invalid",
            detail: first is null
                ? "The definition has errors."
                : $"{errors} error(s); first: {first}",
            type: "https://agentruntime.dev/problems/invalid-definition",
            instance: instance,
            extensions: new Dictionary<string, object?> { ["code"] = "invalid-definition", ["problems"] = problems.Select(ToJson).ToList() });
    }

    public static IResult Status(int status, string code, string title, string detail, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (extra is not null) foreach (var (k, v) in extra) extensions[k] = v;
        return Results.Problem(statusCode: status, title: title, detail: detail, type: $"https://agentruntime.dev/problems/{code}", extensions: extensions);
    }

    /// <summary>400 <c>invalid-parameter</c> naming the query parameter, with the detail also under <c>errors[parameter]</c>.</summary>
    public static IResult InvalidParameter(string parameter, string detail) =>
        Status(StatusCodes.Status400BadRequest, "invalid-parameter", $"Invalid query parameter '{parameter}'", detail,
            new Dictionary<string, object?> { ["parameter"] = parameter, ["errors"] = new Dictionary<string, string[]> { [parameter] = [detail] } });

    public static IResult NotFound(string what, string id) =>
        Status(StatusCodes.Status404NotFound, "not-found", $"{what} not found", $"No {what.ToLowerInvariant()} with id '{id}'.");

    public static object ToJson(DefinitionProblem p) => p.ToJson();
}
