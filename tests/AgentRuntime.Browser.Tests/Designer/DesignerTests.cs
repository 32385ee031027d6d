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
/// Functional: the visual designer in Chromium against the real host. A designer builds a workflow from an empty canvas
/// by drag and drop, fixes the problem the server reports, publishes, and the engine runs what was published. If this
/// fails, a process designer cannot author a workflow without writing YAML by hand.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class DesignerTests(StudioFixture studio, ITestOutputHelper output)
{
    private static async Task DragFromPaletteAsync(IPage page, string displayName, float x, float y)
    {
        var item = page.GetByRole(AriaRole.Button, new() { Name = $"Add {displayName} to canvas" });
        var pane = page.Locator(".designer-canvas .react-flow__pane");
        await item.DragToAsync(pane, new() { TargetPosition = new() { X = x, Y = y } });
    }

    private static async Task ConnectAsync(IPage page, string source, string port, string target)
    {
        var handle = Node(page, source).Locator($".react-flow__handle[data-handleid='port:{port}']");
        var into = Node(page, target).Locator(".react-flow__handle[data-handleid='in']");
        await handle.DragToAsync(into);
    }

    [Fact]
    public async Task A_designer_builds_a_workflow_by_drag_and_drop_fixes_the_reported_problem_publishes_and_the_server_runs_it()
    {
        var id = UniqueId("greeting");
        await using var s = await studio.OpenAsync("dana", "#/workflows", output);
        var page = s.Page;
        LogClientErrors(page, output);

        // From the list: "New workflow" opens an empty canvas.
        await page.Locator(".page-heading").GetByRole(AriaRole.Link, new() { Name = "New workflow" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#/designer/new$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: New workflow" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Drag a node type from the palette here")).ToBeVisibleAsync();
        await page.GetByLabel("Workflow id").FillAsync(id);
        await page.GetByLabel("Workflow name").FillAsync("Designed greeting");
        await s.ScreenshotAsync("empty-canvas");

        // Drag two node types from the palette (the server's activity catalog) onto the canvas, and connect them.
        await DragFromPaletteAsync(page, "Notify", 260, 180);
        await Expect(Node(page, "notify")).ToBeVisibleAsync();
        await DragFromPaletteAsync(page, "End", 700, 200);
        await Expect(Node(page, "end")).ToBeVisibleAsync();
        await s.ScreenshotAsync("two-nodes-dropped");
        await ConnectAsync(page, "notify", "done", "end");
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);

        // The server reports the notify node's missing message; clicking the problem selects the node.
        var problem = page.Locator(".problem-item[data-node-id='notify']").Filter(new() { HasText = "AR208" });
        await Expect(problem).ToBeVisibleAsync();
        await Expect(page.GetByTestId("problem-summary")).ToContainTextAsync("1 error");
        await s.ScreenshotAsync("connected-problem-reported");
        await problem.ClickAsync();
        await Expect(Node(page, "notify").Locator(".activity-node")).ToHaveClassAsync(new Regex("is-selected"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Notify notify" })).ToBeVisibleAsync();
        await s.ScreenshotAsync("problem-clicked-node-selected");

        // Fix it in the property panel; the expression editor's server check says the template is valid.
        await page.GetByRole(AriaRole.Textbox, new() { NameRegex = new Regex("^message") }).FillAsync("Hello {{ input.name }}");
        await Expect(page.GetByText("✓ valid template")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");

        // The end node's output: one field from an expression (checked as typed: first a mistake, then the fix).
        await Node(page, "end").ClickAsync();
        await page.GetByLabel("New output field name").FillAsync("greeting");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add field" }).ClickAsync();
        var expression = page.GetByRole(AriaRole.Textbox, new() { NameRegex = new Regex("^greeting =") });
        await expression.FillAsync("'Hello, ' + ");
        await Expect(page.Locator(".expression-problem")).ToContainTextAsync("column");
        await s.ScreenshotAsync("expression-checked-as-typed");
        await expression.FillAsync("'Hello, ' + input.name");
        await Expect(page.GetByText("✓ valid expression")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("checking");
        await s.ScreenshotAsync("problem-fixed");

        // Publish: the server stores the YAML it wrote and makes it the published version.
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync($"Published version 1 of {id}");
        await Expect(page).ToHaveURLAsync(new Regex($"#/designer/w/{id}$"));
        await page.GetByRole(AriaRole.Tab, new() { Name = "Versions" }).ClickAsync();
        await Expect(page.Locator(".version-list")).ToContainTextAsync("published");
        await Expect(page.Locator(".version-list")).ToContainTextAsync("dana");
        await s.ScreenshotAsync("published");

        // The server runs it.
        using var api = studio.Api("dana");
        var version = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/1"))!;
        Assert.Equal("published", (string?)version["version"]!["status"]);
        Assert.StartsWith("# yaml-language-server: $schema=./workflow.schema.json\nid: " + id + "\n", (string)version["sourceText"]!, StringComparison.Ordinal);

        var started = await api.PostAsync($"/api/v1/workflows/{id}/instances?mode=inline",
            new StringContent("""{"name":"Ada"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var instanceId = (string)(await started.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        JsonNode instance = null!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            instance = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/instances/{instanceId}"))!;
            if ((string?)instance["status"] is "completed" or "failed") break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal("completed", (string?)instance["status"]);
        Assert.Equal("Hello, Ada", (string?)instance["output"]!["greeting"]);
    }

    [Fact]
    public async Task A_failed_save_loses_nothing_and_version_history_shows_a_visual_diff_and_reverts()
    {
        var id = UniqueId("drafts");
        await using var s = await studio.OpenAsync("dana", "#/designer/new", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await page.GetByLabel("Workflow id").FillAsync(id);
        await page.GetByLabel("Workflow name").FillAsync("Drafts and versions");

        // Keyboard path: focus a palette item, press Enter.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Notify to canvas" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(Node(page, "notify")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add End to canvas" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(Node(page, "end")).ToBeVisibleAsync();
        await Node(page, "notify").ClickAsync();
        await page.GetByLabel(new Regex("^done")).SelectOptionAsync("end"); // connect without a mouse
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);

        // Save with an error: the server refuses it and says why; the draft stays on the canvas and in the browser.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.Locator(".designer-error")).ToContainTextAsync("The workflow definition is invalid");
        await Expect(page.Locator(".designer-error")).ToContainTextAsync("Your draft is unchanged");
        await Expect(Node(page, "notify")).ToBeVisibleAsync();
        await s.ScreenshotAsync("failed-save-keeps-the-draft");
        await page.ReloadAsync();
        await Expect(page.GetByText("This browser kept an unsaved draft")).ToBeVisibleAsync();
        await s.ScreenshotAsync("reopened-offers-the-kept-draft");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore it" }).ClickAsync();
        await Expect(Node(page, "notify")).ToBeVisibleAsync();
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);

        // Move the end node with the mouse: where it lands is saved with the draft.
        var box = (await Node(page, "end").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + 20);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + 170, new() { Steps = 8 });
        await page.Mouse.UpAsync();

        // Fix and save a draft: stored, not published.
        await Node(page, "notify").ClickAsync();
        await page.GetByRole(AriaRole.Textbox, new() { NameRegex = new Regex("^message") }).FillAsync("First text");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Saved draft version 1 (not published)");
        using var api = studio.Api("dana");
        var detail = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}"))!;
        Assert.Null((int?)detail["publishedVersion"]);
        var saved = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/1"))!["definition"]!["flowchart"]!["nodes"]!.AsArray();
        var endY = (int)saved.Single(n => (string?)n!["id"] == "end")!["position"]!["y"]!;
        var notifyY = (int)saved.Single(n => (string?)n!["id"] == "notify")!["position"]!["y"]!;
        Assert.True(endY >= notifyY + 100, $"the dragged end node was saved at y={endY}, notify at y={notifyY}");

        // Change it and save version 2; then, unsaved, route to a new fail node instead of the end node.
        await page.GetByRole(AriaRole.Textbox, new() { NameRegex = new Regex("^message") }).FillAsync("Second text");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Saved draft version 2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Fail to canvas" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(Node(page, "fail")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Textbox, new() { NameRegex = new Regex("^reason") }).FillAsync("Stopped on purpose");
        await Node(page, "notify").ClickAsync();
        await page.GetByLabel(new Regex("^done")).SelectOptionAsync("fail");
        await Node(page, "end").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete node" }).ClickAsync();
        await Expect(Node(page, "end")).ToHaveCountAsync(0);

        // Compare with version 1: changed, added and removed nodes are marked on the canvas, and each property is listed.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Versions" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare v1 with draft" }).ClickAsync();
        await Expect(Node(page, "notify").Locator(".activity-node")).ToHaveClassAsync(new Regex("diff-changed"));
        await Expect(Node(page, "fail").Locator(".activity-node")).ToHaveClassAsync(new Regex("diff-added"));
        await Expect(Node(page, "removed:end").Locator(".activity-node")).ToHaveClassAsync(new Regex("diff-removed"));
        await Expect(page.Locator(".diff-table")).ToContainTextAsync("nodes.notify.inputs.message");
        await Expect(page.Locator(".diff-table")).ToContainTextAsync("First text");
        await Expect(page.Locator(".diff-table")).ToContainTextAsync("Second text");
        await Expect(page.Locator(".diff-table")).ToContainTextAsync("notify.done → end");
        await s.ScreenshotAsync("visual-diff-v1-to-draft");

        // Revert: version 1 is loaded into the draft and saved as a new draft version.
        await page.GetByRole(AriaRole.Button, new() { Name = "Revert to v1" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Loaded version 1 into the draft");
        await Expect(Node(page, "end")).ToBeVisibleAsync();
        await Expect(Node(page, "fail")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Saved draft version 3");
        var v3 = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/3"))!;
        var v1 = (await api.GetFromJsonAsync<JsonNode>($"/api/v1/workflows/{id}/versions/1"))!;
        Assert.Equal((string?)v1["version"]!["contentHash"], (string?)v3["version"]!["contentHash"]);
        Assert.Equal("draft", (string?)v3["version"]!["status"]);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Versions" }).ClickAsync();
        await Expect(page.Locator(".version-list > li")).ToHaveCountAsync(3);
        await s.ScreenshotAsync("reverted-saved-as-v3");
    }

    [Fact]
    public async Task Importing_a_workflow_file_and_exporting_it_gives_the_same_bytes()
    {
        var file = Path.Combine(AgentRuntime.Testing.RepoPaths.Workflows, "customer-refund.yaml");
        await using var s = await studio.OpenAsync("dana", "#/designer/new", output);
        var page = s.Page;
        LogClientErrors(page, output);
        await page.GetByLabel("Import a YAML or JSON definition").SetInputFilesAsync(file);
        await Expect(Node(page, "propose")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("designer-status")).ToContainTextAsync("Imported customer-refund.yaml");
        await Expect(page.GetByTestId("problem-summary")).Not.ToContainTextAsync("error");
        await s.ScreenshotAsync("imported-customer-refund");

        // A decision's branches are rows (port, when) with the condition checked by the server, not raw JSON.
        await Node(page, "route").ClickAsync();
        var when = page.GetByRole(AriaRole.Textbox, new() { NameRegex = new Regex("^branches 1 when") });
        await Expect(when).ToHaveValueAsync(new Regex("vars.autoRefundLimit"));
        await Expect(page.GetByText("✓ valid expression").First).ToBeVisibleAsync();
        await s.ScreenshotAsync("decision-branches-editor");

        // The file has no positions; the designer laid it out. Export writes exactly what `workflows/` holds apart from
        // those positions: strip them and the bytes must match the file.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Export YAML" }).ClickAsync());
        Assert.Equal("customer-refund.yaml", download.SuggestedFilename);
        var exported = await File.ReadAllTextAsync(await download.PathAsync());
        var withoutPositions = Regex.Replace(exported, @"\n      position:\n        x: -?\d+\n        y: -?\d+", "");
        Assert.Equal(await File.ReadAllTextAsync(file), withoutPositions);

        // Saving it as a new workflow would silently add a version to the existing one: refused, and the draft stays.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.Locator(".designer-error")).ToContainTextAsync("A workflow 'customer-refund' already exists");
        await Expect(Node(page, "propose")).ToBeVisibleAsync();
        await s.ScreenshotAsync("new-workflow-id-taken");
    }

    [Fact]
    public async Task A_workflow_called_new_opens_in_the_designer_and_the_create_page_stays_where_it_was()
    {
        // `#/designer/new` is the create page; a workflow whose id is `new` used to open as an empty canvas instead.
        // Stored as a draft with readiness warnings (no owner…), which the workflow page lists (it used to go blank).
        using var api = studio.Api("dana");
        var yaml = "id: new\nname: Called new\nflowchart:\n  nodes:\n    - id: done\n      type: end\n";
        var stored = await api.PostAsync("/api/v1/workflows?publish=false&fileName=new.yaml", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.True(stored.IsSuccessStatusCode, $"upload answered {stored.StatusCode}");

        await using var s = await studio.OpenAsync("dana", "#/workflows/new", output);
        var page = s.Page;
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Called new" })).ToBeVisibleAsync();
        await page.Locator("details.warnings > summary").First.ClickAsync();
        await Expect(page.Locator(".warnings")).ToContainTextAsync("AR401");
        await s.ScreenshotAsync("workflow-new-detail-with-warnings");
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit in designer" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#/designer/w/new$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: Called new" })).ToBeVisibleAsync();
        await Expect(Node(page, "done")).ToBeVisibleAsync();
        await s.ScreenshotAsync("workflow-new-in-the-designer");

        await page.GotoAsync("/#/designer/new");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Design: New workflow" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Drag a node type from the palette here")).ToBeVisibleAsync();
        await s.ScreenshotAsync("create-page-unchanged");
    }

    [Fact]
    public async Task People_without_the_designer_role_see_the_workflow_read_only()
    {
        await using var s = await studio.OpenAsync("alice", "#/workflows/customer-refund", output);
        var page = s.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit in designer" }).ClickAsync();
        await Expect(page.GetByText("You are viewing this workflow")).ToBeVisibleAsync();
        await Expect(Node(page, "propose")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Publish" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add Notify to canvas" })).ToHaveCountAsync(0);
        await s.ScreenshotAsync("read-only-for-an-approver");
    }
}
