using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static AgentRuntime.Browser.Tests.Designer.DesignerPageParts;

namespace AgentRuntime.Browser.Tests.Designer;

/// <summary>
/// Functional: the designer's governance metadata is edited through forms (a probe per data source, audit criteria as
/// rows, the escalation, input fields as rows), and what the server stores is exactly what was filled in. If this
/// fails, a process owner is back to typing JSON into text areas, or the file the server keeps is not what they saw.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class GovernanceFormsTests(StudioFixture studio, ITestOutputHelper output)
{
    private static async Task OpenSectionAsync(IPage page, string key)
    {
        var section = page.Locator($"#designer-section-{key}");
        if (await section.GetAttributeAsync("open") is null) await section.Locator("> summary").ClickAsync();
        await Expect(section).ToHaveAttributeAsync("open", "");
    }

    [Fact]
    public async Task A_designer_fills_a_sql_probe_two_criteria_an_escalation_and_an_input_field_and_the_server_stores_them()
    {
        // A workflow without governance, stored as version 1 (the flowchart is not what this test is about).
        var id = UniqueId("governed");
        using var api = studio.Api("dana");
        var yaml = $"id: {id}\nname: Governed\nflowchart:\n  nodes:\n    - id: done\n      type: end\n";
        var created = await api.PostAsync($"/api/v1/workflows?publish=false&fileName={id}.yaml", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var s = await studio.OpenAsync("dana", $"#/designer/w/{id}", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: Governed" })).ToBeVisibleAsync();

        // Data source with a sql probe: choosing the kind shows that kind's fields, and the server's "needs a connection"
        // appears under the connection field, not as JSON text somewhere.
        await OpenSectionAsync(page, "dataSources");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add data source" }).ClickAsync();
        await Group(page, "Data source source-1").GetByLabel("Data source id").FillAsync("orders");
        var source = Group(page, "Data source orders");
        await source.GetByLabel("Freshness (maximum age)").FillAsync("1h");
        await source.GetByLabel("Probe kind").SelectOptionAsync("sql");
        var connection = source.GetByLabel("Connection name");
        await Expect(connection).ToBeVisibleAsync();
        await Expect(source.GetByLabel("URL")).ToHaveCountAsync(0); // an http field is not offered for sql
        var connectionField = source.Locator(".field").Filter(new() { Has = page.GetByLabel("Connection name") });
        await Expect(connectionField.Locator(".field-problems")).ToContainTextAsync("needs 'connection'");
        await source.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("sql-probe-chosen-server-asks-for-connection");
        await connection.FillAsync("orders");
        await source.GetByLabel("Query").FillAsync("SELECT max(updated_at) AS last_updated, count(*) AS row_count FROM orders");
        await source.GetByLabel("Minimum row count").FillAsync("1");
        await Expect(connectionField.Locator(".field-problems")).ToHaveCountAsync(0);
        await Expect(source.Locator(".field-problems")).ToHaveCountAsync(0);
        await s.ScreenshotAsync("sql-probe-filled");

        // Audit protocol: schedule, sampling, stratified by agent, two criteria (the second moved up), an escalation.
        await OpenSectionAsync(page, "auditProtocol");
        await page.GetByLabel("Audit cron").FillAsync("0 0 9 ? * MON-FRI");
        await page.GetByLabel("Sampling rate").FillAsync("0.2");
        await Group(page, "Stratify by").GetByLabel("agent").CheckAsync();
        await page.GetByLabel("Reviewer role").FillAsync("refund-auditor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add criterion" }).ClickAsync();
        await page.GetByLabel("Criterion 1 id").FillAsync("amount-correct");
        await page.GetByLabel("Criterion 1 description").FillAsync("The refunded amount matches the order.");
        // Keyboard: focus the add button and press Enter.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add criterion" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.GetByLabel("Criterion 2 id").FillAsync("policy-followed");
        await page.GetByLabel("Criterion 2 description").FillAsync("The reason qualifies under the refund policy.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move criterion 2 up" }).ClickAsync();
        await Expect(page.GetByLabel("Criterion 1 id")).ToHaveValueAsync("policy-followed");
        var escalation = Group(page, "Escalation");
        await escalation.GetByLabel("Failure rate threshold").FillAsync("0.1");
        await escalation.GetByLabel("Minimum reviews").FillAsync("5");
        await escalation.GetByLabel("Escalation action").SelectOptionAsync("pause");
        await escalation.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("audit-criteria-and-escalation");

        // Input field: added from the keyboard (Enter in the name box), typed, required, with a range.
        await OpenSectionAsync(page, "data");
        await page.GetByLabel("New input field name").FillAsync("amount");
        await page.GetByLabel("New input field name").PressAsync("Enter");
        var amount = Group(page, "Input field amount");
        await amount.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("number");
        await amount.GetByLabel("Required", new() { Exact = true }).CheckAsync();
        await amount.GetByLabel("Description", new() { Exact = true }).FillAsync("The amount asked for.");
        await amount.GetByLabel("Minimum", new() { Exact = true }).FillAsync("0");
        await amount.GetByLabel("Maximum", new() { Exact = true }).FillAsync("500");
        // A range the server refuses shows beside the field, and the fix clears it.
        await amount.GetByLabel("Minimum", new() { Exact = true }).FillAsync("900");
        await Expect(amount.Locator(".field-problems")).ToContainTextAsync("larger than maximum");
        await amount.ScrollIntoViewIfNeededAsync();
        await s.ScreenshotAsync("input-field-range-refused");
        await amount.GetByLabel("Minimum", new() { Exact = true }).FillAsync("0");
        await Expect(amount.Locator(".field-problems")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("checking");
        await s.ScreenshotAsync("input-field-filled");

        // Save: the server writes the file; what it stored holds every form's values, in its own format.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Saved draft version 2 (not published)");
        await s.ScreenshotAsync("saved-version-2");
        var stored = (string)(await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/2"))!["sourceText"]!;
        output.WriteLine(stored);
        Assert.Contains("""
            dataSources:
              - id: orders
                freshness: 1h
                probe:
                  kind: sql
                  connection: orders
                  query: SELECT max(updated_at) AS last_updated, count(*) AS row_count FROM orders
                  minCount: 1
            auditProtocol:
              cron: 0 0 9 ? * MON-FRI
              sampling:
                rate: 0.2
                stratifyBy:
                  - agent
              reviewerRole: refund-auditor
              criteria:
                - id: policy-followed
                  description: The reason qualifies under the refund policy.
                - id: amount-correct
                  description: The refunded amount matches the order.
              escalation:
                failureRateThreshold: 0.1
                minReviews: 5
                action: pause

            """.Replace("\r\n", "\n", StringComparison.Ordinal), stored, StringComparison.Ordinal);
        Assert.Contains("""
            input:
              fields:
                amount:
                  type: number
                  required: true
                  description: The amount asked for.
                  minimum: 0
                  maximum: 500

            """.Replace("\r\n", "\n", StringComparison.Ordinal), stored, StringComparison.Ordinal);

        // Reopened, the forms show what was stored (not JSON): the probe's fields, the criteria rows, the action.
        await page.ReloadAsync();
        await OpenSectionAsync(page, "dataSources");
        await Expect(Group(page, "Data source orders").GetByLabel("Probe kind")).ToHaveValueAsync("sql");
        await Expect(Group(page, "Data source orders").GetByLabel("Connection name")).ToHaveValueAsync("orders");
        await OpenSectionAsync(page, "auditProtocol");
        await Expect(page.GetByLabel("Criterion 2 id")).ToHaveValueAsync("amount-correct");
        await Expect(Group(page, "Escalation").GetByLabel("Escalation action")).ToHaveValueAsync("pause");

        // Clearing the escalation and removing the criteria removes them from the file, leaving no empty keys behind.
        await Group(page, "Escalation").GetByLabel("Failure rate threshold").FillAsync("");
        await Group(page, "Escalation").GetByLabel("Minimum reviews").FillAsync("");
        await Group(page, "Escalation").GetByLabel("Escalation action").SelectOptionAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove criterion 2" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove criterion 1" }).ClickAsync();
        await Expect(page.GetByLabel("Criterion 1 id")).ToHaveCountAsync(0);
        await s.ScreenshotAsync("escalation-and-criteria-cleared");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Saved draft version 3");
        var cleared = (string)(await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/3"))!["sourceText"]!;
        Assert.DoesNotContain("escalation", cleared, StringComparison.Ordinal);
        Assert.DoesNotContain("criteria", cleared, StringComparison.Ordinal);
        Assert.Contains("  reviewerRole: refund-auditor\ninput:\n", cleared, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_customer_refund_in_the_designer_and_saving_it_unchanged_stores_no_new_version()
    {
        using var api = studio.Api("dana");
        var before = (await api.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
        var latest = (int)before["latestVersion"]!;

        // The earlier form of designer link (`#/designer/<id>`, before `#/designer/w/<id>`) still opens the workflow.
        await using var s = await studio.OpenAsync("dana", "#/designer/customer-refund", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: Customer refund" })).ToBeVisibleAsync();

        // The file's governance shows in the forms.
        await OpenSectionAsync(page, "dataSources");
        var orders = Group(page, "Data source orders");
        await Expect(orders.GetByLabel("Probe kind")).ToHaveValueAsync("sql");
        await Expect(orders.GetByLabel("Query")).ToHaveValueAsync(new Regex("^SELECT max\\(updated_at\\)"));
        await Expect(orders.GetByLabel("Probe schedule (cron)")).ToHaveValueAsync("0 */15 * ? * *");
        await OpenSectionAsync(page, "auditProtocol");
        await Expect(page.GetByLabel("Criterion 3 id")).ToHaveValueAsync("rationale-sound");
        await Expect(Group(page, "Stratify by").GetByLabel("agent")).ToBeCheckedAsync();
        await Expect(Group(page, "Stratify by").GetByLabel("outcome")).ToBeCheckedAsync();
        await Expect(Group(page, "Escalation").GetByLabel("Escalation action")).ToHaveValueAsync("demote");
        await OpenSectionAsync(page, "data");
        await Expect(Group(page, "Input field amount").GetByLabel("Minimum", new() { Exact = true })).ToHaveValueAsync("0");
        await Expect(Group(page, "Input field orderId").GetByLabel("Required", new() { Exact = true })).ToBeCheckedAsync();
        await s.ScreenshotAsync("customer-refund-governance-forms");

        // Saved unchanged: the server finds nothing new (the layout the designer computed is not a change).
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).Not.ToContainTextAsync("Saving");
        var status = await page.GetByTestId("designer-status").InnerTextAsync();
        if (!status.Contains("No changes", StringComparison.Ordinal)) // the new version's text shows what moved
            output.WriteLine("Stored although unchanged:\n" + (string)(await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/customer-refund/versions/{latest + 1}"))!["sourceText"]!);
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync($"No changes since version {latest}");
        await s.ScreenshotAsync("saved-unchanged");
        var after = (await api.GetFromJsonAsync<JsonNode>("/api/v1/workflows/customer-refund"))!;
        Assert.Equal(latest, (int)after["latestVersion"]!);
        var text = (string)(await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/customer-refund/versions/{latest}"))!["sourceText"]!;
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(AgentRuntime.Testing.RepoPaths.Workflows, "customer-refund.yaml")), text);
    }

    [Theory]
    [InlineData("invoice-processing")]
    [InlineData("campaign-brief")]
    public async Task Opening_another_sample_workflow_and_saving_it_unchanged_stores_no_new_version(string id)
    {
        // The other shipped files: an http probe (campaign-brief), other input fields and node inputs, same promise.
        using var api = studio.Api("dana");
        var latest = (int)(await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}"))!["latestVersion"]!;
        await using var s = await studio.OpenAsync("dana", $"#/designer/w/{id}", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await Expect(page.Locator(".react-flow__node").First).ToBeVisibleAsync();
        await OpenSectionAsync(page, "dataSources");
        await s.ScreenshotAsync("opened");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync($"No changes since version {latest}");
        Assert.Equal(latest, (int)(await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}"))!["latestVersion"]!);
    }
}
