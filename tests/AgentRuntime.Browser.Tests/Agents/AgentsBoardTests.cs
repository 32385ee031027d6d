using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Browser.Tests.Inbox;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Agents;

/// <summary>
/// Functional: the agents board as an ops lead (oscar) uses it. refund-proposer ships in shadow with no agreement evidence
/// and no probe or telemetry evidence, so a promotion to draft must be refused — and the board must show every reason the
/// server gives, one per line, and leave the stage alone.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class AgentsBoardTests(StudioFixture studio, ITestOutputHelper output)
{
    [Fact]
    public async Task A_promotion_blocked_by_evidence_shows_every_unmet_reason_one_per_line()
    {
        await using var s = await studio.OpenAsync("oscar", "#/agents", output);
        var row = s.Page.Locator("tr[data-agent-id='refund-proposer']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.List, new() { Name = "Stage: shadow" })).ToBeVisibleAsync();
        // Readiness at a glance: not ready, and the unmet checkpoints named (the sample's probe has never run: 4).
        await Expect(row).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"customer-refund: [0-6] of 7 passed;[^·]*\b4\b[^·]* not evidenced"));
        await s.ScreenshotAsync("agents-board");

        await row.GetByRole(AriaRole.Link, new() { Name = "Refund proposer" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Name = "Refund proposer", Exact = true })).ToBeVisibleAsync();
        // The seven readiness checkpoints of customer-refund, each with its evidence.
        var checkpoints = s.Page.GetByRole(AriaRole.Table, new() { Name = "Readiness checkpoints of customer-refund" });
        await Expect(checkpoints.Locator("tbody tr")).ToHaveCountAsync(7);
        await Expect(checkpoints.Locator("tr[data-checkpoint='4']")).ToContainTextAsync("not evidenced");
        await Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Evidence" })).ToContainTextAsync("Shadow agreement");
        await s.ScreenshotAsync("refund-proposer-in-shadow");

        var promote = s.Page.GetByRole(AriaRole.Button, new() { Name = "Promote to draft" });
        await Expect(promote).ToBeDisabledAsync(); // a reason first
        await s.Page.GetByLabel("Reason for the promotion").FillAsync("The shadow period is over");
        await promote.ClickAsync();

        var refusal = s.Page.Locator(".unmet");
        await Expect(refusal).ToContainTextAsync("cannot be promoted to draft");
        var shown = (await refusal.Locator("li").AllInnerTextsAsync()).Select(t => t.Trim()).ToList();
        await s.ScreenshotAsync("promotion-refused-with-reasons");

        // The same request through the API: the board showed exactly the server's reasons, one per line.
        using var oscar = studio.Api("oscar");
        var r = await oscar.PostAsJsonAsync("/api/v1/agents/refund-proposer/promotions", new { targetStage = "draft", reason = "compare with the board" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        var unmet = (await r.Content.ReadFromJsonAsync<JsonObject>())!["unmet"]!.AsArray().Select(u => u!["message"]!.GetValue<string>()).ToList();
        Assert.Equal(unmet, shown);
        Assert.Contains(shown, m => m.StartsWith("Shadow agreement is measured over", StringComparison.Ordinal));
        Assert.Contains(shown, m => m.Contains("checkpoint 4", StringComparison.Ordinal));

        // Refused means refused: still shadow, and the refusal is in the stage history.
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.List, new() { Name = "Stage: shadow" })).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Table, new() { Name = "Stage changes" })).ToContainTextAsync("refused");
    }

    [Fact]
    public async Task An_ops_lead_demotes_an_agent_and_pulls_its_kill_switch_and_releases_it()
    {
        var (_, agentId) = await WorkScenario.PublishRefundApprovalAsync(studio.Api, agentStage: "execute");
        await using var s = await studio.OpenAsync("oscar", $"#/agents/{agentId}", output);
        await Expect(s.Page.GetByRole(AriaRole.List, new() { Name = "Stage: execute" })).ToBeVisibleAsync();

        await s.Page.GetByLabel("Demote to").SelectOptionAsync("draft");
        await s.Page.GetByLabel("Reason for the demotion").FillAsync("Too many edits last week");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Demote to draft" }).ClickAsync();
        await Expect(s.Page.GetByText("Demoted from execute to draft.")).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.List, new() { Name = "Stage: draft" })).ToBeVisibleAsync();

        await s.Page.GetByLabel("Reason for pausing").FillAsync("Incident 42: wrong amounts");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Pause agent (kill switch)" }).ClickAsync();
        await Expect(s.Page.GetByText("Paused: every instance holds")).ToBeVisibleAsync();
        await Expect(s.Page.GetByText("by oscar").First).ToBeVisibleAsync();
        await s.ScreenshotAsync("demoted-and-paused");

        using var ada = studio.Api("ada");
        var agent = (await ada.GetFromJsonAsync<JsonObject>($"/api/v1/agents/{agentId}"))!["agent"]!;
        Assert.Equal("draft", agent["stage"]!.GetValue<string>());
        Assert.True(agent["paused"]!.GetValue<bool>());
        Assert.Equal("Incident 42: wrong amounts", agent["pausedReason"]!.GetValue<string>());

        await s.Page.GetByLabel("Reason for resuming").FillAsync("Fixed the rules");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Resume agent" }).ClickAsync();
        await Expect(s.Page.GetByText(new System.Text.RegularExpressions.Regex("^Resumed"))).ToBeVisibleAsync();
        await s.ScreenshotAsync("resumed");
        agent = (await ada.GetFromJsonAsync<JsonObject>($"/api/v1/agents/{agentId}"))!["agent"]!;
        Assert.False(agent["paused"]!.GetValue<bool>());
    }
}
