using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Workflows;

/// <summary>
/// Functional: starting an instance from a workflow's page, through a form built from its input fields (a designer
/// trying the published workflow, an operator re-running a request), instead of hand-written JSON.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StartInstanceTests(StudioFixture studio, ITestOutputHelper output)
{
    [Fact]
    public async Task A_designer_starts_customer_refund_from_its_input_form_and_the_instance_gets_typed_values()
    {
        await using var s = await studio.OpenAsync("dana", "#/workflows/customer-refund", output);
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Start instance…" }).ClickAsync();
        var dialog = s.Page.GetByRole(AriaRole.Dialog, new() { Name = "Start an instance of customer-refund" });
        await Expect(dialog.GetByLabel("Customer email")).ToBeVisibleAsync();

        // Checked before sending: the required order id is missing and the amount is below the field's minimum.
        await dialog.GetByLabel(new Regex("^Amount")).FillAsync("-5");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start instance" }).ClickAsync();
        await Expect(dialog.GetByText("Order id is required")).ToBeVisibleAsync();
        await Expect(dialog.GetByText("Amount must be at least 0")).ToBeVisibleAsync();
        await s.ScreenshotAsync("input-refused-in-the-form");

        var orderId = $"ORD-{Guid.NewGuid():N}"[..16];
        await dialog.GetByLabel(new Regex("^Order id")).FillAsync(orderId);
        await dialog.GetByLabel(new Regex("^Amount")).FillAsync("40");
        await dialog.GetByLabel(new Regex("^Reason")).FillAsync("The parcel arrived damaged");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start instance" }).ClickAsync();

        var notice = s.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Started instance" });
        await Expect(notice).ToBeVisibleAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        await s.ScreenshotAsync("instance-started");
        var id = Regex.Match(await notice.InnerTextAsync(), "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").Value;
        Assert.False(string.IsNullOrEmpty(id), "the notice names the new instance");

        // The instance got the typed values with their declared types (the amount a number, not text), started by dana.
        using var api = studio.Api("dana");
        var instance = (await api.GetFromJsonAsync<JsonObject>($"/api/v1/instances/{id}"))!;
        Assert.Equal(orderId, instance["input"]!["orderId"]!.GetValue<string>());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, instance["input"]!["amount"]!.GetValueKind());
        Assert.Equal(40m, instance["input"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("dana", instance["startedBy"]!.GetValue<string>());

        // The notice links to the instance in the ops console.
        await notice.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(s.Page).ToHaveURLAsync(new Regex($"#/ops/instances/{id}$"));
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(id[^8..]);
    }

    [Fact]
    public async Task A_start_the_server_refuses_shows_its_reason_in_the_dialog_and_keeps_what_was_typed()
    {
        // rita reviews audits; starting work is not hers to do (the requester policy), and the server says so.
        await using var s = await studio.OpenAsync("rita", "#/workflows/customer-refund", output);
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Start instance…" }).ClickAsync();
        var dialog = s.Page.GetByRole(AriaRole.Dialog, new() { Name = "Start an instance of customer-refund" });
        await dialog.GetByLabel(new Regex("^Order id")).FillAsync("ORD-RITA");
        await dialog.GetByLabel(new Regex("^Amount")).FillAsync("12");
        await dialog.GetByLabel(new Regex("^Reason")).FillAsync("Late");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start instance" }).ClickAsync();

        await Expect(dialog.GetByRole(AriaRole.Alert)).ToContainTextAsync(new Regex("403|forbidden|not allowed|role", RegexOptions.IgnoreCase));
        await Expect(dialog.GetByLabel(new Regex("^Order id"))).ToHaveValueAsync("ORD-RITA");
        await Expect(dialog.GetByLabel(new Regex("^Amount"))).ToHaveValueAsync("12");
        await s.ScreenshotAsync("refused-for-a-reviewer");
    }
}
