using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Inbox;

/// <summary>
/// Functional: the inbox as an approver uses it, in Chromium against the real host. The instance is started through the
/// API by dana (a designer, who may start work but is not an approver); the approver in the browser is alice, so
/// segregation of duties is respected. What is asserted is what a person would notice: the task in their inbox with its
/// countdown, the agent's confidence and reasons, the edited amount, and — through the API — the instance finishing with
/// the edited amount, not the agent's.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class InboxTests(StudioFixture studio, ITestOutputHelper output)
{
    private StudioFixtureApi Api => studio.Api;

    [Fact]
    public async Task An_approver_edits_the_draft_in_the_form_and_approves_and_the_instance_resumes_with_the_edited_value()
    {
        var (workflowId, _) = await WorkScenario.PublishRefundApprovalAsync(Api);
        var orderId = "ORD-" + WorkScenario.Suffix();
        var instanceId = await WorkScenario.StartAsync(Api, "dana", workflowId, orderId, 120m, "The parcel came late");
        var task = await WorkScenario.WaitForTaskAsync(Api, instanceId);
        var taskId = task["id"]!.GetValue<string>();
        Assert.Equal(60, task["data"]!["amount"]!.GetValue<decimal>()); // the agent's proposal: half of 120 for a late parcel

        await using var s = await studio.OpenAsync("alice", "#/inbox", output);
        var row = s.Page.Locator($"tr[data-task-id='{taskId}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync($"Refund 60 for order {orderId}");
        await Expect(row).ToContainTextAsync(new Regex(@"due in 3h 5\dm \d\ds")); // the 4h SLA
        var countdown = row.Locator(".sla");
        await Expect(countdown).Not.ToHaveTextAsync(await countdown.InnerTextAsync()); // ... counting down, second by second
        await s.ScreenshotAsync("inbox-with-the-approval");

        await row.GetByRole(AriaRole.Link, new() { Name = $"Refund 60 for order {orderId}" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Name = $"Refund 60 for order {orderId}" })).ToBeVisibleAsync();
        var assessment = s.Page.GetByRole(AriaRole.Region, new() { Name = "The agent's assessment" });
        await Expect(assessment).ToContainTextAsync("72%");
        await Expect(assessment).ToContainTextAsync("Late delivery is refunded at half the amount");
        await Expect(assessment).ToContainTextAsync($"Order {orderId} paid 120");
        await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0); // claim first
        await s.ScreenshotAsync("task-before-claim");

        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await Expect(s.Page.GetByText("claimed by alice").First).ToBeVisibleAsync();
        var amount = s.Page.GetByLabel("Amount to refund");
        await Expect(amount).ToHaveValueAsync("60");
        await amount.FillAsync("95");
        await s.Page.GetByLabel(new Regex("^Comment")).FillAsync("The customer also paid express shipping.");
        await Expect(s.Page.GetByText("agent's value: 60 · edited")).ToBeVisibleAsync();
        await s.ScreenshotAsync("draft-edited");

        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Approved with your edit (amount)" })).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Decision" })).ToContainTextAsync("alice");
        await Expect(s.Page.GetByTestId("instance-status")).ToHaveTextAsync("instance completed"); // the decision resumed it
        await s.ScreenshotAsync("approved-instance-completed");

        // The instance resumed and carried the approver's amount, not the agent's, through to its output.
        var instance = await WorkScenario.WaitForInstanceAsync(Api, instanceId, "completed");
        Assert.Equal(95, instance["output"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("alice", instance["output"]!["approvedBy"]!.GetValue<string>());
        var approval = instance["outputs"]!["approve"]!;
        Assert.Equal(95, approval["data"]!["amount"]!.GetValue<decimal>());
        Assert.True(approval["edited"]!.GetValue<bool>());
        Assert.Equal("The customer also paid express shipping.", approval["comment"]!.GetValue<string>());
        await s.Page.ReloadAsync();
        await Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Decision" })).ToContainTextAsync("approved");
        await Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Decision" })).ToContainTextAsync("\"amount\": 95");
        await s.ScreenshotAsync("after-reload-final-data");
    }

    [Fact]
    public async Task A_save_refused_because_someone_changed_the_task_keeps_the_draft_and_says_why()
    {
        var (workflowId, _) = await WorkScenario.PublishRefundApprovalAsync(Api);
        var orderId = "ORD-" + WorkScenario.Suffix();
        var instanceId = await WorkScenario.StartAsync(Api, "dana", workflowId, orderId, 80m, "Arrived late again");
        var taskId = (await WorkScenario.WaitForTaskAsync(Api, instanceId))["id"]!.GetValue<string>();

        await using var s = await studio.OpenAsync("alice", $"#/inbox/{taskId}", output);
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        var amount = s.Page.GetByLabel("Amount to refund");
        await Expect(amount).ToHaveValueAsync("40");
        await amount.FillAsync("55.5");

        // While alice types, bob hands the task back to the approvers' queue: her revision is now stale.
        await WorkScenario.ReassignAsBobAsync(Api, taskId);
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        var problem = s.Page.GetByRole(AriaRole.Alert);
        await Expect(problem).ToContainTextAsync("The task changed or cannot take this change");
        await Expect(problem).ToContainTextAsync(new Regex("The task is at revision \\d+, not \\d+: someone changed it first"));
        await Expect(amount).ToHaveValueAsync("55.5"); // nothing typed is lost
        await s.ScreenshotAsync("save-refused-draft-kept");

        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Reload the task (keeps your draft)" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" })).ToBeVisibleAsync();
        await Expect(amount).ToHaveValueAsync("55.5");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        // Keyboard only this time: Enter in the draft's field approves it (the form's default action).
        await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeEnabledAsync();
        await amount.PressAsync("Enter");
        await Expect(s.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Approved with your edit (amount)" })).ToBeVisibleAsync();
        await s.ScreenshotAsync("approved-after-reload");

        var instance = await WorkScenario.WaitForInstanceAsync(Api, instanceId, "completed");
        Assert.Equal(55.5m, instance["output"]!["amount"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task The_starter_of_an_instance_sees_why_they_cannot_approve_it_and_a_bad_amount_is_refused_before_sending()
    {
        var (workflowId, _) = await WorkScenario.PublishRefundApprovalAsync(Api);
        var orderId = "ORD-" + WorkScenario.Suffix();
        // alice starts it herself: she is a candidate (approver role) but may not approve her own request.
        var instanceId = await WorkScenario.StartAsync(Api, "alice", workflowId, orderId, 50m, "late");
        var taskId = (await WorkScenario.WaitForTaskAsync(Api, instanceId))["id"]!.GetValue<string>();

        await using var s = await studio.OpenAsync("alice", $"#/inbox/{taskId}", output);
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(s.Page.GetByText("alice started this and cannot also approve it (segregation of duties).")).ToBeVisibleAsync();

        // Request changes is still hers to send, but not with an amount that is not a number: the field says why.
        var amount = s.Page.GetByLabel("Amount to refund");
        await amount.FillAsync("twenty");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Request changes" }).ClickAsync();
        await Expect(s.Page.GetByText("Amount to refund must be a number")).ToBeVisibleAsync();
        await Expect(amount).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(amount).ToBeFocusedAsync();
        await s.ScreenshotAsync("starter-cannot-approve-and-bad-amount");

        var task = await WorkScenario.GetTaskAsync(Api, taskId);
        Assert.Equal("claimed", task["state"]!.GetValue<string>()); // nothing was sent
    }

    [Fact]
    public async Task In_the_sample_refund_workflow_a_shadow_decision_and_an_edited_approval_flow_into_the_refund()
    {
        // workflows/customer-refund.yaml as shipped: refund-proposer is in shadow, so a refund approver first decides the case
        // (the agent's proposal is hidden), then — the amount being over the auto-refund limit — approves it in the form.
        // Its tasks go to the role refund-approver, which the seeded approvers do not have: the sessions add it the way a
        // development sign-in can (X-Dev-Roles), standing in for a group from the identity provider.
        var orderId = "ORD-" + WorkScenario.Suffix();
        var instanceId = await WorkScenario.StartAsync(Api, "dana", "customer-refund", orderId, 150m, "The parcel arrived damaged");
        var decideId = (await WorkScenario.WaitForTaskAsync(Api, instanceId, "agent-decide"))["id"]!.GetValue<string>();

        // One browser, as on a shared desk: bob decides, then alice signs in with the header's picker and approves.
        await using var s = await studio.OpenAsync("bob", $"#/inbox/{decideId}", output);
        await s.Page.Context.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["X-Dev-Roles"] = "approver,refund-approver" });
        await s.Page.ReloadAsync();
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Name = "Decide: Refund proposer" })).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "The case (the agent's input)" })).ToContainTextAsync("The parcel arrived damaged");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await s.Page.GetByLabel(new Regex("^Amount")).FillAsync("150");
        await s.Page.GetByLabel(new Regex("^Policy")).SelectOptionAsync("full");
        await s.ScreenshotAsync("shadow-decision-filled-by-bob");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Submit decision" }).ClickAsync();
        await Expect(s.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Decision submitted. The instance resumes." })).ToBeVisibleAsync();

        var approvalId = (await WorkScenario.WaitForTaskAsync(Api, instanceId, "approval"))["id"]!.GetValue<string>();
        await s.Page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).First.ClickAsync();
        await s.Page.GetByLabel("Sign in as").SelectOptionAsync("alice");
        await Expect(s.Page.GetByText("Signed in: alice")).ToBeVisibleAsync();
        var row = s.Page.Locator($"tr[data-task-id='{approvalId}']");
        await Expect(row).ToContainTextAsync($"Refund 150 for order {orderId}");
        await Expect(row).ToContainTextAsync(new Regex(@"due in 3h 5\dm"));
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        var amount = s.Page.GetByLabel("Amount to refund");
        await Expect(amount).ToHaveValueAsync("150");
        await amount.FillAsync("120");
        await s.ScreenshotAsync("sample-approval-edited");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(s.Page.GetByTestId("instance-status")).ToHaveTextAsync("instance completed");
        await s.ScreenshotAsync("sample-approved-instance-completed");

        var instance = await WorkScenario.WaitForInstanceAsync(Api, instanceId, "completed");
        Assert.Equal(120, instance["outputs"]!["approve"]!["data"]!["amount"]!.GetValue<decimal>());
        Assert.True(instance["output"]!["refunded"]!.GetValue<bool>());
        // The refund itself was issued with the approver's amount (the issue-refund action's payload, in the journal).
        var refund = instance["journal"]!.AsArray().OfType<JsonObject>()
            .Last(e => e["nodeId"]!.GetValue<string>() == "refund" && e["input"] is JsonObject);
        Assert.Equal(120, refund["input"]!["payload"]!["amount"]!.GetValue<decimal>());
    }
}
