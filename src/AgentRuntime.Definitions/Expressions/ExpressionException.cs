namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// The only exception the expression language throws: for syntax errors while parsing, for problems found
/// when a checked expression is evaluated anyway, and for run-time errors such as type mismatches,
/// division by zero or an exhausted evaluation budget. No other exception type escapes
/// <see cref="CompiledExpression"/> or <see cref="Template"/>, so callers can catch this one type and route the
/// failure (for example to an activity's <c>error</c> port) without risking a crash of the host.
/// </summary>
/// <remarks>
/// <see cref="Code"/> is stable across versions (see <see cref="ExpressionErrorCodes"/> and the table in the
/// language reference); <see cref="Position"/> and <see cref="Length"/> locate the offending text so that an
/// editor can underline it. The message repeats the position in human-readable form.
/// </remarks>
public sealed class ExpressionException : Exception
{
    /// <summary>Creates an exception. Library code throws these; callers normally only catch them.</summary>
    /// <param name="code">A stable code from <see cref="ExpressionErrorCodes"/>.</param>
    /// <param name="message">An actionable, single-line message.</param>
    /// <param name="position">0-based offset of the offending text in the source (template errors: in the template).</param>
    /// <param name="length">Length of the offending text; 0 when it is the end of the source.</param>
    /// <param name="innerException">The underlying cause, if any (for example a regex timeout).</param>
    public ExpressionException(string code, string message, int position, int length, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Position = position;
        Length = length;
    }

    /// <summary>Stable error code such as <c>EXPR001</c>. Match on this, never on the message text.</summary>
    public string Code { get; }

    /// <summary>0-based offset into the source of the first character of the offending text.</summary>
    public int Position { get; }

    /// <summary>Number of characters of the offending text (0 at end of input).</summary>
    public int Length { get; }

    /// <summary>The same error as a <see cref="ExpressionProblem"/>, for validators that collect problems.</summary>
    public ExpressionProblem ToProblem() => new(Code, Position, Length, Message);
}

/// <summary>
/// Stable error codes of the expression language. Codes <c>EXPR0xx</c> are syntax errors (thrown by Parse),
/// <c>EXPR1xx</c> are static problems (returned by Check and, where they make evaluation impossible, thrown by
/// Evaluate), <c>EXPR2xx</c> are run-time errors and <c>EXPR3xx</c> are template errors.
/// </summary>
public static class ExpressionErrorCodes
{
    /// <summary>A token appeared where the grammar does not allow it.</summary>
    public const string UnexpectedToken = "EXPR001";
    /// <summary>A string literal has no closing quote.</summary>
    public const string UnterminatedString = "EXPR002";
    /// <summary>A backslash escape in a string literal is not one of \n \t \r \\ \' \" \/ \b \f \uXXXX.</summary>
    public const string InvalidEscape = "EXPR003";
    /// <summary>A character that is not part of the language (such as <c>$</c>, <c>;</c>, a lone <c>=</c> or <c>&amp;</c>).</summary>
    public const string InvalidCharacter = "EXPR004";
    /// <summary>A malformed number literal, or one outside the range of a double.</summary>
    public const string InvalidNumber = "EXPR005";
    /// <summary>The source ended (or was empty) where more was expected.</summary>
    public const string UnexpectedEnd = "EXPR006";
    /// <summary>A call to a function that is not on the whitelist.</summary>
    public const string UnknownFunction = "EXPR007";
    /// <summary>The source is longer than <see cref="ExpressionOptions.MaxLength"/>.</summary>
    public const string TooLong = "EXPR008";
    /// <summary>Nesting is deeper than <see cref="ExpressionOptions.MaxDepth"/> (or than the stack allows).</summary>
    public const string TooDeep = "EXPR009";
    /// <summary>A map literal repeats a key.</summary>
    public const string DuplicateKey = "EXPR010";
    /// <summary>The argument of <c>has()</c> is not a path such as <c>input.a.b</c>.</summary>
    public const string InvalidHasArgument = "EXPR011";

    /// <summary>An identifier that is not one of the roots <c>input</c>, <c>vars</c>, <c>outputs</c>, <c>instance</c>.</summary>
    public const string UnknownRoot = "EXPR101";
    /// <summary>A function called with too few or too many arguments.</summary>
    public const string WrongArity = "EXPR102";
    /// <summary>An operator or function applied to a value of the wrong type.</summary>
    public const string TypeMismatch = "EXPR103";
    /// <summary>An ordering comparison (&lt; &lt;= &gt; &gt;=) between values that cannot be ordered together.</summary>
    public const string IncomparableTypes = "EXPR104";
    /// <summary>Check only: <c>==</c> or <c>!=</c> between values of different known types, which is always false (true).</summary>
    public const string AlwaysFalseComparison = "EXPR105";
    /// <summary>Check only: a field that the type environment says does not exist (input field, instance field).</summary>
    public const string UnknownField = "EXPR106";
    /// <summary>An invalid regular expression passed to <c>matches()</c>.</summary>
    public const string InvalidRegex = "EXPR107";
    /// <summary>Check only: a variable not declared in the type environment.</summary>
    public const string UnknownVariable = "EXPR108";
    /// <summary>Check only: <c>outputs.x</c> where <c>x</c> is not a node declared in the type environment.</summary>
    public const string UnknownNode = "EXPR109";

    /// <summary>Division or remainder by zero.</summary>
    public const string DivisionByZero = "EXPR201";
    /// <summary>A number result is not finite (overflow).</summary>
    public const string NumericOverflow = "EXPR202";
    /// <summary>An argument has the right type but an invalid value (bad duration, timestamp, number text, digits).</summary>
    public const string InvalidArgument = "EXPR203";
    /// <summary>A regular expression match exceeded <see cref="ExpressionOptions.RegexTimeout"/>.</summary>
    public const string RegexTimeout = "EXPR204";
    /// <summary>Evaluation used more than <see cref="ExpressionOptions.MaxSteps"/> steps.</summary>
    public const string StepBudgetExceeded = "EXPR205";
    /// <summary>A produced string would be longer than <see cref="ExpressionOptions.MaxStringLength"/>.</summary>
    public const string StringTooLarge = "EXPR206";
    /// <summary>A produced list or map would have more than <see cref="ExpressionOptions.MaxListItems"/> items.</summary>
    public const string ListTooLarge = "EXPR207";
    /// <summary><see cref="CompiledExpression.EvaluateBoolean"/> got a result that is not a boolean.</summary>
    public const string NotBoolean = "EXPR208";
    /// <summary>The scope holds a JSON value the language cannot read (or nested too deeply to read safely).</summary>
    public const string UnsupportedValue = "EXPR209";

    /// <summary>A template has <c>{{</c> without a matching <c>}}</c>.</summary>
    public const string UnterminatedPlaceholder = "EXPR301";
    /// <summary>A template placeholder <c>{{ }}</c> holds no expression.</summary>
    public const string EmptyPlaceholder = "EXPR302";
    /// <summary>The template text is longer than <see cref="ExpressionOptions.MaxTemplateLength"/>.</summary>
    public const string TemplateTooLong = "EXPR303";

    /// <summary>A defect in the language implementation surfaced as an error instead of crashing the caller. Please report it.</summary>
    public const string InternalError = "EXPR999";
}
