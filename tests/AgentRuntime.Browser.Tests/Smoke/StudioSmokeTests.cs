using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Smoke;

/// <summary>
/// Functional: the Studio as served by the real host loads in Chromium, signs in the way a person does, and shows
/// the sample workflows from the API on a React Flow canvas. If this fails, every other browser test would fail for
/// the same reason, so it names the basic cause (not built, not served, not signed in) first.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StudioSmokeTests(StudioFixture studio, ITestOutputHelper output)
{
    [Fact]
    public async Task A_signed_out_visitor_is_offered_the_seeded_users_and_signing_in_shows_the_sample_workflows()
    {
        await using var s = await studio.OpenAsync(user: null, "#/workflows", output);
        var signIn = s.Page.GetByLabel("Sign in as");
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(s.Page.GetByText("Signed in: signed out")).ToBeVisibleAsync();
        await s.ScreenshotAsync("signed-out");

        await signIn.SelectOptionAsync("dana");
        await Expect(s.Page.GetByText("Signed in: dana")).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Link, new() { Name = "Customer refund", Exact = false })).ToBeVisibleAsync();
        await s.ScreenshotAsync("signed-in-as-dana");
    }

    [Fact]
    public async Task Opening_a_sample_workflow_draws_its_nodes_on_the_canvas()
    {
        await using var s = await studio.OpenAsync("dana", "#/workflows", output);
        await s.Page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("refund", RegexOptions.IgnoreCase) }).First.ClickAsync();
        await Expect(s.Page).ToHaveURLAsync(new Regex("#/workflows/customer-refund$"));

        var nodes = s.Page.Locator(".react-flow__node");
        await Expect(nodes.First).ToBeVisibleAsync();
        Assert.True(await nodes.CountAsync() >= 3, $"expected the refund workflow's nodes on the canvas, saw {await nodes.CountAsync()}");
        await s.ScreenshotAsync("customer-refund-canvas");
    }
}
