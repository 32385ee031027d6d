using AgentRuntime.Definitions.Expressions;

namespace AgentRuntime.Definitions.Tests.Expressions;

public class CheckerTests
{
    private static IReadOnlyList<ExpressionProblem> Check(string source, ExpressionTypeEnvironment? env = null) =>
        CompiledExpression.Parse(source).Check(env);

    private static ExpressionProblem Single(string source, ExpressionTypeEnvironment? env = null) => Assert.Single(Check(source, env));

    [Theory]
    [InlineData("input.amount > 100 && has(input.customer)")]
    [InlineData("outputs['propose-refund'].amount * 2")]
    [InlineData("instance.version + 1")]
    [InlineData("size(input.tags) > 0 ? upper(input.customer) : 'none'")]
    [InlineData("matches(input.email, '^[a-z]+@')")]
    [InlineData("duration('4h') < 5 * 3600")]
    [InlineData("null == input.x")]
    public void Clean_expressions_have_no_problems(string source) => Assert.Empty(Check(source));

    [Theory]
    //       source                              code       position length
    [InlineData("foo.bar", "EXPR101", 0, 3)]
    [InlineData("1 + inputs.amount", "EXPR101", 4, 6)]
    [InlineData("size(input.a, 2)", "EXPR102", 0, 16)]
    [InlineData("now(1)", "EXPR102", 0, 6)]
    [InlineData("1 + true", "EXPR103", 2, 1)]
    [InlineData("'a' + 1", "EXPR103", 4, 1)]
    [InlineData("'a' < 1", "EXPR104", 4, 1)]
    [InlineData("null > 1", "EXPR104", 5, 1)]
    [InlineData("1 < 2 < 3", "EXPR104", 6, 1)]
    [InlineData("1 == 'a'", "EXPR105", 2, 2)]
    [InlineData("1 && true", "EXPR103", 0, 1)]
    [InlineData("!'x'", "EXPR103", 1, 3)]
    [InlineData("1 ? 2 : 3", "EXPR103", 0, 1)]
    [InlineData("(1).x", "EXPR103", 4, 1)]
    [InlineData("'abc'[0]", "EXPR103", 0, 8)]
    [InlineData("[1]['a']", "EXPR103", 4, 3)]
    [InlineData("1 in 5", "EXPR103", 5, 1)]
    [InlineData("size(5)", "EXPR103", 5, 1)]
    [InlineData("lower(true)", "EXPR103", 6, 4)]
    [InlineData("keys([1])", "EXPR103", 5, 3)]
    [InlineData("min(1, 'a')", "EXPR104", 0, 11)]
    [InlineData("matches(input.s, '(')", "EXPR107", 17, 3)]
    [InlineData("duration('4 hours')", "EXPR203", 9, 9)]
    [InlineData("timestamp('soon')", "EXPR203", 10, 6)]
    [InlineData("instance.started", "EXPR106", 9, 7)]
    [InlineData("input.x / 0", "EXPR201", 8, 1)]
    public void Problems_have_codes_and_positions(string source, string code, int position, int length)
    {
        var problem = Single(source);
        Assert.Equal(code, problem.Code);
        Assert.Equal(position, problem.Position);
        Assert.Equal(length, problem.Length);
    }

    [Fact]
    public void Several_problems_are_reported_at_once()
    {
        var problems = Check("foo + 1 + true + size()");
        Assert.Equal(["EXPR101", "EXPR103", "EXPR102"], problems.Select(p => p.Code).Distinct().ToArray());
    }

    [Fact]
    public void Messages_suggest_fixes()
    {
        Assert.Contains("did you mean 'startedAt'?", Single("instance.startedat").Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'input'?", Single("inpt.x").Message, StringComparison.Ordinal);
        Assert.Contains("'size' is a function", Single("size").Message, StringComparison.Ordinal);
        Assert.StartsWith("Cannot compare string with number", Single("'a' < 1").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_types_variables_and_nodes()
    {
        var env = new ExpressionTypeEnvironment
        {
            Variables = new HashSet<string> { "attempts" },
            NodeIds = new HashSet<string> { "propose", "propose-refund" },
            ClosedInput = true,
        }
            .Declare("input.amount", ExpressionValueType.Number)
            .Declare("input.customer", ExpressionValueType.Map)
            .Declare("input.note", ExpressionValueType.String)
            .Declare("vars.attempts", ExpressionValueType.Number)
            .Declare("outputs.propose.confidence", ExpressionValueType.Number);

        Assert.Empty(Check("input.amount > 100 && input.customer.name == 'x' && outputs.propose.confidence >= 0.5", env));
        Assert.Empty(Check("outputs['propose-refund'].amount + vars.attempts", env));

        var p = Single("input.amount + 'x'", env);
        Assert.Equal(("EXPR103", 13), (p.Code, p.Position));
        p = Single("input.amount < input.note", env);
        Assert.Equal(("EXPR104", 13), (p.Code, p.Position));
        p = Single("input.amout > 1", env);
        Assert.Equal(("EXPR106", 6, 5), (p.Code, p.Position, p.Length));
        Assert.Contains("did you mean 'amount'?", p.Message, StringComparison.Ordinal);
        p = Single("vars.attempt > 1", env);
        Assert.Equal(("EXPR108", 5), (p.Code, p.Position));
        Assert.Contains("did you mean 'attempts'?", p.Message, StringComparison.Ordinal);
        p = Single("outputs.proposal.x", env);
        Assert.Equal(("EXPR109", 8), (p.Code, p.Position));
        p = Single("input.amount.value", env);
        Assert.Equal(("EXPR103", 13), (p.Code, p.Position));
        p = Single("outputs.propose.confidence == 'high'", env);
        Assert.Equal("EXPR105", p.Code);
    }

    [Theory]
    [InlineData("input.amount > 100", new[] { "input.amount" })]
    [InlineData("outputs.propose.confidence >= 0.8 && outputs['propose-refund'].amount < input.amount",
        new[] { "outputs.propose.confidence", "outputs.propose-refund.amount", "input.amount" })]
    [InlineData("input.items[0].sku", new[] { "input.items[0].sku" })]
    [InlineData("input.items[vars.i].sku", new[] { "input.items", "vars.i" })]
    [InlineData("input['a b'].c", new[] { "input['a b'].c" })]
    [InlineData("has(input.x) ? input.x : input.x", new[] { "input.x" })]
    [InlineData("size(keys(outputs))", new[] { "outputs" })]
    [InlineData("foo.bar + 1", new string[0])]
    [InlineData("{'a': instance.id}", new[] { "instance.id" })]
    public void RootPaths_lists_data_lineage(string source, string[] expected) =>
        Assert.Equal(expected, CompiledExpression.Parse(source).RootPaths);
}
