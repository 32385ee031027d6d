using System.Text;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// Text with <c>{{ expression }}</c> placeholders, such as <c>"Refund {{ input.amount }} for {{ input.customer }}"</c>.
/// Each placeholder is an expression of the same language, evaluated against the same <see cref="ExpressionScope"/>.
/// Immutable and thread-safe once parsed.
/// </summary>
/// <remarks>
/// Rendering: strings are inserted as they are, numbers in invariant culture (<c>12.5</c>, <c>3</c>), booleans as
/// <c>true</c>/<c>false</c>, null (including missing fields) as the empty string, lists and maps as compact JSON. There is
/// no escaping for HTML or anything else. To write a literal <c>{{</c>, use a placeholder with a string:
/// <c>{{ '{{' }}</c>. All error positions — from parsing, checking or rendering — are offsets into the template text.
/// </remarks>
public sealed class Template
{
    private readonly IReadOnlyList<(string Literal, CompiledExpression? Expression)> _parts;
    private readonly ExpressionOptions _options;

    private Template(string text, IReadOnlyList<(string, CompiledExpression?)> parts, ExpressionOptions options)
    {
        Text = text;
        _parts = parts;
        _options = options;
        Expressions = parts.Where(p => p.Item2 is not null).Select(p => p.Item2!).ToArray();
        RootPaths = Expressions.SelectMany(e => e.RootPaths).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The template text.</summary>
    public string Text { get; }

    /// <summary>The placeholders' expressions in order. Their error positions are offsets into <see cref="Text"/>.</summary>
    public IReadOnlyList<CompiledExpression> Expressions { get; }

    /// <summary>The union of the placeholders' <see cref="CompiledExpression.RootPaths"/>, in order of first appearance.</summary>
    public IReadOnlyList<string> RootPaths { get; }

    /// <summary>Parses a template.</summary>
    /// <exception cref="ExpressionException">A placeholder is unterminated (<c>EXPR301</c>) or empty (<c>EXPR302</c>),
    /// the text is longer than <see cref="ExpressionOptions.MaxTemplateLength"/> (<c>EXPR303</c>), or a placeholder's
    /// expression does not parse (its code, positioned in the template text).</exception>
    public static Template Parse(string text, ExpressionOptions? options = null)
    {
        options ??= ExpressionOptions.Default;
        text ??= "";
        if (text.Length > options.MaxTemplateLength)
        {
            throw new ExpressionException(ExpressionErrorCodes.TemplateTooLong,
                $"Template too long at {options.MaxTemplateLength}: it has {text.Length} characters and the limit is {options.MaxTemplateLength} (ExpressionOptions.MaxTemplateLength)",
                options.MaxTemplateLength, text.Length - options.MaxTemplateLength);
        }

        var parts = new List<(string, CompiledExpression?)>();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add((text[position..], null));
                break;
            }

            if (open > position) parts.Add((text[position..open], null));
            var start = open + 2;
            var end = FindClose(text, start);
            if (end < 0)
            {
                throw new ExpressionException(ExpressionErrorCodes.UnterminatedPlaceholder,
                    $"Unterminated placeholder at {open}: add '}}}}' after the expression", open, 2);
            }

            if (text.AsSpan(start, end - start).IsWhiteSpace())
            {
                throw new ExpressionException(ExpressionErrorCodes.EmptyPlaceholder,
                    $"Empty placeholder at {open}: put an expression between the braces, as in {{{{ input.amount }}}}", open, end + 2 - open);
            }

            parts.Add(("", CompiledExpression.ParseRange(text, start, end, options)));
            position = end + 2;
        }

        return new Template(text, parts, options);
    }

    /// <summary>Parses a template without throwing. Exactly one of <paramref name="template"/> and
    /// <paramref name="error"/> is non-null afterwards.</summary>
    public static bool TryParse(string text, out Template? template, out ExpressionException? error, ExpressionOptions? options = null)
    {
        try
        {
            template = Parse(text, options);
            error = null;
            return true;
        }
        catch (ExpressionException e)
        {
            template = null;
            error = e;
            return false;
        }
    }

    /// <summary>Finds the <c>}}</c> closing a placeholder whose expression starts at <paramref name="start"/>, skipping
    /// string literals and balanced map braces. -1 when there is none.</summary>
    private static int FindClose(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '"' or '\'')
            {
                for (i++; i < text.Length && text[i] != c; i++)
                {
                    if (text[i] == '\\') i++;
                }

                if (i >= text.Length) return -1;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                if (depth == 0 && i + 1 < text.Length && text[i + 1] == '}') return i;
                if (depth > 0) depth--;
            }
        }

        return -1;
    }

    /// <summary>Renders the template against a scope.</summary>
    /// <returns>The text with every placeholder replaced by its value (see the remarks on the class for formatting).</returns>
    /// <exception cref="ExpressionException">A placeholder failed to evaluate (positioned in the template text), or the
    /// output would exceed <see cref="ExpressionOptions.MaxStringLength"/> (<c>EXPR206</c>).</exception>
    public string Render(ExpressionScope scope)
    {
        var builder = new StringBuilder();
        foreach (var (literal, expression) in _parts)
        {
            if (expression is null)
            {
                builder.Append(literal);
            }
            else
            {
                var value = expression.EvaluateValue(scope);
                if (!value.IsNull) builder.Append(Evaluator.ToText(value, expression.Syntax));
            }

            if (builder.Length > _options.MaxStringLength)
            {
                throw new ExpressionException(ExpressionErrorCodes.StringTooLarge,
                    $"Rendered template at 0 would exceed {_options.MaxStringLength} characters (ExpressionOptions.MaxStringLength)", 0, Text.Length);
            }
        }

        return builder.ToString();
    }

    /// <summary>Checks every placeholder (see <see cref="CompiledExpression.Check"/>); positions are in the template text.</summary>
    public IReadOnlyList<ExpressionProblem> Check(ExpressionTypeEnvironment? env = null) =>
        Expressions.SelectMany(e => e.Check(env)).ToArray();

    /// <summary>The template text.</summary>
    public override string ToString() => Text;
}
