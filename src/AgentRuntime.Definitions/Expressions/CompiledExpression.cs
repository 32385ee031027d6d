using System.Text.Json.Nodes;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// A parsed expression, ready to be checked and evaluated any number of times. Immutable and thread-safe: parse once
/// (for example when a definition is loaded) and evaluate it concurrently against different scopes.
/// </summary>
/// <remarks>
/// <para>Parsing validates the syntax, the function whitelist and the limits of <see cref="ExpressionOptions"/>; it does
/// not look at data. <see cref="Check"/> reports static problems (unknown roots, arity, known type mismatches) without
/// throwing. <see cref="Evaluate"/> runs the expression; it never performs I/O, never loops and is bounded by the step,
/// size and regex limits of the options the expression was parsed with.</para>
/// <para>Every failure, in any of these, is an <see cref="ExpressionException"/>.</para>
/// </remarks>
public sealed class CompiledExpression
{
    private readonly Node _root;
    private readonly ExpressionOptions _options;

    private CompiledExpression(string source, Node root, ExpressionOptions options)
    {
        Source = source;
        _root = root;
        _options = options;
        RootPaths = PathFormat.Collect(root);
    }

    /// <summary>The source text as given to <see cref="Parse"/> (for template placeholders: the text between the braces).</summary>
    public string Source { get; }

    /// <summary>
    /// The data paths the expression reads, distinct, in order of first appearance — for example
    /// <c>["input.amount", "outputs.propose.confidence"]</c>. Use it for data lineage and to learn which node outputs an
    /// expression depends on. Each entry is the longest static prefix of a path: <c>input.items[vars.i].name</c> yields
    /// <c>input.items</c> and <c>vars.i</c>. Field names made of letters, digits, '_' and '-' appear as <c>.name</c> (so
    /// <c>outputs['propose-refund'].amount</c> is <c>outputs.propose-refund.amount</c>); other keys as <c>['key']</c>,
    /// literal list indexes as <c>[0]</c>. Unknown roots are not listed (<see cref="Check"/> reports them).
    /// </summary>
    public IReadOnlyList<string> RootPaths { get; }

    internal Node Syntax => _root;

    /// <summary>Parses an expression.</summary>
    /// <param name="source">The expression text, at most <see cref="ExpressionOptions.MaxLength"/> characters.</param>
    /// <param name="options">Limits; <see cref="ExpressionOptions.Default"/> when null. They also govern evaluation.</param>
    /// <returns>The compiled expression.</returns>
    /// <exception cref="ExpressionException">The source is empty, too long, too deeply nested, not well-formed, or calls a
    /// function that is not on the whitelist. <see cref="ExpressionException.Position"/> points at the offending token.</exception>
    public static CompiledExpression Parse(string source, ExpressionOptions? options = null)
    {
        options ??= ExpressionOptions.Default;
        return Guard(() => new CompiledExpression(source ?? "", Parser.Parse(source, options), options), 0);
    }

    /// <summary>Parses an expression without throwing. Exactly one of <paramref name="expression"/> and
    /// <paramref name="error"/> is non-null afterwards.</summary>
    /// <returns>True when the source parsed.</returns>
    public static bool TryParse(string source, out CompiledExpression? expression, out ExpressionException? error, ExpressionOptions? options = null)
    {
        try
        {
            expression = Parse(source, options);
            error = null;
            return true;
        }
        catch (ExpressionException e)
        {
            expression = null;
            error = e;
            return false;
        }
    }

    internal static CompiledExpression ParseRange(string text, int start, int end, ExpressionOptions options) =>
        Guard(() => new CompiledExpression(text[start..end], Parser.Parse(text, start, end, options), options), start);

    /// <summary>Evaluates the expression against a scope.</summary>
    /// <param name="scope">The data to read; null reads as <see cref="ExpressionScope.Empty"/>.</param>
    /// <returns>The result as a fresh JSON node (null for JSON null) that the caller owns and may attach elsewhere.
    /// Numbers come back as JSON numbers (integral values print without a fraction).</returns>
    /// <exception cref="ExpressionException">A type mismatch (e.g. <c>'a' + 1</c>, <c>input.amount.x</c> on a number),
    /// division by zero, an unknown root, wrong arity, an invalid argument value, or an exceeded limit (steps, string
    /// or list size, regex time). Missing fields never throw: they read as null.</exception>
    public JsonNode? Evaluate(ExpressionScope scope) =>
        Guard(() => new Evaluator(scope ?? ExpressionScope.Empty, _options).Evaluate(_root).ToNode(), _root.Position);

    /// <summary>Evaluates the expression and requires a boolean result — the form decision branches and validate
    /// rules use.</summary>
    /// <exception cref="ExpressionException">As for <see cref="Evaluate"/>, and <c>EXPR208</c> when the result is not a
    /// boolean (including null from a missing field: write <c>has(x) &amp;&amp; ...</c> or <c>coalesce(x, false)</c>).</exception>
    public bool EvaluateBoolean(ExpressionScope scope)
    {
        var value = Guard(() => new Evaluator(scope ?? ExpressionScope.Empty, _options).Evaluate(_root), _root.Position);
        if (value.Kind != ValueKind.Bool)
        {
            throw new ExpressionException(ExpressionErrorCodes.NotBoolean,
                $"Expected a boolean result at {_root.Position} but got {value.TypeName}", _root.Position, _root.Length);
        }

        return value.AsBool;
    }

    internal Value EvaluateValue(ExpressionScope scope) =>
        Guard(() => new Evaluator(scope ?? ExpressionScope.Empty, _options).Evaluate(_root), _root.Position);

    /// <summary>
    /// Checks the expression statically and returns its problems (empty when none are found). Never throws for a
    /// problem in the expression. Without an environment it reports what is wrong regardless of data: unknown roots,
    /// wrong arity, type errors between literals (<c>1 + true</c>, <c>'a' &lt; 1</c>), invalid literal regexes,
    /// durations and timestamps, and fields of <c>instance</c> that do not exist. With an environment it also uses the
    /// declared path types, variables and node ids. A clean check does not guarantee evaluation succeeds: values of
    /// unknown type are only checked at run time.
    /// </summary>
    public IReadOnlyList<ExpressionProblem> Check(ExpressionTypeEnvironment? env = null)
    {
        try
        {
            return new Checker(env ?? new ExpressionTypeEnvironment(), _options).Run(_root);
        }
        catch (Exception e) when (e is not ExpressionException and not OutOfMemoryException)
        {
            return [Internal(e, _root.Position).ToProblem()];
        }
    }

    /// <summary>The source text.</summary>
    public override string ToString() => Source;

    private static T Guard<T>(Func<T> action, int position)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is not ExpressionException and not OutOfMemoryException)
        {
            throw Internal(e, position);
        }
    }

    private static ExpressionException Internal(Exception e, int position) =>
        new(ExpressionErrorCodes.InternalError, $"Internal error in the expression language at {position}: {e.GetType().Name}: {e.Message}", position, 0, e);
}
