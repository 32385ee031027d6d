using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Ops;

/// <summary>
/// Functional, in a real browser: the ops console as oscar (the seeded ops lead) uses it. What the page claims is
/// checked against the API afterwards — a paused badge proves nothing unless the host really refuses new starts and the
/// audit trail holds the reason the ops lead typed.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class OpsConsoleTests(StudioFixture studio, ITestOutputHelper output)
{
    private readonly OpsApi _api = new(studio);

    [Fact]
    public async Task An_ops_lead_pauses_a_workflow_with_a_reason_and_resumes_it()
    {
        const string pauseReason = "Payment provider outage INC-4711: hold refunds";
        const string resumeReason = "Provider back; INC-4711 closed";
        // An instance already in flight: the agent has proposed and the instance waits for a person's decision.
        var inFlight = await _api.StartRefundAsync(30);
        await _api.WaitForAsync(inFlight, i => OpsApi.JournalHas(i, "propose", "waiting"), "waiting for the decision");

        try
        {
            await using var s = await studio.OpenAsync("oscar", "#/ops", output);
            var row = s.Page.Locator("tr[data-workflow='customer-refund']");
            await Expect(row.GetByText("accepting starts")).ToBeVisibleAsync();
            await s.ScreenshotAsync("ops-console");

            // Pause: the dialog will not confirm without a reason.
            await s.Page.GetByRole(AriaRole.Button, new() { Name = "Pause workflow Customer refund" }).ClickAsync();
            var dialog = s.Page.GetByRole(AriaRole.Dialog, new() { Name = "Pause workflow Customer refund" });
            await Expect(dialog).ToBeVisibleAsync();
            var confirm = dialog.GetByRole(AriaRole.Button, new() { Name = "Pause workflow" });
            await Expect(confirm).ToBeDisabledAsync();
            await dialog.GetByLabel("Reason").FillAsync("   ");
            await Expect(confirm).ToBeDisabledAsync(); // blank is not a reason
            await s.ScreenshotAsync("pause-dialog-reason-required");
            await dialog.GetByLabel("Reason").FillAsync(pauseReason);
            await Expect(confirm).ToBeEnabledAsync();
            await confirm.ClickAsync();
            await Expect(dialog).ToBeHiddenAsync();
            await Expect(row.GetByText("paused", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(row.GetByText(pauseReason, new() { Exact = false })).ToBeVisibleAsync();
            await s.ScreenshotAsync("workflow-paused");

            // The host agrees: a new start is refused, saying why; the hold and the audit trail carry the reason and who.
            var refused = await _api.TryStartAsync("customer-refund", new { orderId = "o-paused", amount = 10, reason = "arrived damaged" });
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains(pauseReason, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var holds = await _api.Oscar.GetFromJsonAsync<JsonObject>("/api/v1/operations/holds");
            var hold = holds!["items"]!.AsArray().Single(h => (string?)h!["workflowId"] == "customer-refund")!;
            Assert.Equal(pauseReason, (string?)hold["reason"]);
            Assert.Equal("oscar", (string?)hold["pausedBy"]);
            var paused = (await _api.AuditAsync("customer-refund", "workflow.paused")).Last()!;
            Assert.Equal(pauseReason, (string?)paused["reason"]);
            Assert.Equal("oscar", (string?)paused["actor"]);

            // The instance in flight gets its decision while the workflow is paused: it holds before its next step.
            await _api.DecideAsync(inFlight, "propose", _api.Approver, "approved", new { decision = new { amount = 30, policy = "full" } });
            var held = await _api.WaitForAsync(inFlight, i => OpsApi.Status(i, "paused"), "held by the workflow pause");
            Assert.Contains(pauseReason, (string?)held["holdReason"], StringComparison.Ordinal); // "workflow paused: <reason>"
            Assert.False(OpsApi.JournalHas(held, "refund", "completed"), "a paused workflow issued a refund");
            await s.Page.GetByLabel("Workflow", new() { Exact = true }).SelectOptionAsync("customer-refund");
            await Expect(s.Page.Locator($"tr[data-instance='{inFlight}']").GetByText("paused", new() { Exact = true })).ToBeVisibleAsync();
            await s.ScreenshotAsync("instance-held-by-the-pause");

            // Resume, again with a reason — this time by keyboard alone: Enter on the button, the reason field has focus,
            // Tab past Cancel to the confirm button, Enter.
            await s.Page.GetByRole(AriaRole.Button, new() { Name = "Resume workflow Customer refund" }).FocusAsync();
            await s.Page.Keyboard.PressAsync("Enter");
            dialog = s.Page.GetByRole(AriaRole.Dialog, new() { Name = "Resume workflow Customer refund" });
            await Expect(dialog.GetByLabel("Reason")).ToBeFocusedAsync();
            await s.Page.Keyboard.TypeAsync(resumeReason);
            await s.Page.Keyboard.PressAsync("Tab");
            await s.Page.Keyboard.PressAsync("Tab");
            await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Resume workflow" })).ToBeFocusedAsync();
            await s.Page.Keyboard.PressAsync("Enter");
            await Expect(dialog).ToBeHiddenAsync();
            await Expect(row.GetByText("accepting starts")).ToBeVisibleAsync();
            await s.ScreenshotAsync("workflow-resumed");

            // It runs again: the held instance continues to its refund, and a start is accepted and the instance executes its first node (the agent proposes, a person decides).
            var id = await _api.StartRefundAsync(25);
            var running = await _api.WaitForAsync(id, i => OpsApi.JournalHas(i, "propose", "waiting"), "propose run, waiting for the decision");
            Assert.Equal("waiting", (string?)running["status"]);
            await _api.WaitForAsync(inFlight, i => OpsApi.Status(i, "completed") && OpsApi.JournalHas(i, "refund", "completed"), "refunded after the resume");
            var resumed = (await _api.AuditAsync("customer-refund", "workflow.resumed")).Last()!;
            Assert.Equal(resumeReason, (string?)resumed["reason"]);
        }
        finally
        {
            // Never leave the shared host's refund workflow paused for the tests that follow (409 if already resumed).
            await _api.Oscar.PostAsJsonAsync("/api/v1/workflows/customer-refund/resume", new { reason = "test cleanup" });
        }
    }

    [Fact]
    public async Task A_refused_action_shows_the_servers_problem_in_the_dialog_and_keeps_the_typed_reason()
    {
        await using var s = await studio.OpenAsync("oscar", "#/ops", output);
        try
        {
            await s.Page.GetByRole(AriaRole.Button, new() { Name = "Pause workflow Invoice processing" }).ClickAsync();
            var dialog = s.Page.GetByRole(AriaRole.Dialog);
            await dialog.GetByLabel("Reason").FillAsync("Quarter-end freeze");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Pause workflow" }).ClickAsync();
            await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Resume workflow Invoice processing" })).ToBeVisibleAsync();

            // Another ops lead resumes it meanwhile; this page still offers Resume, and the host refuses the stale request.
            var other = await _api.Oscar.PostAsJsonAsync("/api/v1/workflows/invoice-processing/resume", new { reason = "resumed from the CLI by a colleague" });
            Assert.True(other.IsSuccessStatusCode, await other.Content.ReadAsStringAsync());
            await s.Page.GetByRole(AriaRole.Button, new() { Name = "Resume workflow Invoice processing" }).ClickAsync();
            dialog = s.Page.GetByRole(AriaRole.Dialog);
            const string typed = "Freeze lifted by finance";
            await dialog.GetByLabel("Reason").FillAsync(typed);
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Resume workflow" }).ClickAsync();
            var alert = dialog.GetByRole(AriaRole.Alert);
            await Expect(alert).ToContainTextAsync("Not applicable in the current state");
            await Expect(alert).ToContainTextAsync("HTTP 409");
            await Expect(alert).ToContainTextAsync("is not paused");
            await Expect(dialog.GetByLabel("Reason")).ToHaveValueAsync(typed); // nothing typed is lost
            // Behind the dialog the console has caught up with the colleague's resume.
            await Expect(s.Page.Locator("tr[data-workflow='invoice-processing']").GetByText("accepting starts")).ToBeVisibleAsync();
            await s.ScreenshotAsync("refused-resume-problem-shown");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Expect(dialog).ToBeHiddenAsync();
        }
        finally
        {
            // Leave the shared host as found: the sample workflow accepts starts.
            await _api.Oscar.PostAsJsonAsync("/api/v1/workflows/invoice-processing/resume", new { reason = "test cleanup" });
        }
    }

    [Fact]
    public async Task The_instance_view_highlights_the_executed_path_and_shows_journal_variables_and_actions()
    {
        // A refund too large for the automatic path: the agent proposes (shadow), alice decides, the route sends it to approval.
        var id = await _api.StartRefundAsync(480);
        await _api.DecideAsync(id, "propose", _api.Approver, "approved", new { decision = new { amount = 480, policy = "full" } });
        await _api.WaitForAsync(id, i => OpsApi.JournalHas(i, "approve", "waiting"), "waiting for the refund approval");

        await using var s = await studio.OpenAsync("oscar", $"#/ops/instances/{id}", output);
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Name = "Executed path" })).ToBeVisibleAsync();
        var node = (string nodeId) => s.Page.Locator($".react-flow__node[data-id='{nodeId}']");
        await Expect(node("propose")).ToHaveClassAsync(new Regex(@"\bis-executed\b"));
        await Expect(node("check_proposal")).ToHaveClassAsync(new Regex(@"\bis-executed\b"));
        await Expect(node("route")).ToHaveClassAsync(new Regex(@"\bis-executed\b"));
        await Expect(node("approve")).ToHaveClassAsync(new Regex(@"\bis-current\b"));
        await Expect(node("refund")).ToHaveClassAsync(new Regex(@"\bis-not-executed\b"));
        Assert.True(await s.Page.Locator(".react-flow__edge.edge-executed").CountAsync() >= 3, "the edges taken are highlighted");

        var journal = s.Page.GetByRole(AriaRole.Table, new() { Name = "Journal" });
        await Expect(journal.GetByRole(AriaRole.Rowheader, new() { Name = "check_proposal" })).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Name = "Variables" })).ToBeVisibleAsync();
        await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Resume…" })).ToBeDisabledAsync();   // not paused
        await Expect(s.Page.GetByRole(AriaRole.Button, new() { Name = "Compensate…" })).ToBeDisabledAsync(); // not finished
        await s.ScreenshotAsync("instance-executed-path");

        // Cancel from the instance view, with a reason; the instance ends cancelled.
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel…" }).ClickAsync();
        var dialog = s.Page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Reason").FillAsync("Duplicate request, customer confirmed by phone");
        await s.ScreenshotAsync("cancel-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel instance" }).ClickAsync();
        await _api.WaitForAsync(id, i => OpsApi.Status(i, "cancelled"), "cancelled");
        // No manual refresh: the page follows the instance until the engine has applied the cancel.
        await Expect(s.Page.GetByRole(AriaRole.Heading, new() { Level = 1 }).GetByText("cancelled")).ToBeVisibleAsync();
        // The reason reads as a cancel, not as an error, in the heading and in the journal's last row.
        await Expect(s.Page.GetByText("Cancelled: Duplicate request, customer confirmed by phone")).ToBeVisibleAsync();
        await Expect(journal.Locator("tbody tr").Last).ToContainTextAsync("cancelled");
        await Expect(journal.Locator("tbody tr").Last).Not.ToContainTextAsync("error");
        await s.ScreenshotAsync("instance-cancelled");
    }

    [Fact]
    public async Task Bulk_cancel_of_selected_and_of_all_matching_instances_shows_progress_to_100_percent()
    {
        // Five briefs wait for a marketer's approval of the agent's draft.
        var ids = new List<Guid>();
        for (var n = 0; n < 5; n++)
            ids.Add(await _api.StartAsync("campaign-brief", new { product = $"Lamp {n}", audience = "designers", goal = "launch", budget = 20000 }));
        foreach (var id in ids) await _api.WaitForAsync(id, i => OpsApi.Status(i, "waiting"), "waiting for the draft review");

        await using var s = await studio.OpenAsync("oscar", "#/ops", output);
        await s.Page.GetByLabel("Workflow", new() { Exact = true }).SelectOptionAsync("campaign-brief");
        await s.Page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("waiting");
        foreach (var id in ids) await Expect(s.Page.Locator($"tr[data-instance='{id}']")).ToBeVisibleAsync();

        // 1. Tick two instances and cancel just those.
        await s.Page.GetByLabel($"Select instance {ids[0]}").CheckAsync();
        await s.Page.GetByLabel($"Select instance {ids[1]}").CheckAsync();
        await s.Page.GetByLabel("Operation").SelectOptionAsync("cancel");
        await s.ScreenshotAsync("two-selected");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel 2 selected…" }).ClickAsync();
        var dialog = s.Page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Reason").FillAsync("Campaign withdrawn by marketing");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel instances" }).ClickAsync();
        var progress = s.Page.GetByRole(AriaRole.Group, new() { Name = "Cancel progress" });
        await Expect(progress.GetByText("2 of 2 processed (100%)", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(progress.Locator("progress")).ToHaveAttributeAsync("value", "100");
        await s.ScreenshotAsync("selected-cancel-100-percent");
        foreach (var id in ids.Take(2)) await _api.WaitForAsync(id, i => OpsApi.Status(i, "cancelled"), "cancelled");
        // The list follows the engine applying the cancel: the two leave the "waiting" filter without a manual refresh.
        foreach (var id in ids.Take(2)) await Expect(s.Page.Locator($"tr[data-instance='{id}']")).ToHaveCountAsync(0);
        await progress.GetByRole(AriaRole.Button, new() { Name = "Dismiss" }).ClickAsync();

        // 2. Everything still matching the filter (workflow campaign-brief, status waiting), by the server's bulk operation.
        var matching = (await _api.Oscar.GetFromJsonAsync<JsonObject>("/api/v1/instances?workflow=campaign-brief&status=waiting&limit=500"))!["items"]!.AsArray().Count;
        Assert.True(matching >= 3, $"the three remaining briefs still wait (saw {matching})");
        await s.Page.GetByLabel("Every instance matching the filter").CheckAsync();
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel all matching…" }).ClickAsync();
        dialog = s.Page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByText("workflow = campaign-brief, status = waiting")).ToBeVisibleAsync();
        await dialog.GetByLabel("Reason").FillAsync("Spring campaign cancelled");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel instances" }).ClickAsync();
        await Expect(progress.GetByText($"{matching} of {matching} processed (100%)", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(progress.GetByText("done.", new() { Exact = false })).ToBeVisibleAsync();
        await s.ScreenshotAsync("matching-cancel-100-percent");

        foreach (var id in ids.Skip(2)) await _api.WaitForAsync(id, i => OpsApi.Status(i, "cancelled"), "cancelled by the bulk operation");
        await Expect(s.Page.GetByText("No instances match.")).ToBeVisibleAsync();
        await s.ScreenshotAsync("after-bulk-cancel");
    }
}
