namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// Limits that keep expressions sandboxed. Every limit turns into an <see cref="ExpressionException"/> with its own
/// code when exceeded; none of them can crash the host. The defaults suit workflow definitions; raise them only for
/// trusted callers, since they bound the CPU and memory a single expression can use.
/// </summary>
public sealed class ExpressionOptions
{
    /// <summary>The shared default options. Immutable.</summary>
    public static ExpressionOptions Default { get; } = new();

    /// <summary>Maximum length of an expression's source, in characters (default 4,096). Longer sources fail to
    /// parse with <c>EXPR008</c>.</summary>
    public int MaxLength { get; init; } = 4096;

    /// <summary>Maximum length of a template's text, in characters (default 65,536); <c>EXPR303</c> beyond it.
    /// Each placeholder is additionally bound by <see cref="MaxLength"/>.</summary>
    public int MaxTemplateLength { get; init; } = 65536;

    /// <summary>Maximum nesting depth of the syntax tree (default 64). Deeper expressions fail to parse with
    /// <c>EXPR009</c>. Whatever this value, nesting that would exhaust the thread's stack also gives <c>EXPR009</c>
    /// instead of a stack overflow.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Maximum evaluation steps (default 100,000). One step per evaluated node plus one per element
    /// visited by operations over lists, maps or deep equality; beyond it evaluation fails with <c>EXPR205</c>.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Maximum length of a string an expression may produce (default 1,048,576 characters); <c>EXPR206</c>.
    /// Strings read from the scope are not limited, only strings built by the expression.</summary>
    public int MaxStringLength { get; init; } = 1024 * 1024;

    /// <summary>Maximum number of items in a list or map an expression may produce (default 10,000); <c>EXPR207</c>.</summary>
    public int MaxListItems { get; init; } = 10_000;

    /// <summary>Time limit of one regular-expression match in <c>matches()</c> (default 100 ms); <c>EXPR204</c>.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);
}
