namespace AgentRuntime.Definitions.Validation;

/// <summary>A syntax error inside an expression or template: <see cref="Position"/> is a 0-based offset into its text.</summary>
internal sealed record ExpressionSyntaxError(string Code, int Position, int Length, string Message);

/// <summary>
/// The validator's only view of the expression language: parse, report the first error with its offset. The
/// implementation in use is <see cref="ExpressionSyntax.Default"/>, declared in <c>ExpressionSyntaxStub.cs</c>.
/// </summary>
internal interface IExpressionSyntax
{
    /// <summary>
    /// Null when <paramref name="source"/> parses as an expression (and, when <paramref name="nodeIds"/> is given, reads the
    /// outputs of no other node).
    /// </summary>
    ExpressionSyntaxError? CheckExpression(string source, IReadOnlySet<string>? nodeIds = null);

    /// <summary>Null when <paramref name="text"/> parses as a template (text with <c>{{ expression }}</c> holes), likewise.</summary>
    ExpressionSyntaxError? CheckTemplate(string text, IReadOnlySet<string>? nodeIds = null);
}
