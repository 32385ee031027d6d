using System.Text.Json.Nodes;
using AgentRuntime.Browser.Tests.Inbox;
using AgentRuntime.Browser.Tests.Infrastructure;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Reviews;

/// <summary>
/// Functional: an audit reviewer (rita) judges a sampled agent decision criterion by criterion. The review task is created
/// the way audit sampling creates it — a human task of kind <c>audit-review</c> through <see cref="HumanTaskService"/> on the
/// host's database — so this test does not depend on the sampler's schedule. Submit stays disabled until every criterion
/// is answered; one failed criterion makes the whole review "rejected", with every result sent.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class ReviewsTests(StudioFixture studio, ITestOutputHelper output)
{
    [Fact]
    public async Task A_reviewer_answers_every_criterion_before_submitting_and_one_failure_fails_the_review()
    {
        var decisionId = Guid.NewGuid().ToString();
        var orderId = "ORD-" + WorkScenario.Suffix();
        HumanTaskView created;
        await using (var engine = await EngineTestHost.StartAsync("reviews", studio.Host.ConnectionString, realClock: true))
        {
            created = await engine.Services.GetRequiredService<HumanTaskService>().CreateAsync(new HumanTaskRequest
            {
                Kind = "audit-review",
                Title = $"Audit review: refund-proposer on order {orderId}",
                Instructions = "Judge the sampled decision against each criterion of the audit protocol.",
                Role = "reviewer",
                SubjectType = "agent-decision",
                SubjectId = decisionId,
                Sla = TimeSpan.FromHours(24),
                Data = new JsonObject
                {
                    ["sample"] = new JsonObject
                    {
                        ["decisionId"] = decisionId,
                        ["workflowId"] = "customer-refund",
                        ["agentId"] = "refund-proposer",
                        ["stage"] = "shadow",
                        ["instanceId"] = Guid.NewGuid().ToString(),
                        ["decidedAt"] = "2026-11-20T14:03:00Z",
                        ["input"] = new JsonObject { ["orderId"] = orderId, ["amount"] = 150, ["reason"] = "The parcel arrived damaged" },
                        ["output"] = new JsonObject { ["amount"] = 150, ["policy"] = "full" },
                        ["confidence"] = 0.95,
                        ["rationale"] = "Damaged or lost goods are refunded in full.",
                        ["after"] = new JsonObject { ["humanDecision"] = "decided", ["humanActor"] = "bob", ["agreement"] = true },
                    },
                    ["criteria"] = new JsonArray(
                        new JsonObject { ["id"] = "amount-correct", ["description"] = "The refunded amount matches the order and the refund policy." },
                        new JsonObject { ["id"] = "policy-followed", ["description"] = "The reason given qualifies for a refund under the published policy." },
                        new JsonObject { ["id"] = "rationale-sound", ["description"] = "The agent's rationale is specific to this order and would convince a colleague." }),
                },
            }, "audit-sampler");
        }
        var taskId = created.Id.ToString();

        await using var s = await studio.OpenAsync("rita", "#/reviews", output);
        var row = s.Page.Locator($"tr[data-task-id='{taskId}']");
        await Expect(row).ToContainTextAsync("refund-proposer");
        await Expect(row).ToContainTextAsync("due in 23h");
        await s.ScreenshotAsync("reviews-list");

        await row.GetByRole(AriaRole.Link).ClickAsync();
        var sample = s.Page.GetByRole(AriaRole.Region, new() { Name = "The sampled decision" });
        await Expect(sample).ToContainTextAsync("95%");
        await Expect(sample).ToContainTextAsync("Damaged or lost goods are refunded in full.");
        await Expect(sample).ToContainTextAsync(orderId);
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await Expect(s.Page.GetByText("claimed by rita").First).ToBeVisibleAsync();

        var submit = s.Page.GetByRole(AriaRole.Button, new() { Name = "Submit review" });
        await Expect(submit).ToBeDisabledAsync();
        var amount = s.Page.GetByRole(AriaRole.Group, new() { Name = "The refunded amount matches" });
        var policy = s.Page.GetByRole(AriaRole.Group, new() { Name = "The reason given qualifies" });
        var rationale = s.Page.GetByRole(AriaRole.Group, new() { Name = "The agent's rationale is specific" });
        await amount.GetByLabel("Pass").CheckAsync();
        await policy.GetByLabel("Pass").CheckAsync();
        await Expect(submit).ToBeDisabledAsync(); // one criterion still open
        await Expect(s.Page.GetByText("2 of 3 answered — answer rationale-sound to submit")).ToBeVisibleAsync();
        await s.ScreenshotAsync("two-of-three-answered");

        // A reload (or a crash) loses no answer: they are kept in the browser until the review is accepted.
        await s.Page.ReloadAsync();
        await Expect(amount.GetByLabel("Pass")).ToBeCheckedAsync();
        await Expect(policy.GetByLabel("Pass")).ToBeCheckedAsync();
        await Expect(submit).ToBeDisabledAsync();

        // Keyboard: focus the last criterion's Fail and choose it with the space bar.
        await rationale.GetByLabel("Fail").FocusAsync();
        await s.Page.Keyboard.PressAsync("Space");
        await Expect(rationale.GetByLabel("Fail")).ToBeCheckedAsync();
        await Expect(submit).ToBeEnabledAsync();
        await Expect(s.Page.GetByText("will be recorded as failed")).ToBeVisibleAsync();
        await s.Page.GetByLabel(new System.Text.RegularExpressions.Regex("^Comment")).FillAsync("The rationale is generic.");
        await s.ScreenshotAsync("all-answered-one-fail");

        await submit.ClickAsync();
        await Expect(s.Page.GetByText("Review submitted: failed.")).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Result" })).ToContainTextAsync("Failed — reviewed by rita");
        await s.ScreenshotAsync("review-submitted");

        var task = await WorkScenario.GetTaskAsync(studio.Api, taskId);
        Assert.Equal("completed", task["state"]!.GetValue<string>());
        Assert.Equal("rejected", task["outcome"]!.GetValue<string>());
        var results = task["result"]!["data"]!["results"]!.AsObject();
        Assert.Equal("pass", results["amount-correct"]!.GetValue<string>());
        Assert.Equal("pass", results["policy-followed"]!.GetValue<string>());
        Assert.Equal("fail", results["rationale-sound"]!.GetValue<string>());
        Assert.Equal("The rationale is generic.", task["comment"]!.GetValue<string>());
    }
}
