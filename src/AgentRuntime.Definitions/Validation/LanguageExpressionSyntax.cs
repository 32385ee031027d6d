using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Definitions.Validation;

/// <summary>Selects the expression syntax the validator uses.</summary>
internal static class ExpressionSyntax
{
    public static IExpressionSyntax Default { get; } = new LanguageExpressionSyntax();
}

/// <summary>
/// Checks expressions and templates with the real language: the parser, then the static checker (unknown roots,
/// unknown functions, wrong arity, type errors between literals). A definition that passes runs no expression that
/// could fail to parse at run time.
/// </summary>
internal sealed class LanguageExpressionSyntax : IExpressionSyntax
{
    public ExpressionSyntaxError? CheckExpression(string source)
    {
        if (!CompiledExpression.TryParse(source, out var expression, out var error))
            return Map(error);
        var problem = expression!.Check().FirstOrDefault();
        return problem is null ? null : new ExpressionSyntaxError(problem.Code, problem.Position, problem.Length, problem.Message);
    }

    public ExpressionSyntaxError? CheckTemplate(string text) =>
        Template.TryParse(text, out _, out var error) ? null : Map(error);

    private static ExpressionSyntaxError Map(ExpressionException? e) =>
        new(e?.Code ?? "syntax", e?.Position ?? 0, e?.Length ?? 0, e?.Message ?? "Invalid expression.");
}
