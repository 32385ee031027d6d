using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Expressions;

/// <summary>
/// Checks one expression or template as the definition validator would (parser, then static checker), so the Studio's
/// expression editor can show a problem under the character that causes it while the designer types. Stateless; nothing
/// is stored or evaluated.
/// </summary>
public static class ExpressionsApi
{
    public static IEndpointRouteBuilder MapExpressionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/expressions/check", CheckAsync).WithTags("Expressions").WithName("CheckExpression")
            .RequireAuthorization(Policies.Designer)
            .WithSummary("Body: {expression, kind: expression|template (default expression), variables?: [name], nodeIds?: [id]}. " +
                         "200 {ok, problems: [{code, message, position, length, column}]} — column is 1-based, position 0-based.");
        return app;
    }

    private static async Task<IResult> CheckAsync(HttpRequest request, DefinitionLimits limits, CancellationToken ct)
    {
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException e)
        {
            return Invalid("body", $"The body is not JSON: {e.Message}");
        }
        if (body is null) return Invalid("body", "Send {\"expression\": \"…\", \"kind\": \"expression\"}.");
        if (body["expression"] is not JsonValue ev || !ev.TryGetValue<string>(out var source))
            return Invalid("expression", "The expression (a string) is required.");
        var kind = body["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : "expression";
        if (kind is not ("expression" or "template")) return Invalid("kind", "kind must be expression or template.");
        if (source.Length > limits.MaxExpressionLength)
            return Results.Ok(new CheckResponse(false, [new CheckProblem("AR505", $"The {kind} is {source.Length} characters; at most {limits.MaxExpressionLength} are allowed.", 0, 0, 1)]));

        var env = new ExpressionTypeEnvironment { Variables = Names(body["variables"]), NodeIds = Names(body["nodeIds"]) };
        IReadOnlyList<ExpressionProblem> problems;
        if (kind == "template")
            problems = Template.TryParse(source, out var template, out var error) ? template!.Check(env) : [error!.ToProblem()];
        else
            problems = CompiledExpression.TryParse(source, out var expression, out var error) ? expression!.Check(env) : [error!.ToProblem()];
        return Results.Ok(new CheckResponse(problems.Count == 0,
            problems.Select(p => new CheckProblem(p.Code, p.Message, p.Position, p.Length, p.Position + 1)).ToList()));
    }

    /// <summary>A list of names, or null (not checked) when absent or not a list of strings.</summary>
    private static HashSet<string>? Names(JsonNode? node)
    {
        if (node is not JsonArray list) return null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list)
            if (item is JsonValue v && v.TryGetValue<string>(out var s)) names.Add(s);
        return names;
    }

    private static IResult Invalid(string field, string message) =>
        ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-request", "Invalid expression check", message,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    public sealed record CheckResponse(bool Ok, IReadOnlyList<CheckProblem> Problems);

    public sealed record CheckProblem(string Code, string Message, int Position, int Length, int Column);
}
