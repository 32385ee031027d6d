using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using AgentRuntime.Browser.Tests.Ops;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Dashboards;

/// <summary>
/// Functional, in a real browser: after real runs of the refund sample (the agent proposes in shadow, alice decides,
/// small refunds complete on their own, a large one waits for bob's approval), the workflow's dashboard charts them.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class DashboardTests(StudioFixture studio, ITestOutputHelper output)
{
    private readonly OpsApi _api = new(studio);

    [Fact]
    public async Task The_dashboard_charts_throughput_cycle_time_approvals_shadow_agreement_and_the_outcome_after_real_runs()
    {
        // Four small refunds: alice agrees with the agent on three and decides a lower amount on one.
        var small = new List<Guid>();
        foreach (var (amount, decided) in new[] { (40m, 40m), (60m, 60m), (20m, 20m), (80m, 50m) })
        {
            var id = await _api.StartRefundAsync(amount);
            await _api.DecideAsync(id, "propose", _api.Approver, "approved", new { decision = new { amount = decided, policy = decided == amount ? "full" : "partial" } });
            small.Add(id);
        }
        // One large refund also needs bob's approval.
        var large = await _api.StartRefundAsync(450);
        await _api.DecideAsync(large, "propose", _api.Approver, "approved", new { decision = new { amount = 450, policy = "full" } });
        await _api.DecideAsync(large, "approve", _api.SecondApprover, "approved", new { amount = 450 });
        foreach (var id in small.Append(large)) await _api.WaitForAsync(id, i => OpsApi.Status(i, "completed"), "completed");

        await using var s = await studio.OpenAsync("oscar", "#/dashboards", output);
        await s.Page.GetByRole(AriaRole.Link, new() { Name = "Customer refund" }).ClickAsync();
        await Expect(s.Page).ToHaveURLAsync(new Regex("#/dashboards/customer-refund$"));
        await s.Page.GetByLabel("Window", new() { Exact = true }).SelectOptionAsync("24h");
        await s.Page.GetByLabel("Per", new() { Exact = true }).SelectOptionAsync("hour");

        // Totals: at least these five completed (other tests may have completed more refunds on the shared host).
        var completed = s.Page.Locator(".tile", new() { HasText = "Completed" }).Locator("dd");
        await Expect(completed).ToHaveTextAsync(new Regex(@"^\d+$"));
        Assert.True(int.Parse(await completed.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 5);

        // Each chart is an image with a spoken summary; the audit chart honestly says it has no data yet.
        foreach (var title in new[] { "Throughput", "Cycle time", "Approval latency", "Edit / override rate", "Shadow agreement", "Audit pass rate", "Agent cost" })
            await Expect(s.Page.GetByRole(AriaRole.Figure, new() { Name = title, Exact = true })).ToBeVisibleAsync();
        var shadow = s.Page.GetByRole(AriaRole.Figure, new() { Name = "Shadow agreement" }).GetByRole(AriaRole.Img);
        await Expect(shadow).ToHaveAttributeAsync("aria-label", new Regex(@"Agreement latest \d+(\.\d)?%"));
        var audit = s.Page.GetByRole(AriaRole.Figure, new() { Name = "Audit pass rate" });
        await Expect(audit.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", "Audit pass rate: no data in this window.");
        await Expect(audit.GetByText("No audit reviews in this window yet", new() { Exact = false })).ToBeVisibleAsync();
        var outcome = s.Page.GetByRole(AriaRole.Figure, new() { Name = "Outcome vs target: refund_cycle_time" });
        await Expect(outcome.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", new Regex("Mean latest"));
        var throughput = s.Page.GetByRole(AriaRole.Figure, new() { Name = "Throughput" });
        Assert.True(await throughput.Locator("rect").CountAsync() >= 1, "throughput bars are drawn");
        await s.ScreenshotAsync("customer-refund-dashboard");
    }
}
