using System.Runtime.CompilerServices;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>Recursive-descent parser with precedence climbing for binary operators.</summary>
internal sealed class Parser
{
    internal static readonly string[] Roots = ["input", "vars", "outputs", "instance"];

    private readonly string _source;
    private readonly List<Token> _tokens;
    private readonly ExpressionOptions _options;
    private int _index;
    private int _nesting;

    private Parser(string source, List<Token> tokens, ExpressionOptions options)
    {
        _source = source;
        _tokens = tokens;
        _options = options;
    }

    public static Node Parse(string? source, ExpressionOptions options) =>
        source is null
            ? throw new ExpressionException(ExpressionErrorCodes.UnexpectedEnd, "Empty expression at 0: the source is null", 0, 0)
            : Parse(source, 0, source.Length, options);

    /// <summary>Parses <c>source[start..end)</c>; positions stay offsets into the whole <paramref name="source"/> (templates).</summary>
    public static Node Parse(string source, int start, int end, ExpressionOptions options)
    {
        var length = end - start;
        if (length > options.MaxLength)
        {
            throw new ExpressionException(ExpressionErrorCodes.TooLong,
                $"Expression too long at {start + options.MaxLength}: it has {length} characters and the limit is {options.MaxLength} (ExpressionOptions.MaxLength)",
                start + options.MaxLength, length - options.MaxLength);
        }

        var tokens = Lexer.Tokenize(source, start, end);
        if (tokens[0].Kind == TokenKind.End)
        {
            throw new ExpressionException(ExpressionErrorCodes.UnexpectedEnd,
                $"Empty expression at {start}: write an expression such as input.amount > 100", start, 0);
        }

        var parser = new Parser(source, tokens, options);
        var node = parser.ParseConditional();
        if (parser.Current.Kind != TokenKind.End)
        {
            throw parser.Unexpected(parser.Current, "an operator or the end of the expression");
        }

        return node;
    }

    private Token Current => _tokens[_index];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Advance()
    {
        var token = _tokens[_index];
        if (token.Kind != TokenKind.End) _index++;
        return token;
    }

    private ExpressionException Unexpected(Token token, string expected)
    {
        if (token.Kind == TokenKind.End)
        {
            return new ExpressionException(ExpressionErrorCodes.UnexpectedEnd,
                $"Unexpected end of expression at {token.Start}: expected {expected}", token.Start, 0);
        }

        return new ExpressionException(ExpressionErrorCodes.UnexpectedToken,
            $"Unexpected {token.Display(_source)} at {token.Start}: expected {expected}", token.Start, token.Length);
    }

    private Token Expect(TokenKind kind, string expected)
    {
        if (Current.Kind != kind) throw Unexpected(Current, expected);
        return Advance();
    }

    private void Enter(Token at)
    {
        _nesting++;
        if (_nesting > _options.MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw TooDeep(at.Start, Math.Max(at.Length, 1));
        }
    }

    private void Exit() => _nesting--;

    private ExpressionException TooDeep(int position, int length) =>
        new(ExpressionErrorCodes.TooDeep,
            $"Expression nested too deeply at {position}: the limit is {_options.MaxDepth} levels (ExpressionOptions.MaxDepth); split it or simplify",
            position, length);

    private T Made<T>(T node) where T : Node
    {
        if (node.Depth > _options.MaxDepth) throw TooDeep(node.Position, node.Length);
        return node;
    }

    private static int End(Node node) => node.Position + node.Length;

    private Node ParseConditional()
    {
        Enter(Current);
        var condition = ParseBinary(Precedence.Or);
        if (Current.Kind == TokenKind.Question)
        {
            var question = Advance();
            var whenTrue = ParseConditional();
            if (Current.Kind != TokenKind.Colon)
            {
                throw Unexpected(Current, $"':' to complete the conditional '?' at {question.Start}");
            }

            Advance();
            var whenFalse = ParseConditional();
            condition = Made(new ConditionalNode(condition.Position, End(whenFalse) - condition.Position, condition, whenTrue, whenFalse)
            {
                Depth = 1 + Math.Max(condition.Depth, Math.Max(whenTrue.Depth, whenFalse.Depth)),
            });
        }

        Exit();
        return condition;
    }

    private BinaryOp? BinaryOperator(Token token) => token.Kind switch
    {
        TokenKind.OrOr => BinaryOp.Or,
        TokenKind.AndAnd => BinaryOp.And,
        TokenKind.EqualEqual => BinaryOp.Equal,
        TokenKind.BangEqual => BinaryOp.NotEqual,
        TokenKind.Less => BinaryOp.Less,
        TokenKind.LessEqual => BinaryOp.LessEqual,
        TokenKind.Greater => BinaryOp.Greater,
        TokenKind.GreaterEqual => BinaryOp.GreaterEqual,
        TokenKind.Identifier when token.Text == "in" => BinaryOp.In,
        TokenKind.Plus => BinaryOp.Add,
        TokenKind.Minus => BinaryOp.Subtract,
        TokenKind.Star => BinaryOp.Multiply,
        TokenKind.Slash => BinaryOp.Divide,
        TokenKind.Percent => BinaryOp.Remainder,
        _ => null,
    };

    private Node ParseBinary(int minPrecedence)
    {
        var left = ParseUnary();
        while (BinaryOperator(Current) is { } op && Precedence.Of(op) >= minPrecedence)
        {
            var opToken = Advance();
            var right = ParseBinary(Precedence.Of(op) + 1);
            left = Made(new BinaryNode(left.Position, End(right) - left.Position, op, left, right, opToken.Start, opToken.Length)
            {
                Depth = 1 + Math.Max(left.Depth, right.Depth),
            });
        }

        return left;
    }

    private Node ParseUnary()
    {
        if (Current.Kind is TokenKind.Bang or TokenKind.Minus)
        {
            var opToken = Advance();
            Enter(opToken);
            var operand = ParseUnary();
            Exit();
            var op = opToken.Kind == TokenKind.Bang ? UnaryOp.Not : UnaryOp.Negate;
            return Made(new UnaryNode(opToken.Start, End(operand) - opToken.Start, op, operand) { Depth = 1 + operand.Depth });
        }

        return ParsePostfix();
    }

    private Node ParsePostfix()
    {
        var node = ParsePrimary();
        while (true)
        {
            if (Current.Kind == TokenKind.Dot)
            {
                Advance();
                var name = Current;
                if (name.Kind != TokenKind.Identifier)
                {
                    throw Unexpected(name, "a field name after '.' (use ['key'] for keys that are not identifiers)");
                }

                Advance();
                if (Current.Kind == TokenKind.LParen)
                {
                    throw new ExpressionException(ExpressionErrorCodes.UnexpectedToken,
                        $"Unexpected '(' at {Current.Start}: method calls are not supported; call a function with the value as its first argument, as in {name.Text}(x)",
                        Current.Start, 1);
                }

                node = Made(new MemberNode(node.Position, name.Start + name.Length - node.Position, node, name.Text!, name.Start)
                {
                    Depth = 1 + node.Depth,
                });
            }
            else if (Current.Kind == TokenKind.LBracket)
            {
                var open = Advance();
                Enter(open);
                var index = ParseConditional();
                Exit();
                var close = Expect(TokenKind.RBracket, $"']' to close the '[' at {open.Start}");
                node = Made(new IndexNode(node.Position, close.Start + 1 - node.Position, node, index)
                {
                    Depth = 1 + Math.Max(node.Depth, index.Depth),
                });
            }
            else
            {
                return node;
            }
        }
    }

    private Node ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new LiteralNode(token.Start, token.Length, Value.FromNumber(token.Number));
            case TokenKind.String:
                Advance();
                return new LiteralNode(token.Start, token.Length, Value.FromString(token.Text!));
            case TokenKind.Identifier:
                return ParseIdentifier();
            case TokenKind.LParen:
            {
                Advance();
                var inner = ParseConditional();
                Expect(TokenKind.RParen, $"')' to close the '(' at {token.Start}");
                return inner;
            }

            case TokenKind.LBracket:
                return ParseList();
            case TokenKind.LBrace:
                return ParseMap();
            default:
                throw Unexpected(token, "an operand");
        }
    }

    private Node ParseIdentifier()
    {
        var token = Advance();
        var name = token.Text!;
        switch (name)
        {
            case "true": return new LiteralNode(token.Start, token.Length, Value.True);
            case "false": return new LiteralNode(token.Start, token.Length, Value.False);
            case "null": return new LiteralNode(token.Start, token.Length, Value.Null);
            case "in": throw Unexpected(token, "an operand");
        }

        if (Current.Kind != TokenKind.LParen)
        {
            return new RootNode(token.Start, token.Length, name);
        }

        if (!Functions.IsKnown(name))
        {
            var suggestion = Suggest.Closest(name, Functions.Names);
            var hint = suggestion is null ? "; see the function list in the expression reference" : $" — did you mean '{suggestion}'?";
            throw new ExpressionException(ExpressionErrorCodes.UnknownFunction,
                $"Unknown function '{name}' at {token.Start}{hint}", token.Start, token.Length);
        }

        var open = Advance();
        var arguments = new List<Node>();
        var depth = 0;
        if (Current.Kind != TokenKind.RParen)
        {
            while (true)
            {
                var argument = ParseConditional();
                arguments.Add(argument);
                depth = Math.Max(depth, argument.Depth);
                if (Current.Kind == TokenKind.Comma)
                {
                    Advance();
                    continue;
                }

                break;
            }
        }

        var close = Expect(TokenKind.RParen, $"',' or ')' to close the call of {name}( at {open.Start}");
        if (name == "has" && arguments.Count == 1 && !IsPath(arguments[0]))
        {
            var argument = arguments[0];
            throw new ExpressionException(ExpressionErrorCodes.InvalidHasArgument,
                $"has() at {argument.Position} needs a path such as input.customer.email, not a computed value; use 'x != null' for that",
                argument.Position, argument.Length);
        }

        return Made(new CallNode(token.Start, close.Start + 1 - token.Start, name, arguments) { Depth = 1 + depth });
    }

    internal static bool IsPath(Node node) => node switch
    {
        RootNode => true,
        MemberNode m => IsPath(m.Target),
        IndexNode i => IsPath(i.Target),
        _ => false,
    };

    private Node ParseList()
    {
        var open = Advance();
        var items = new List<Node>();
        var depth = 0;
        while (Current.Kind != TokenKind.RBracket)
        {
            var item = ParseConditional();
            items.Add(item);
            depth = Math.Max(depth, item.Depth);
            if (Current.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }

            if (Current.Kind != TokenKind.RBracket)
            {
                throw Unexpected(Current, $"',' or ']' to close the list at {open.Start}");
            }
        }

        var close = Advance();
        return Made(new ListNode(open.Start, close.Start + 1 - open.Start, items) { Depth = 1 + depth });
    }

    private Node ParseMap()
    {
        var open = Advance();
        var entries = new List<KeyValuePair<string, Node>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var depth = 0;
        while (Current.Kind != TokenKind.RBrace)
        {
            var key = Current;
            if (key.Kind != TokenKind.String)
            {
                throw Unexpected(key, "a string key such as \"name\" (map keys are string literals)");
            }

            Advance();
            if (!seen.Add(key.Text!))
            {
                throw new ExpressionException(ExpressionErrorCodes.DuplicateKey,
                    $"Duplicate key \"{key.Text}\" at {key.Start} in the map at {open.Start}", key.Start, key.Length);
            }

            Expect(TokenKind.Colon, "':' after the map key");
            var value = ParseConditional();
            entries.Add(new KeyValuePair<string, Node>(key.Text!, value));
            depth = Math.Max(depth, value.Depth);
            if (Current.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }

            if (Current.Kind != TokenKind.RBrace)
            {
                throw Unexpected(Current, $"',' or '}}' to close the map at {open.Start}");
            }
        }

        var close = Advance();
        return Made(new MapNode(open.Start, close.Start + 1 - open.Start, entries) { Depth = 1 + depth });
    }
}

/// <summary>"Did you mean" suggestions by edit distance.</summary>
internal static class Suggest
{
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase)) return candidate;
            var distance = Distance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        var allowed = Math.Max(1, Math.Min(3, name.Length / 3));
        return bestDistance <= allowed ? best : null;
    }

    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64) return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
