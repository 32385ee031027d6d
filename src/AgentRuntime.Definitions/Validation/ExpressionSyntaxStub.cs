namespace AgentRuntime.Definitions.Validation;

// MERGE NOTE: this is the ONE file to swap when AgentRuntime.Definitions.Expressions lands. Replace its content with:
//
//   using AgentRuntime.Definitions.Expressions;
//   internal static class ExpressionSyntax { public static IExpressionSyntax Default { get; } = new LanguageSyntax(); }
//   internal sealed class LanguageSyntax : IExpressionSyntax
//   {
//       public ExpressionSyntaxError? CheckExpression(string source) =>
//           CompiledExpression.TryParse(source, out _, out var e) ? null : Map(e);
//       public ExpressionSyntaxError? CheckTemplate(string text) =>
//           Template.TryParse(text, out _, out var e) ? null : Map(e);
//       private static ExpressionSyntaxError Map(ExpressionException? e) =>
//           new(e?.Code ?? "syntax", e?.Position ?? 0, e?.Length ?? 0, e?.Message ?? "Invalid expression.");
//   }

/// <summary>Selects the expression syntax the validator uses.</summary>
internal static class ExpressionSyntax
{
    public static IExpressionSyntax Default { get; } = new ExpressionSyntaxStub();
}

/// <summary>
/// Stand-in until the expression language lands: an expression must be non-empty with balanced brackets and closed
/// quotes; a template's <c>{{ }}</c> must pair up and each hole must pass the expression check.
/// </summary>
internal sealed class ExpressionSyntaxStub : IExpressionSyntax
{
    public ExpressionSyntaxError? CheckExpression(string source)
    {
        if (string.IsNullOrWhiteSpace(source)) return new("empty", 0, source.Length, "The expression is empty.");
        var stack = new Stack<(char Close, int At)>();
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            switch (c)
            {
                case '\'' or '"':
                    var start = i;
                    for (i++; i < source.Length && source[i] != c; i++)
                        if (source[i] == '\\') i++;
                    if (i >= source.Length) return new("unterminated-string", start, source.Length - start, $"The text starting here is never closed with {c}.");
                    break;
                case '(': stack.Push((')', i)); break;
                case '[': stack.Push((']', i)); break;
                case '{': stack.Push(('}', i)); break;
                case ')' or ']' or '}':
                    if (stack.Count == 0 || stack.Peek().Close != c)
                        return new("unbalanced", i, 1, $"'{c}' has no matching opening bracket.");
                    stack.Pop();
                    break;
            }
        }
        if (stack.Count > 0)
        {
            var (close, at) = stack.Peek();
            return new("unbalanced", at, 1, $"'{source[at]}' is never closed with '{close}'.");
        }
        return null;
    }

    public ExpressionSyntaxError? CheckTemplate(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("{{", i, StringComparison.Ordinal);
            var stray = text.IndexOf("}}", i, StringComparison.Ordinal);
            if (stray >= 0 && (open < 0 || stray < open)) return new("unbalanced", stray, 2, "'}}' has no matching '{{'.");
            if (open < 0) return null;
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) return new("unterminated-hole", open, 2, "'{{' is never closed with '}}'.");
            var hole = text[(open + 2)..close];
            if (CheckExpression(hole) is { } e)
                return e with { Position = open + 2 + (e.Code == "empty" ? 0 : e.Position) };
            i = close + 2;
        }
        return null;
    }
}
