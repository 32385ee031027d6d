using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Instances;

namespace AgentRuntime.Engine.Tests.Unit;

/// <summary>
/// Tier: unit (no database). Why: starting with bad input must be refused before anything is stored, with an error
/// naming the field, so the API can answer 400 and the caller can fix the request.
/// </summary>
public sealed class InputValidatorTests
{
    private static readonly InputSpec Spec = new()
    {
        Fields =
        {
            ["orderId"] = new InputFieldSpec { Type = "string", Required = true },
            ["amount"] = new InputFieldSpec { Type = "number", Required = true, Minimum = 0, Maximum = 10_000 },
            ["count"] = new InputFieldSpec { Type = "integer" },
            ["channel"] = new InputFieldSpec { Type = "string", Enum = ["web", "phone"] },
        },
    };

    [Fact]
    public void Valid_input_passes_and_unknown_fields_are_allowed()
    {
        var errors = InputValidator.Validate(Spec, JsonNode.Parse("""{"orderId":"o1","amount":12.5,"count":3,"channel":"web","extra":true}"""));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("""{"amount":1}""", "orderId", "required")]
    [InlineData("""{"orderId":"o1","amount":"12"}""", "amount", "type number")]
    [InlineData("""{"orderId":"o1","amount":-1}""", "amount", "≥ 0")]
    [InlineData("""{"orderId":"o1","amount":1,"count":1.5}""", "count", "type integer")]
    [InlineData("""{"orderId":"o1","amount":1,"channel":"fax"}""", "channel", "one of")]
    public void Each_violation_names_its_field(string json, string field, string message)
    {
        var error = Assert.Single(InputValidator.Validate(Spec, JsonNode.Parse(json)));
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_built_in_code_are_checked_like_parsed_ones()
    {
        // Why: API input is parsed JSON, but an embedding caller may build the input with int/long values.
        var input = new JsonObject { ["orderId"] = "o1", ["amount"] = 20_000, ["count"] = 2L };
        Assert.Equal("amount", Assert.Single(InputValidator.Validate(Spec, input)).Field);
    }

    [Fact]
    public void A_non_object_input_is_refused()
    {
        Assert.Equal("$", Assert.Single(InputValidator.Validate(Spec, JsonNode.Parse("[1,2]"))).Field);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("90s", 90_000)]
    [InlineData("15m", 900_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("PT5M", 300_000)]
    public void Durations_parse_as_definitions_write_them(string text, double ms)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ms), Durations.Parse(text));
    }
}
