using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static AgentRuntime.Browser.Tests.Designer.DesignerPageParts;

namespace AgentRuntime.Browser.Tests.Designer;

/// <summary>
/// Functional: the node property panel edits an approval's form and an action's compensation through forms (no JSON
/// text), and renaming a node rewrites every expression that reads it. If this fails, a designer is back to typing JSON,
/// or a rename leaves expressions reading a node that no longer exists (null at run time).
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class NodeFormsTests(StudioFixture studio, ITestOutputHelper output)
{
    [Fact]
    public async Task A_designer_fills_an_approval_form_and_a_compensation_renames_the_approval_and_the_server_stores_it_all()
    {
        // An approval whose output an action, a notification, a variable and the outcome measure read; no form, no
        // compensation yet. The literal texts 'outputs.review' must survive the rename: they are text, not reads.
        var id = UniqueId("node-forms");
        using var api = studio.Api("dana");
        var yaml = $$$"""
            id: {{{id}}}
            name: Node forms
            boundary:
              allowedActions:
                - issue-refund
                - reverse-refund
            variables:
              decision: "coalesce(outputs.review.outcome, 'outputs.review')"
            outcome:
              metric: refunded
              target: 1
              measure: "outputs['review'].outcome == 'approved' ? 1 : 0"
            flowchart:
              start: review
              nodes:
                - id: review
                  type: approval
                  inputs:
                    title: "Refund {{ input.orderId }}"
                    data: input
                    role: refund-approver
                - id: refund
                  type: action
                  inputs:
                    action: issue-refund
                    connector: record
                    input:
                      amount: outputs.review.data.amount
                - id: tell
                  type: notify
                  inputs:
                    message: "Refund {{ outputs.review.outcome }} (see outputs.review)"
                - id: done
                  type: end
              edges:
                - from: review.approved
                  to: refund
                - from: review.rejected
                  to: tell
                - from: refund.done
                  to: tell
                - from: tell.done
                  to: done

            """;
        var created = await api.PostAsync($"/api/v1/workflows?publish=false&fileName={id}.yaml", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        output.WriteLine(await created.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var s = await studio.OpenAsync("dana", $"#/designer/w/{id}", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: Node forms" })).ToBeVisibleAsync();

        // The approval's form: rows, not JSON. The first field is added from the keyboard (Enter in the name box).
        await Node(page, "review").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Approval review" })).ToBeVisibleAsync();
        var form = Group(page, "Form");
        await Expect(form).ToBeVisibleAsync();
        await Expect(form.Locator("textarea")).ToHaveCountAsync(0); // no JSON text area
        await form.GetByLabel("New form field name").FillAsync("amount");
        await form.GetByLabel("New form field name").PressAsync("Enter");
        var amount = Group(page, "Form field amount");
        await amount.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("number");
        await amount.GetByLabel("Required", new() { Exact = true }).CheckAsync();
        await amount.GetByLabel("Label", new() { Exact = true }).FillAsync("Amount to refund");
        await amount.GetByLabel("Minimum", new() { Exact = true }).FillAsync("0");
        await form.GetByLabel("New form field name").FillAsync("note");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add form field" }).ClickAsync();
        var note = Group(page, "Form field note");
        await note.GetByLabel("Label", new() { Exact = true }).FillAsync("Note to the customer");
        // Taken names are refused with the reason, and nothing changes.
        await form.GetByLabel("New form field name").FillAsync("amount");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add form field" }).ClickAsync();
        await Expect(form.GetByRole(AriaRole.Alert)).ToContainTextAsync("A form field 'amount' already exists.");
        await form.GetByLabel("New form field name").FillAsync("");
        // Reorder from the keyboard: the note goes first, which is the order the approver will see.
        await page.GetByRole(AriaRole.Button, new() { Name = "Move form field note up" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(form.Locator("ol.row-list > li").First.GetByRole(AriaRole.Group)).ToHaveAccessibleNameAsync("Form field note");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Move form field note down" })).ToBeFocusedAsync(); // focus follows the field
        await form.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("approval-form-fields");

        // The action's compensation: a small form. Half filled, the server's "connector is required" shows in it.
        await Node(page, "refund").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Action refund" })).ToBeVisibleAsync();
        var compensation = Group(page, "Compensation");
        await Expect(page.Locator(".node-problems")).ToContainTextAsync("AR404"); // no compensation yet: readiness warns
        await compensation.GetByLabel("Compensation action").FillAsync("reverse-refund");
        await Expect(compensation.Locator(".field-problems")).ToContainTextAsync("'connector' is required here");
        await compensation.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("compensation-half-filled-server-asks-for-connector");
        await compensation.GetByLabel("Compensation connector").FillAsync("record");
        await compensation.GetByLabel("New compensation input field name").FillAsync("refundId");
        await compensation.GetByRole(AriaRole.Button, new() { Name = "Add field" }).ClickAsync();
        await compensation.GetByRole(AriaRole.Textbox, new() { Name = "refundId =" }).FillAsync("outputs.refund.id");
        await compensation.GetByLabel("New compensation input field name").FillAsync("approvedAmount");
        await compensation.GetByRole(AriaRole.Button, new() { Name = "Add field" }).ClickAsync();
        await compensation.GetByRole(AriaRole.Textbox, new() { Name = "approvedAmount =" }).FillAsync("outputs.review.data.amount");
        await Expect(compensation.GetByText("✓ valid expression")).ToHaveCountAsync(2);
        await Expect(compensation.Locator(".field-problems")).ToHaveCountAsync(0);
        await Expect(page.Locator(".node-problems")).ToHaveCountAsync(0);
        await s.ScreenshotAsync("compensation-filled");

        // Rename the approval: a taken id is refused with the reason; then 'approve' rewrites every read of it.
        await Node(page, "review").ClickAsync();
        var nodeId = page.GetByLabel("Node id");
        await nodeId.FillAsync("refund");
        await nodeId.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("A node 'refund' already exists.");
        await s.ScreenshotAsync("rename-to-taken-id-refused");
        await nodeId.FillAsync("approve");
        await nodeId.PressAsync("Enter");
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Renamed 'review' to 'approve': 5 reads of its output rewritten.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Approval approve" })).ToBeVisibleAsync();
        await Expect(Group(page, "Form field amount")).ToBeVisibleAsync(); // the form moved with the node
        await Node(page, "tell").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Textbox, new() { NameRegex = new("^message") })).ToHaveValueAsync("Refund {{ outputs.approve.outcome }} (see outputs.review)");
        await Expect(page.GetByText("✓ valid template")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("checking");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");
        await s.ScreenshotAsync("renamed-reads-rewritten");

        // Save: the server writes and stores the file.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Saved draft version 2 (not published)");
        await s.ScreenshotAsync("saved-version-2");
        var version = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/2"))!;
        var stored = (string)version["sourceText"]!;
        output.WriteLine(stored);
        output.WriteLine(version["version"]?["warnings"]?.ToJsonString() ?? "(no warnings)");

        Assert.Contains("""
                    form:
                      note:
                        type: string
                        label: Note to the customer
                      amount:
                        type: number
                        required: true
                        label: Amount to refund
                        minimum: 0
            """.Replace("\r\n", "\n", StringComparison.Ordinal), stored, StringComparison.Ordinal);
        Assert.Contains("""
                    compensation:
                      action: reverse-refund
                      connector: record
                      input:
                        refundId: outputs.refund.id
                        approvedAmount: outputs.approve.data.amount
            """.Replace("\r\n", "\n", StringComparison.Ordinal), stored, StringComparison.Ordinal);
        Assert.Contains("  start: approve\n", stored, StringComparison.Ordinal);
        Assert.Contains("    - id: approve\n      type: approval\n", stored, StringComparison.Ordinal);
        Assert.Contains("amount: outputs.approve.data.amount\n", stored, StringComparison.Ordinal);
        Assert.Contains("coalesce(outputs.approve.outcome, 'outputs.review')", stored, StringComparison.Ordinal); // the literal stays
        Assert.Contains("outputs['approve'].outcome == 'approved' ? 1 : 0", stored, StringComparison.Ordinal);
        Assert.Contains("Refund {{ outputs.approve.outcome }} (see outputs.review)", stored, StringComparison.Ordinal);
        Assert.Contains("- from: approve.approved\n", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("id: review", stored, StringComparison.Ordinal);

        // The server has nothing to say about the form, the compensation or the renamed reads: no stored warning is
        // about them (the missing owner and the like are about other sections), and its expression check, told the
        // node ids, finds every rewritten read valid (a read of the old id would be EXPR109, unknown node).
        var warnings = version["version"]?["warnings"]?.AsArray() ?? [];
        Assert.DoesNotContain(warnings, w => ((string?)w?["path"] ?? "").StartsWith("$.flowchart", StringComparison.Ordinal) || (string?)w?["code"] == "AR404");
        var nodeIds = new JsonArray("approve", "refund", "tell", "done");
        foreach (var (text, kind) in new[]
                 {
                     ("outputs.approve.data.amount", "expression"),
                     ("coalesce(outputs.approve.outcome, 'outputs.review')", "expression"),
                     ("outputs['approve'].outcome == 'approved' ? 1 : 0", "expression"),
                     ("Refund {{ outputs.approve.outcome }} (see outputs.review)", "template"),
                 })
        {
            var check = await api.PostAsJsonAsync("/api/v1/expressions/check", new JsonObject { ["expression"] = text, ["kind"] = kind, ["nodeIds"] = nodeIds.DeepClone() });
            var result = (await check.Content.ReadFromJsonAsync<JsonNode>())!;
            Assert.True((bool)result["ok"]!, $"{text}: {result.ToJsonString()}");
        }
        var stale = await api.PostAsJsonAsync("/api/v1/expressions/check", new JsonObject { ["expression"] = "outputs.review.data.amount", ["nodeIds"] = nodeIds.DeepClone() });
        Assert.False((bool)(await stale.Content.ReadFromJsonAsync<JsonNode>())!["ok"]!); // the check does catch a stale read

        // Reopened, the forms show what was stored.
        await page.ReloadAsync();
        await Node(page, "approve").ClickAsync();
        await Expect(Group(page, "Form field amount").GetByLabel("Type", new() { Exact = true })).ToHaveValueAsync("number");
        await Node(page, "refund").ClickAsync();
        await Expect(Group(page, "Compensation").GetByLabel("Compensation action")).ToHaveValueAsync("reverse-refund");
        await s.ScreenshotAsync("reopened");
    }

    [Fact]
    public async Task Customer_refund_shows_its_form_and_compensation_in_forms_and_a_rename_leaves_no_stale_read()
    {
        // The shipped file: its approval form and its compensation appear as forms, not JSON; looking changes nothing.
        using var api = studio.Api("dana");
        await using var s = await studio.OpenAsync("dana", "#/designer/w/customer-refund", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: Customer refund" })).ToBeVisibleAsync();
        await Node(page, "approve").ClickAsync();
        var amount = Group(page, "Form field amount");
        await Expect(amount.GetByLabel("Type", new() { Exact = true })).ToHaveValueAsync("number");
        await Expect(amount.GetByLabel("Required", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(amount.GetByLabel("Label", new() { Exact = true })).ToHaveValueAsync("Amount to refund");
        await amount.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("customer-refund-approval-form");
        await Node(page, "refund").ClickAsync();
        var compensation = Group(page, "Compensation");
        await Expect(compensation.GetByLabel("Compensation action")).ToHaveValueAsync("reverse-refund");
        await Expect(compensation.GetByLabel("Compensation connector")).ToHaveValueAsync("record");
        await Expect(compensation.GetByRole(AriaRole.Textbox, new() { Name = "refundId =" })).ToHaveValueAsync("outputs.refund.id");
        await compensation.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("customer-refund-compensation");
        await Expect(page.GetByText("unsaved changes")).ToHaveCountAsync(0); // showing the forms edited nothing

        // Renaming the approval: the refund's amount reads it three times; each read is rewritten, and the field's
        // server check (which knows the node ids, so a stale read is EXPR109) finds the expression valid.
        await Node(page, "approve").ClickAsync();
        await page.GetByLabel("Node id").FillAsync("approval");
        await page.GetByLabel("Node id").PressAsync("Enter");
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Renamed 'approve' to 'approval'");
        await Node(page, "refund").ClickAsync();
        var refundAmount = page.GetByRole(AriaRole.Textbox, new() { Name = "amount =" });
        await Expect(refundAmount).ToHaveValueAsync("has(outputs.approval) && outputs.approval.outcome == 'approved' ? outputs.approval.data.amount : outputs.propose.result.amount");
        await Expect(refundAmount.Locator("xpath=ancestor::div[contains(@class,'expression-field')]")).ToContainTextAsync("✓ valid expression");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("checking");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");
        await s.ScreenshotAsync("customer-refund-renamed");
        // Not saved: the other designer tests expect the shipped file to be the latest version.
    }
}
