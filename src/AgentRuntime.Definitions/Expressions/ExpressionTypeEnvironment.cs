namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// What <see cref="CompiledExpression.Check"/> may assume about the data: the types of known paths, the declared
/// variables and the node ids whose outputs exist. Everything left undeclared is treated as unknown
/// (<see cref="ExpressionValueType.Any"/>) and produces no problems, so an empty environment only reports what is
/// wrong regardless of data (syntax-level types, unknown roots, arity, invalid literal regexes or durations).
/// </summary>
/// <example>
/// <code>
/// var env = new ExpressionTypeEnvironment { Variables = new HashSet&lt;string&gt; { "attempts" }, NodeIds = new HashSet&lt;string&gt; { "propose" } }
///     .Declare("input.amount", ExpressionValueType.Number)
///     .Declare("outputs.propose.confidence", ExpressionValueType.Number);
/// </code>
/// </example>
public sealed class ExpressionTypeEnvironment
{
    private readonly Dictionary<string, ExpressionValueType> _paths = new(StringComparer.Ordinal);

    /// <summary>Declared variable names. When set, <c>vars.x</c> for an undeclared <c>x</c> is reported (EXPR108).
    /// Null (the default) means variables are not checked.</summary>
    public IReadOnlySet<string>? Variables { get; init; }

    /// <summary>Node ids whose outputs may be read. When set, <c>outputs.x</c> for any other <c>x</c> is reported
    /// (EXPR109). Null (the default) means node ids are not checked.</summary>
    public IReadOnlySet<string>? NodeIds { get; init; }

    /// <summary>When true, input fields must be declared with <see cref="Declare"/> (a path under a declared
    /// <see cref="ExpressionValueType.Map"/> or <see cref="ExpressionValueType.Any"/> field counts as declared);
    /// others are reported (EXPR106). Default false: undeclared input fields are simply unknown.</summary>
    public bool ClosedInput { get; init; }

    /// <summary>The declared path types, keyed in the format of <see cref="CompiledExpression.RootPaths"/>.</summary>
    public IReadOnlyDictionary<string, ExpressionValueType> Paths => _paths;

    /// <summary>Declares the type of a path such as <c>input.amount</c>, <c>vars.attempts</c>,
    /// <c>outputs.propose.confidence</c> or <c>input.items[0]</c> (the format of
    /// <see cref="CompiledExpression.RootPaths"/>). Returns this environment for chaining. Redeclaring replaces.</summary>
    public ExpressionTypeEnvironment Declare(string path, ExpressionValueType type)
    {
        ArgumentNullException.ThrowIfNull(path);
        _paths[path] = type;
        return this;
    }

    /// <summary>The declared type of a path, or <see cref="ExpressionValueType.Any"/>.</summary>
    public ExpressionValueType TypeOf(string path) => _paths.TryGetValue(path, out var type) ? type : ExpressionValueType.Any;

    internal bool IsKnownInputPath(string path)
    {
        foreach (var (declared, type) in _paths)
        {
            if (declared == path) return true;
            if (IsUnder(declared, path)) return true;
            if (IsUnder(path, declared) && type is ExpressionValueType.Map or ExpressionValueType.Any or ExpressionValueType.List) return true;
        }

        return false;
    }

    /// <summary>True when <paramref name="path"/> is strictly below <paramref name="prefix"/>.</summary>
    private static bool IsUnder(string path, string prefix) =>
        path.Length > prefix.Length && path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] is '.' or '[';
}
