using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Definitions.Validation;

/// <summary>Selects the expression syntax the validator uses.</summary>
internal static class ExpressionSyntax
{
    public static IExpressionSyntax Default { get; } = new LanguageExpressionSyntax();
}

/// <summary>
/// Checks expressions and templates with the real language: the parser, then the static checker (unknown roots,
/// unknown functions, wrong arity, type errors between literals, and — given the flowchart's node ids — reads of the
/// outputs of a node that does not exist, e.g. after a rename (EXPR109; such a read would be null at run time, silently).
/// A definition that passes runs no expression that could fail to parse at run time.
/// </summary>
internal sealed class LanguageExpressionSyntax : IExpressionSyntax
{
    public ExpressionSyntaxError? CheckExpression(string source, IReadOnlySet<string>? nodeIds = null)
    {
        if (!CompiledExpression.TryParse(source, out var expression, out var error))
            return Map(error);
        return First(expression!.Check(Environment(nodeIds)));
    }

    public ExpressionSyntaxError? CheckTemplate(string text, IReadOnlySet<string>? nodeIds = null)
    {
        if (!Template.TryParse(text, out var template, out var error))
            return Map(error);
        // Only the node-id check here: templates have always been checked for syntax alone, and widening that to every
        // static check would refuse definitions that were valid yesterday for reasons unrelated to node ids.
        return nodeIds is null ? null : First(template!.Check(Environment(nodeIds)).Where(p => p.Code == ExpressionErrorCodes.UnknownNode));
    }

    private static ExpressionTypeEnvironment? Environment(IReadOnlySet<string>? nodeIds) =>
        nodeIds is null ? null : new ExpressionTypeEnvironment { NodeIds = nodeIds };

    private static ExpressionSyntaxError? First(IEnumerable<ExpressionProblem> problems) =>
        problems.FirstOrDefault() is { } p ? new ExpressionSyntaxError(p.Code, p.Position, p.Length, p.Message) : null;

    private static ExpressionSyntaxError Map(ExpressionException? e) =>
        new(e?.Code ?? "syntax", e?.Position ?? 0, e?.Length ?? 0, e?.Message ?? "Invalid expression.");
}
