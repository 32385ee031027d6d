namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// A problem found by <see cref="CompiledExpression.Check"/> (or a parse error converted with
/// <see cref="ExpressionException.ToProblem"/>). Problems are reported, not thrown, so a validator can list all of
/// them at once; an expression with problems may still parse, but evaluating it will usually fail at run time.
/// </summary>
/// <param name="Code">Stable code from <see cref="ExpressionErrorCodes"/>.</param>
/// <param name="Position">0-based offset into the expression source.</param>
/// <param name="Length">Length of the offending text.</param>
/// <param name="Message">Actionable single-line message.</param>
public sealed record ExpressionProblem(string Code, int Position, int Length, string Message);
