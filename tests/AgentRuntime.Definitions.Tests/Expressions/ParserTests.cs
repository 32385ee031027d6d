using AgentRuntime.Definitions.Expressions;
using static AgentRuntime.Definitions.Tests.Expressions.ExpressionTestSupport;

namespace AgentRuntime.Definitions.Tests.Expressions;

public class ParserTests
{
    [Theory]
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("2 * 3 % 4", "2")]
    [InlineData("24 / 4 / 2", "3")]
    [InlineData("-2 * 3", "-6")]
    [InlineData("- -2", "2")]
    [InlineData("!true == false", "true")]
    [InlineData("1 < 2 == 2 < 3", "true")]
    [InlineData("true || false && false", "true")]
    [InlineData("false && true || true", "true")]
    [InlineData("true ? 1 : false ? 2 : 3", "1")]
    [InlineData("false ? 1 : false ? 2 : 3", "3")]
    [InlineData("false ? 1 : true ? 2 : 3", "2")]
    [InlineData("1 + 1 == 2 ? 'y' : 'n'", "\"y\"")]
    [InlineData("'vip' in input.tags == true", "true")]
    [InlineData("1 + 2 < 4 && 'a' + 'b' == 'ab'", "true")]
    [InlineData("-input.count * 2", "-6")]
    [InlineData("!(1 > 2)", "true")]
    [InlineData("input.items[1].qty * 2 + 1", "11")]
    public void Precedence_and_associativity(string source, string expected) => Assert.Equal(expected, Eval(source));

    [Theory]
    [InlineData("(1 + 2) * 3", "(1 + 2) * 3")]
    [InlineData("1 + (2 * 3)", "1 + 2 * 3")]
    [InlineData("1 - (2 - 3)", "1 - (2 - 3)")]
    [InlineData("(1 - 2) - 3", "1 - 2 - 3")]
    [InlineData("(a ? b : c) ? d : e", "(a ? b : c) ? d : e")]
    [InlineData("a ? b : (c ? d : e)", "a ? b : c ? d : e")]
    [InlineData("!(a && b)", "!(a && b)")]
    [InlineData("(-a).b", "(-a).b")]
    [InlineData("input['propose-refund'].x[0]", "input[\"propose-refund\"].x[0]")]
    [InlineData("{'k': [1, 'a\\n'], \"z\": null}", "{\"k\": [1, \"a\\n\"], \"z\": null}")]
    public void Printer_uses_minimal_parentheses(string source, string expected)
    {
        var printed = Printer.Print(CompiledExpression.Parse(source).Syntax);
        Assert.Equal(expected, printed);
        Assert.Equal(printed, Printer.Print(CompiledExpression.Parse(printed).Syntax));
    }

    [Theory]
    [InlineData("null", "null")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("42", "42")]
    [InlineData("0.25", "0.25")]
    [InlineData("1e3", "1000")]
    [InlineData("2.5E-1", "0.25")]
    [InlineData("'it\\'s'", "\"it\\u0027s\"")]
    [InlineData("\"say \\\"hi\\\"\"", "\"say \\u0022hi\\u0022\"")]
    [InlineData("'a\\tb\\nc\\\\'", "\"a\\tb\\nc\\\\\"")]
    [InlineData("'\\u00e9'", "\"\\u00E9\"")]
    [InlineData("[1, 'a', [true]]", "[1,\"a\",[true]]")]
    [InlineData("[1, 2,]", "[1,2]")]
    [InlineData("[]", "[]")]
    [InlineData("{}", "{}")]
    [InlineData("{\"k\": 1, 'b': [null]}", "{\"k\":1,\"b\":[null]}")]
    public void Literals(string source, string expected) => Assert.Equal(expected, Eval(source));

    [Theory]
    //       source                     code       position length
    [InlineData("1 + )", "EXPR001", 4, 1)]
    [InlineData("input.amount > 100 100", "EXPR001", 19, 3)]
    [InlineData("(1 + 2", "EXPR006", 6, 0)]
    [InlineData("1 +", "EXPR006", 3, 0)]
    [InlineData("", "EXPR006", 0, 0)]
    [InlineData("   ", "EXPR006", 0, 0)]
    [InlineData("'abc", "EXPR002", 0, 4)]
    [InlineData("'a\\qb'", "EXPR003", 2, 2)]
    [InlineData("'\\u12'", "EXPR003", 1, 5)]
    [InlineData("1 = 2", "EXPR004", 2, 1)]
    [InlineData("a & b", "EXPR004", 2, 1)]
    [InlineData("input.$x", "EXPR004", 6, 1)]
    [InlineData("1e", "EXPR005", 0, 2)]
    [InlineData("x + 12abc", "EXPR005", 4, 5)]
    [InlineData("1e999", "EXPR005", 0, 5)]
    [InlineData("1 + sizee(input.tags)", "EXPR007", 4, 5)]
    [InlineData("{'a': 1, 'a': 2}", "EXPR010", 9, 3)]
    [InlineData("has(1 + 2)", "EXPR011", 4, 5)]
    [InlineData("input.", "EXPR006", 6, 0)]
    [InlineData("input.1", "EXPR001", 6, 1)]
    [InlineData("{1: 2}", "EXPR001", 1, 1)]
    [InlineData("a ? b", "EXPR006", 5, 0)]
    [InlineData("a ? b c", "EXPR001", 6, 1)]
    [InlineData("size(a b)", "EXPR001", 7, 1)]
    [InlineData("in", "EXPR001", 0, 2)]
    [InlineData("input.tags.size()", "EXPR001", 15, 1)]
    public void Syntax_errors_have_codes_and_positions(string source, string code, int position, int length)
    {
        var error = ParseError(source);
        Assert.Equal(code, error.Code);
        Assert.Equal(position, error.Position);
        Assert.Equal(length, error.Length);
    }

    [Fact]
    public void Messages_are_actionable()
    {
        Assert.Equal("Unexpected ')' at 14: expected an operand", ParseError("input.amount >)").Message);
        Assert.Contains("did you mean 'size'?", ParseError("sizee(input.tags)").Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'startsWith'?", ParseError("startswith(input.email, 'a')").Message, StringComparison.Ordinal);
        Assert.Contains("use '==' to compare", ParseError("input.amount = 1").Message, StringComparison.Ordinal);
        Assert.Contains("expected ')' to close the '(' at 0", ParseError("(1 + 2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_reports_instead_of_throwing()
    {
        Assert.False(CompiledExpression.TryParse("1 +", out var expression, out var error));
        Assert.Null(expression);
        Assert.Equal("EXPR006", error!.Code);
        Assert.True(CompiledExpression.TryParse("1 + 1", out expression, out error));
        Assert.NotNull(expression);
        Assert.Null(error);
        Assert.Equal("1 + 1", expression!.Source);
    }

    [Fact]
    public void Source_longer_than_the_limit_is_refused()
    {
        var error = ParseError(new string('1', 4097));
        Assert.Equal("EXPR008", error.Code);
        Assert.Equal(4096, error.Position);
        CompiledExpression.Parse(new string('1', 10), new ExpressionOptions { MaxLength = 10 });
        Assert.Equal("EXPR008", ParseError(new string('1', 11), new ExpressionOptions { MaxLength = 10 }).Code);
    }

    [Fact]
    public void Nesting_beyond_MaxDepth_is_refused_at_the_offending_token()
    {
        CompiledExpression.Parse(new string('(', 60) + "1" + new string(')', 60));
        var error = ParseError(new string('(', 100) + "1" + new string(')', 100));
        Assert.Equal("EXPR009", error.Code);
        Assert.Equal(64, error.Position);
        Assert.Equal("EXPR009", ParseError(string.Join("+", Enumerable.Repeat("1", 100))).Code);
        Assert.Equal("EXPR009", ParseError(new string('!', 100) + "true").Code);
        Assert.Equal("EXPR009", ParseError(new string('[', 100) + new string(']', 100)).Code);
    }

    [Theory]
    [InlineData("(", "1", ")")]
    [InlineData("[", "1", "]")]
    [InlineData("-", "1", "")]
    [InlineData("!", "true", "")]
    [InlineData("size(", "'a'", ")")]
    [InlineData("input[", "'a'", "]")]
    [InlineData("{'a':", "1", "}")]
    [InlineData("true ? 1 : ", "1", "")]
    public void Hundred_thousand_levels_give_an_ExpressionException_not_a_crash(string open, string middle, string close)
    {
        const int levels = 100_000;
        var source = string.Concat(Enumerable.Repeat(open, levels)) + middle + string.Concat(Enumerable.Repeat(close, levels));
        var unlimited = new ExpressionOptions { MaxLength = int.MaxValue, MaxDepth = int.MaxValue };
        Assert.Equal("EXPR009", ParseError(source, unlimited).Code);
        Assert.Equal("EXPR009", ParseError(source, new ExpressionOptions { MaxLength = int.MaxValue }).Code);
    }

    [Fact]
    public void Long_flat_chains_with_unlimited_depth_fail_cleanly_or_evaluate()
    {
        var unlimited = new ExpressionOptions { MaxLength = int.MaxValue, MaxDepth = int.MaxValue, MaxSteps = int.MaxValue };
        var source = "1" + string.Concat(Enumerable.Repeat(" + 1", 100_000));
        try
        {
            var value = CompiledExpression.Parse(source, unlimited).Evaluate(ExpressionScope.Empty);
            Assert.Equal(100_001, value!.GetValue<double>());
        }
        catch (ExpressionException e)
        {
            Assert.Equal("EXPR009", e.Code);
        }
    }

    [Fact]
    public void Keywords_are_field_names_after_a_dot()
    {
        var scope = new ExpressionScope { Input = System.Text.Json.Nodes.JsonNode.Parse("""{"in": 1, "null": 2, "true": 3}""") };
        Assert.Equal("6", Eval("input.in + input.null + input.true", scope));
    }
}
