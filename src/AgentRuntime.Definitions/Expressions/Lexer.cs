using System.Globalization;
using System.Text;

namespace AgentRuntime.Definitions.Expressions;

internal enum TokenKind
{
    End,
    Number,
    String,
    Identifier,
    LParen, RParen, LBracket, RBracket, LBrace, RBrace,
    Comma, Dot, Colon, Question,
    Bang, Minus, Plus, Star, Slash, Percent,
    Less, LessEqual, Greater, GreaterEqual, EqualEqual, BangEqual,
    AndAnd, OrOr,
}

internal readonly record struct Token(TokenKind Kind, int Start, int Length, string? Text, double Number)
{
    public string Display(string source) => Kind == TokenKind.End ? "end of expression" : "'" + source.Substring(Start, Length) + "'";
}

/// <summary>Hand-written lexer. Produces the whole token list up front (sources are short and bounded).</summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string source, int start, int end)
    {
        var tokens = new List<Token>();
        var i = start;
        while (true)
        {
            while (i < end && IsWhitespace(source[i])) i++;
            if (i >= end)
            {
                tokens.Add(new Token(TokenKind.End, end, 0, null, 0));
                return tokens;
            }

            var c = source[i];
            var tokenStart = i;
            if (char.IsAsciiDigit(c))
            {
                tokens.Add(LexNumber(source, ref i, end));
                continue;
            }

            if (IsIdentifierStart(c))
            {
                while (i < end && IsIdentifierPart(source[i])) i++;
                tokens.Add(new Token(TokenKind.Identifier, tokenStart, i - tokenStart, source[tokenStart..i], 0));
                continue;
            }

            if (c is '"' or '\'')
            {
                tokens.Add(LexString(source, ref i, end));
                continue;
            }

            var next = i + 1 < end ? source[i + 1] : '\0';
            (TokenKind kind, int length) = c switch
            {
                '(' => (TokenKind.LParen, 1),
                ')' => (TokenKind.RParen, 1),
                '[' => (TokenKind.LBracket, 1),
                ']' => (TokenKind.RBracket, 1),
                '{' => (TokenKind.LBrace, 1),
                '}' => (TokenKind.RBrace, 1),
                ',' => (TokenKind.Comma, 1),
                '.' => (TokenKind.Dot, 1),
                ':' => (TokenKind.Colon, 1),
                '?' => (TokenKind.Question, 1),
                '+' => (TokenKind.Plus, 1),
                '-' => (TokenKind.Minus, 1),
                '*' => (TokenKind.Star, 1),
                '/' => (TokenKind.Slash, 1),
                '%' => (TokenKind.Percent, 1),
                '!' => next == '=' ? (TokenKind.BangEqual, 2) : (TokenKind.Bang, 1),
                '<' => next == '=' ? (TokenKind.LessEqual, 2) : (TokenKind.Less, 1),
                '>' => next == '=' ? (TokenKind.GreaterEqual, 2) : (TokenKind.Greater, 1),
                '=' when next == '=' => (TokenKind.EqualEqual, 2),
                '&' when next == '&' => (TokenKind.AndAnd, 2),
                '|' when next == '|' => (TokenKind.OrOr, 2),
                _ => throw InvalidCharacter(source, i),
            };
            tokens.Add(new Token(kind, tokenStart, length, null, 0));
            i += length;
        }
    }

    private static ExpressionException InvalidCharacter(string source, int i)
    {
        var c = source[i];
        var hint = c switch
        {
            '=' => " — use '==' to compare; expressions cannot assign",
            '&' => " — use '&&' for logical and",
            '|' => " — use '||' for logical or",
            ';' => " — an expression is a single expression, not statements",
            _ => "",
        };
        var shown = char.IsControl(c) || char.IsWhiteSpace(c)
            ? "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
            : "'" + c + "'";
        return new ExpressionException(ExpressionErrorCodes.InvalidCharacter,
            $"Invalid character {shown} at {i}{hint}", i, 1);
    }

    internal static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    internal static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    internal static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static Token LexNumber(string source, ref int i, int end)
    {
        var start = i;
        while (i < end && char.IsAsciiDigit(source[i])) i++;
        if (i + 1 < end && source[i] == '.' && char.IsAsciiDigit(source[i + 1]))
        {
            i++;
            while (i < end && char.IsAsciiDigit(source[i])) i++;
        }

        if (i < end && source[i] is 'e' or 'E')
        {
            i++;
            if (i < end && source[i] is '+' or '-') i++;
            if (i >= end || !char.IsAsciiDigit(source[i]))
            {
                throw new ExpressionException(ExpressionErrorCodes.InvalidNumber,
                    $"Invalid number '{source[start..i]}' at {start}: the exponent needs digits, as in 1e3", start, i - start);
            }

            while (i < end && char.IsAsciiDigit(source[i])) i++;
        }

        if (i < end && IsIdentifierPart(source[i]))
        {
            var stop = i;
            while (stop < end && IsIdentifierPart(source[stop])) stop++;
            throw new ExpressionException(ExpressionErrorCodes.InvalidNumber,
                $"Invalid number '{source[start..stop]}' at {start}: a number cannot be followed by letters", start, stop - start);
        }

        var value = double.Parse(source.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw new ExpressionException(ExpressionErrorCodes.InvalidNumber,
                $"Number '{source[start..i]}' at {start} is out of range", start, i - start);
        }

        return new Token(TokenKind.Number, start, i - start, null, value);
    }

    private static Token LexString(string source, ref int i, int end)
    {
        var start = i;
        var quote = source[i++];
        var builder = new StringBuilder();
        while (true)
        {
            if (i >= end)
            {
                throw new ExpressionException(ExpressionErrorCodes.UnterminatedString,
                    $"Unterminated string starting at {start}: add the closing {quote}", start, end - start);
            }

            var c = source[i];
            if (c == quote)
            {
                i++;
                return new Token(TokenKind.String, start, i - start, builder.ToString(), 0);
            }

            if (c != '\\')
            {
                builder.Append(c);
                i++;
                continue;
            }

            var escapeStart = i;
            if (i + 1 >= end)
            {
                throw new ExpressionException(ExpressionErrorCodes.UnterminatedString,
                    $"Unterminated string starting at {start}: add the closing {quote}", start, end - start);
            }

            var e = source[i + 1];
            i += 2;
            switch (e)
            {
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case 'r': builder.Append('\r'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case '\'': builder.Append('\''); break;
                case '"': builder.Append('"'); break;
                case 'u':
                    if (i + 4 > end || !ushort.TryParse(source.AsSpan(i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new ExpressionException(ExpressionErrorCodes.InvalidEscape,
                            $"Invalid escape at {escapeStart}: \\u must be followed by four hex digits, as in \\u00e9",
                            escapeStart, Math.Min(6, end - escapeStart));
                    }

                    builder.Append((char)code);
                    i += 4;
                    break;
                default:
                    throw new ExpressionException(ExpressionErrorCodes.InvalidEscape,
                        $"Invalid escape '\\{e}' at {escapeStart}: use \\n \\t \\r \\\\ \\' \\\" or \\uXXXX", escapeStart, 2);
            }
        }
    }
}
