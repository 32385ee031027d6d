using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using static AgentRuntime.Definitions.Tests.Expressions.ExpressionTestSupport;

namespace AgentRuntime.Definitions.Tests.Expressions;

public class EvaluatorTests
{
    [Theory]
    [InlineData("input.amount", "120.5")]
    [InlineData("input.customer", "\"Ada\"")]
    [InlineData("input.tags[0]", "\"vip\"")]
    [InlineData("input['tags'][1]", "\"eu\"")]
    [InlineData("input.nested.a.b", "1")]
    [InlineData("input.items[1].sku", "\"B2\"")]
    [InlineData("vars.attempts", "2")]
    [InlineData("vars['threshold']", "0.8")]
    [InlineData("outputs.propose.confidence", "0.91")]
    [InlineData("outputs['propose-refund'].amount", "42")]
    [InlineData("instance.workflowId", "\"refunds\"")]
    [InlineData("instance.version", "3")]
    [InlineData("input.nested", "{\"a\":{\"b\":1}}")]
    public void Paths_read_the_scope(string source, string expected) => Assert.Equal(expected, Eval(source));

    [Theory]
    [InlineData("input.missing")]
    [InlineData("input.missing.deeper.still")]
    [InlineData("input.nothing")]
    [InlineData("input.nothing.x")]
    [InlineData("input.tags[5]")]
    [InlineData("input.tags[-1]")]
    [InlineData("input['no such key']")]
    [InlineData("vars.unknown")]
    [InlineData("outputs.notRunYet.confidence")]
    [InlineData("null.x")]
    [InlineData("null[0]")]
    public void Missing_fields_and_out_of_range_indexes_read_as_null(string source) => Assert.Equal("null", Eval(source));

    [Fact]
    public void Unset_roots_read_as_null()
    {
        Assert.Equal("null", Eval("input.a", ExpressionScope.Empty));
        Assert.Equal("null", Eval("vars.a", ExpressionScope.Empty));
        Assert.Equal("null", Eval("outputs.a.b", ExpressionScope.Empty));
        Assert.Equal("null", Eval("instance.id", ExpressionScope.Empty));
    }

    [Theory]
    [InlineData("input.amount.x", "EXPR103", 13, 1)]
    [InlineData("input.customer.first", "EXPR103", 15, 5)]
    [InlineData("input.tags.first", "EXPR103", 11, 5)]
    [InlineData("input.amount[0]", "EXPR103", 0, 15)]
    [InlineData("input.tags['a']", "EXPR103", 11, 3)]
    [InlineData("input.nested[0]", "EXPR103", 13, 1)]
    [InlineData("input.tags[0.5]", "EXPR203", 11, 3)]
    [InlineData("'a' + 1", "EXPR103", 4, 1)]
    [InlineData("1 + true", "EXPR103", 2, 1)]
    [InlineData("'a' - 'b'", "EXPR103", 4, 1)]
    [InlineData("'a' < 1", "EXPR104", 4, 1)]
    [InlineData("input.missing > 1", "EXPR104", 14, 1)]
    [InlineData("[1] <= [2]", "EXPR104", 4, 2)]
    [InlineData("1 && true", "EXPR103", 0, 1)]
    [InlineData("false || 'x'", "EXPR103", 9, 3)]
    [InlineData("input.missing && true", "EXPR103", 0, 13)]
    [InlineData("!1", "EXPR103", 1, 1)]
    [InlineData("-'a'", "EXPR103", 1, 3)]
    [InlineData("1 ? 2 : 3", "EXPR103", 0, 1)]
    [InlineData("1 in 2", "EXPR103", 5, 1)]
    [InlineData("1 in {'a': 1}", "EXPR103", 0, 1)]
    [InlineData("1 in 'abc'", "EXPR103", 0, 1)]
    [InlineData("'a' in input.missing", "EXPR103", 7, 13)]
    [InlineData("1 / 0", "EXPR201", 2, 1)]
    [InlineData("5 % 0", "EXPR201", 2, 1)]
    [InlineData("1e308 * 10", "EXPR202", 0, 10)]
    [InlineData("foo.bar", "EXPR101", 0, 3)]
    [InlineData("1 + size(1, 2)", "EXPR102", 4, 10)]
    public void Run_time_errors_have_codes_and_positions(string source, string code, int position, int length)
    {
        var error = EvalError(source);
        Assert.Equal(code, error.Code);
        Assert.Equal(position, error.Position);
        Assert.Equal(length, error.Length);
    }

    [Fact]
    public void Type_error_messages_are_actionable()
    {
        Assert.StartsWith("Cannot compare string with number at 4", EvalError("'a' < 1").Message, StringComparison.Ordinal);
        Assert.Contains("convert with string(x)", EvalError("'n=' + 1").Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'input'?", EvalError("inputs.amount").Message, StringComparison.Ordinal);
        Assert.Contains("not reachable", EvalError("env.HOME").Message, StringComparison.Ordinal);
        Assert.Contains("guard with has(...)", EvalError("input.missing > 1").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7 / 2", "3.5")]
    [InlineData("7 % 3", "1")]
    [InlineData("-7 % 3", "-1")]
    [InlineData("0.1 + 0.2", "0.30000000000000004")]
    [InlineData("2 * 3.5", "7")]
    [InlineData("5 - 8", "-3")]
    [InlineData("-0", "0")]
    [InlineData("'ab' + 'cd'", "\"abcd\"")]
    [InlineData("[1] + [2, 3]", "[1,2,3]")]
    [InlineData("1 == 1.0", "true")]
    [InlineData("'a' == 'a'", "true")]
    [InlineData("'a' != 'A'", "true")]
    [InlineData("1 == '1'", "false")]
    [InlineData("null == null", "true")]
    [InlineData("input.missing == null", "true")]
    [InlineData("input.nothing == null", "true")]
    [InlineData("[1, [2]] == [1, [2]]", "true")]
    [InlineData("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}", "true")]
    [InlineData("input.nested == {'a': {'b': 1}}", "true")]
    [InlineData("input.tags == ['vip', 'eu']", "true")]
    [InlineData("1 < 2", "true")]
    [InlineData("2 <= 2", "true")]
    [InlineData("3 > 4", "false")]
    [InlineData("4 >= 4", "true")]
    [InlineData("'apple' < 'banana'", "true")]
    [InlineData("'B' < 'a'", "true")]
    [InlineData("'vip' in input.tags", "true")]
    [InlineData("'us' in input.tags", "false")]
    [InlineData("{'x': 1} in [{'x': 1}]", "true")]
    [InlineData("'amount' in input", "true")]
    [InlineData("'nothing' in input", "true")]
    [InlineData("'zzz' in input", "false")]
    [InlineData("'exam' in input.email", "true")]
    [InlineData("!false", "true")]
    [InlineData("true && false", "false")]
    [InlineData("false || true", "true")]
    [InlineData("input.amount > 100 ? 'high' : 'low'", "\"high\"")]
    public void Operators(string source, string expected) => Assert.Equal(expected, Eval(source));

    [Fact]
    public void Short_circuit_skips_the_erroring_side()
    {
        Assert.Equal("false", Eval("false && 1 / 0 == 1"));
        Assert.Equal("true", Eval("true || 1 / 0 == 1"));
        Assert.Equal("1", Eval("true ? 1 : 1 / 0"));
        Assert.Equal("\"x\"", Eval("coalesce('x', 1 / 0)"));
    }

    [Theory]
    [InlineData("size('héllo')", "5")]
    [InlineData("size('😀')", "1")]
    [InlineData("size(input.tags)", "2")]
    [InlineData("size(input.nested)", "1")]
    [InlineData("size([])", "0")]
    [InlineData("contains(input.email, '@')", "true")]
    [InlineData("contains(input.tags, 'eu')", "true")]
    [InlineData("contains(input.tags, 'us')", "false")]
    [InlineData("startsWith(input.email, 'ada')", "true")]
    [InlineData("endsWith(input.email, '.org')", "false")]
    [InlineData("lower('ÀbC')", "\"\\u00E0bc\"")]
    [InlineData("upper('abc')", "\"ABC\"")]
    [InlineData("trim('  a b  ')", "\"a b\"")]
    [InlineData("abs(-3.5)", "3.5")]
    [InlineData("min(3, 1, 2)", "1")]
    [InlineData("max(3, 1, 2)", "3")]
    [InlineData("min([4, 2, 8])", "2")]
    [InlineData("max('a', 'c', 'b')", "\"c\"")]
    [InlineData("min(7)", "7")]
    [InlineData("round(2.5)", "3")]
    [InlineData("round(-2.5)", "-3")]
    [InlineData("round(3.14159, 2)", "3.14")]
    [InlineData("floor(-1.5)", "-2")]
    [InlineData("ceil(1.2)", "2")]
    [InlineData("int(3.9)", "3")]
    [InlineData("int(-3.9)", "-3")]
    [InlineData("int('42')", "42")]
    [InlineData("int(' 7.8 ')", "7")]
    [InlineData("double('2.5')", "2.5")]
    [InlineData("double(4)", "4")]
    [InlineData("string(12.5)", "\"12.5\"")]
    [InlineData("string(3)", "\"3\"")]
    [InlineData("string(true)", "\"true\"")]
    [InlineData("string(null)", "\"null\"")]
    [InlineData("string([1, 'a'])", "\"[1,\\u0022a\\u0022]\"")]
    [InlineData("string('x')", "\"x\"")]
    [InlineData("bool('TRUE')", "true")]
    [InlineData("bool('false')", "false")]
    [InlineData("bool(true)", "true")]
    [InlineData("has(input.amount)", "true")]
    [InlineData("has(input.nothing)", "false")]
    [InlineData("has(input.missing)", "false")]
    [InlineData("has(input.missing.deeper)", "false")]
    [InlineData("has(input.amount.x)", "false")]
    [InlineData("has(input.tags[1])", "true")]
    [InlineData("has(input.tags[2])", "false")]
    [InlineData("has(outputs['propose-refund'].amount)", "true")]
    [InlineData("has(vars.attempts)", "true")]
    [InlineData("coalesce(input.missing, input.nothing, 'fallback')", "\"fallback\"")]
    [InlineData("coalesce(input.missing)", "null")]
    [InlineData("coalesce(input.count, 0)", "3")]
    [InlineData("now()", "\"2025-03-14T09:26:53.589Z\"")]
    [InlineData("duration('4h')", "14400")]
    [InlineData("duration('1h30m')", "5400")]
    [InlineData("duration('250ms')", "0.25")]
    [InlineData("duration('2d')", "172800")]
    [InlineData("duration('1.5h')", "5400")]
    [InlineData("duration('-30s')", "-30")]
    [InlineData("duration('PT4H')", "14400")]
    [InlineData("duration('P1DT2H30M')", "95400")]
    [InlineData("duration('P1W')", "604800")]
    [InlineData("timestamp('1970-01-01T00:00:00Z')", "0")]
    [InlineData("timestamp('2025-03-14T08:00:00Z')", "1741939200")]
    [InlineData("timestamp('2025-03-14T09:00:00+01:00')", "1741939200")]
    [InlineData("timestamp('2025-03-14T08:00:00.5Z')", "1741939200.5")]
    [InlineData("timestamp('2025-03-14')", "1741910400")]
    [InlineData("timestamp('2025-03-14T08:00')", "1741939200")]
    [InlineData("timestamp(now()) - timestamp(instance.startedAt) > duration('2h')", "true")]
    [InlineData("timestamp(now()) - timestamp(instance.startedAt) > duration('4h')", "false")]
    [InlineData("matches(input.email, '^[a-z]+@example\\\\.com$')", "true")]
    [InlineData("matches('abc', 'x')", "false")]
    [InlineData("matches('abab', '^(ab)\\\\1$')", "true")]
    [InlineData("keys(input.nested)", "[\"a\"]")]
    [InlineData("keys({'b': 1, 'a': 2})", "[\"b\",\"a\"]")]
    [InlineData("values({'b': 1, 'a': 2})", "[1,2]")]
    [InlineData("values(input.items[0])", "[\"A1\",2]")]
    public void Functions(string source, string expected) => Assert.Equal(expected, Eval(source));

    [Theory]
    [InlineData("size(1)", "EXPR103", 5, 1)]
    [InlineData("size(input.missing)", "EXPR103", 5, 13)]
    [InlineData("lower(1)", "EXPR103", 6, 1)]
    [InlineData("contains('abc', 1)", "EXPR103", 16, 1)]
    [InlineData("abs('1')", "EXPR103", 4, 3)]
    [InlineData("min(1, 'a')", "EXPR104", 7, 3)]
    [InlineData("min([])", "EXPR203", 4, 2)]
    [InlineData("min(true)", "EXPR103", 4, 4)]
    [InlineData("round(1.5, 16)", "EXPR203", 11, 2)]
    [InlineData("round(1.5, 0.5)", "EXPR203", 11, 3)]
    [InlineData("int('abc')", "EXPR203", 4, 5)]
    [InlineData("int(true)", "EXPR103", 4, 4)]
    [InlineData("bool('yes')", "EXPR203", 5, 5)]
    [InlineData("bool(1)", "EXPR103", 5, 1)]
    [InlineData("duration('4 hours')", "EXPR203", 9, 9)]
    [InlineData("duration('')", "EXPR203", 9, 2)]
    [InlineData("duration('PT')", "EXPR203", 9, 4)]
    [InlineData("timestamp('yesterday')", "EXPR203", 10, 11)]
    [InlineData("timestamp('03/14/2025')", "EXPR203", 10, 12)]
    [InlineData("matches('a', '(')", "EXPR107", 13, 3)]
    [InlineData("keys([1])", "EXPR103", 5, 3)]
    [InlineData("values('a')", "EXPR103", 7, 3)]
    [InlineData("now(1)", "EXPR102", 0, 6)]
    [InlineData("round()", "EXPR102", 0, 7)]
    [InlineData("coalesce()", "EXPR102", 0, 10)]
    public void Function_errors(string source, string code, int position, int length)
    {
        var error = EvalError(source);
        Assert.Equal(code, error.Code);
        Assert.Equal(position, error.Position);
        Assert.Equal(length, error.Length);
    }

    [Fact]
    public void Regex_match_timeout_becomes_an_ExpressionException()
    {
        var options = new ExpressionOptions { RegexTimeout = TimeSpan.FromMilliseconds(20) };
        var scope = new ExpressionScope { Input = new JsonObject { ["s"] = new string('a', 40) } };
        // The backreference forces the backtracking engine, whose catastrophic backtracking the timeout must stop.
        var error = EvalError("matches(input.s, '(a+)+b\\\\1')", scope, options);
        Assert.Equal("EXPR204", error.Code);
        Assert.Equal(0, error.Position);
    }

    [Fact]
    public void Limits_on_steps_strings_and_lists()
    {
        Assert.Equal("EXPR205", EvalError("1 + 1 + 1 + 1 + 1 + 1", options: new ExpressionOptions { MaxSteps = 5 }).Code);
        var big = new JsonArray(Enumerable.Range(0, 50_000).Select(i => (JsonNode?)i).ToArray());
        var scope = new ExpressionScope { Input = new JsonObject { ["big"] = big } };
        Assert.Equal("EXPR205", EvalError("-1 in input.big", scope, new ExpressionOptions { MaxSteps = 10_000 }).Code);
        Assert.Equal("true", Eval("49999 in input.big", scope));
        Assert.Equal("EXPR207", EvalError("input.big + [1]", scope).Code);
        Assert.Equal("EXPR206", EvalError("'abc' + 'def'", options: new ExpressionOptions { MaxStringLength = 5 }).Code);
        Assert.Equal("EXPR207", EvalError("[1, 2, 3]", options: new ExpressionOptions { MaxListItems = 2 }).Code);
        var text = new JsonObject { ["s"] = new string('x', 600_000) };
        Assert.Equal("EXPR206", EvalError("input.s + input.s", new ExpressionScope { Input = text }).Code);
    }

    [Fact]
    public void EvaluateBoolean_requires_a_boolean()
    {
        var scope = Scope();
        Assert.True(CompiledExpression.Parse("outputs.propose.confidence >= vars.threshold").EvaluateBoolean(scope));
        var error = Assert.Throws<ExpressionException>(() => CompiledExpression.Parse("input.missing").EvaluateBoolean(scope));
        Assert.Equal("EXPR208", error.Code);
        Assert.Equal("EXPR208", Assert.Throws<ExpressionException>(() => CompiledExpression.Parse("1").EvaluateBoolean(scope)).Code);
    }

    [Fact]
    public void Results_are_fresh_nodes_and_the_scope_is_untouched()
    {
        var scope = Scope();
        var before = scope.Input!.ToJsonString();
        var nested = CompiledExpression.Parse("input.nested").Evaluate(scope)!;
        new JsonObject { ["copy"] = nested }.ToJsonString();
        nested["a"]!["b"] = 99;
        Assert.Equal(before, scope.Input!.ToJsonString());
        var number = CompiledExpression.Parse("input.count * 2").Evaluate(scope)!;
        Assert.Equal(6, number.GetValue<int>());
        Assert.Equal(6.0, number.GetValue<double>());
    }

    [Fact]
    public void Scope_values_of_any_clr_number_type_are_read()
    {
        var scope = new ExpressionScope
        {
            Input = new JsonObject { ["i"] = 1, ["l"] = 2L, ["m"] = 3.5m, ["f"] = 0.5f, ["d"] = 1.25, ["b"] = (byte)4 },
        };
        Assert.Equal("12.25", Eval("input.i + input.l + input.m + input.f + input.d + input.b", scope));
    }

    [Fact]
    public void Non_json_scope_values_give_EXPR209()
    {
        var scope = new ExpressionScope { Input = new JsonObject { ["nan"] = JsonValue.Create(double.NaN) } };
        Assert.Equal("EXPR209", EvalError("input.nan + 1", scope).Code);
    }

    [Fact]
    public void Concurrent_evaluation_of_one_expression_is_safe()
    {
        var expression = CompiledExpression.Parse("size(input.tags) + vars.attempts + outputs.propose.amount");
        var scope = Scope();
        Parallel.For(0, 2000, _ => Assert.Equal(104, expression.Evaluate(scope)!.GetValue<double>()));
    }
}
