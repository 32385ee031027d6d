using AgentRuntime.Definitions.Expressions;
using static AgentRuntime.Definitions.Tests.Expressions.ExpressionTestSupport;

namespace AgentRuntime.Definitions.Tests.Expressions;

public class TemplateTests
{
    [Theory]
    [InlineData("Refund {{ input.amount }} for {{ input.customer }}", "Refund 120.5 for Ada")]
    [InlineData("no placeholders", "no placeholders")]
    [InlineData("", "")]
    [InlineData("{{input.count}}", "3")]
    [InlineData("[{{ input.missing }}]", "[]")]
    [InlineData("{{ input.flag }}/{{ !input.flag }}", "true/false")]
    [InlineData("tags={{ input.tags }}", "tags=[\"vip\",\"eu\"]")]
    [InlineData("{{ {'a': {'b': 1}} }}", "{\"a\":{\"b\":1}}")]
    [InlineData("{{ '{{' }} literal {{ '}}' }}", "{{ literal }}")]
    [InlineData("a }} b", "a }} b")]
    [InlineData("{{ 'x' }}}", "x}")]
    [InlineData("{{ outputs['propose-refund'].amount * 2 }} EUR", "84 EUR")]
    [InlineData("Due {{ now() }}", "Due 2025-03-14T09:26:53.589Z")]
    [InlineData("{{ input.amount > 100 ? 'manual review' : 'auto' }}", "manual review")]
    public void Renders(string text, string expected) => Assert.Equal(expected, Template.Parse(text).Render(Scope()));

    [Theory]
    [InlineData("Hi {{ input.name", "EXPR301", 3, 2)]
    [InlineData("Hi {{ 'unterminated }}", "EXPR301", 3, 2)]
    [InlineData("Hi {{   }} there", "EXPR302", 3, 7)]
    [InlineData("Hi {{ 1 + }}", "EXPR006", 10, 0)]
    [InlineData("Total: {{ input.amount >) }}", "EXPR001", 24, 1)]
    [InlineData("{{ a }} and {{ sizee(x) }}", "EXPR007", 15, 5)]
    public void Parse_errors_are_positioned_in_the_template(string text, string code, int position, int length)
    {
        var error = Assert.Throws<ExpressionException>(() => Template.Parse(text));
        Assert.Equal(code, error.Code);
        Assert.Equal(position, error.Position);
        Assert.Equal(length, error.Length);
        Assert.False(Template.TryParse(text, out var template, out var tried));
        Assert.Null(template);
        Assert.Equal(code, tried!.Code);
    }

    [Fact]
    public void Render_errors_are_positioned_in_the_template()
    {
        var template = Template.Parse("Amount: {{ input.amount + 'EUR' }}");
        var error = Assert.Throws<ExpressionException>(() => template.Render(Scope()));
        Assert.Equal("EXPR103", error.Code);
        Assert.Equal(24, error.Position);
        Assert.Contains(" at 24", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exposes_expressions_paths_and_checks()
    {
        var template = Template.Parse("{{ input.a }} {{ outputs.x.y }} {{ input.a }} {{ foo }}");
        Assert.Equal(4, template.Expressions.Count);
        Assert.Equal(" input.a ", template.Expressions[0].Source);
        Assert.Equal(["input.a", "outputs.x.y"], template.RootPaths);
        var problem = Assert.Single(template.Check());
        Assert.Equal(("EXPR101", 49), (problem.Code, problem.Position));
    }

    [Fact]
    public void Limits()
    {
        var options = new ExpressionOptions { MaxTemplateLength = 10 };
        Assert.Equal("EXPR303", Assert.Throws<ExpressionException>(() => Template.Parse(new string('x', 11), options)).Code);
        var small = new ExpressionOptions { MaxStringLength = 8 };
        var error = Assert.Throws<ExpressionException>(() => Template.Parse("{{ input.email }}", small).Render(Scope()));
        Assert.Equal("EXPR206", error.Code);
    }
}
